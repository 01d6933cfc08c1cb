/* dgram.c - the datagram engines that udp-listen, udp-send and the -u modes
 * of unix-serve and unix-send share: a receiver that writes each datagram by
 * the newline rule (or echoes it back), and a sender of one datagram per
 * message or stdin line that prints the replies. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit.h"

/* One buffer: a process receives (udp-listen) or sends and reads replies. */
static char dbuf[DGRAM_MAX]; /* UDP's largest fits whole, and a Unix one's */

/* Before the socket is bound: the signals that stop a receiver. */
int xdgram_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	int fd = loop_signals(sigs, 2);

	if (fd < 0)
		xdie(EXIT_NET, "signals: %s", log_strerror(errno));
	return fd;
}

int dgram_listen(const struct dgram_rx *c)
{
	int64_t last = loop_now();
	long got = 0;
	char name[ADDR_STRLEN];

	for (;;) {
		struct pollfd pfd[2];
		int timeout = -1, rc;

		if (c->idle) {
			int64_t left = last + c->idle - loop_now();

			if (left <= 0) {
				log_verbose("no datagram for %lld ms", (long long)c->idle);
				return got && (!c->count || got >= c->count) ? EXIT_OK : EXIT_TIMEOUT;
			}
			timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->sigfd;
		pfd[1].events = POLLIN;
		rc = poll(pfd, 2, timeout);
		if (rc < 0 && errno != EINTR)
			xdie(EXIT_NET, "poll: %s", log_strerror(errno));
		if (rc <= 0)
			continue;
		if (pfd[1].revents) { /* SIGINT or SIGTERM */
			super_stopping();
			return EXIT_OK;
		}
		for (;;) { /* every datagram waiting, then poll again */
			struct dgram d;
			ssize_t n = sock_recv_dgram(c->fd, dbuf, sizeof(dbuf), &d);

			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				/* An ICMP error about an echo we sent: not fatal here. */
				log_verbose("receive: %s", log_strerror(errno));
				break;
			}
			if (c->acl && c->acl->n && !acl_permits(c->acl, (struct sockaddr *)&d.from)) {
				log_verbose_peer("dropped a datagram from",
				    (struct sockaddr *)&d.from, " (--allow/--deny)");
				continue;
			}
			last = loop_now();
			got++;
			if (log_level >= LOG_VERBOSE) {
				addr_format((struct sockaddr *)&d.from, name, sizeof(name));
				log_verbose("datagram from %s: %ld bytes", name, (long)n);
			}
			if (d.truncated)
				log_warn("a datagram was truncated to %ld bytes", (long)n);
			if (c->echo) {
				if (sock_send_reply(c->fd, dbuf, (size_t)n, &d) < 0)
					log_verbose("echo: %s", log_strerror(errno));
			} else if (io_write_dgram(&c->out, dbuf, (size_t)n,
			    c->out.from ? (struct sockaddr *)&d.from : NULL) < 0) {
				xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
			}
			if (c->count && got >= c->count)
				return EXIT_OK;
		}
	}
}

/* A failed send or receive: ICMP port unreachable (a Unix peer gone) is
 * "connection refused". */
static void fail(const struct dgram_tx *t, const char *what, int err)
{
	xdie(exit_for_errno(err), "%s %s: %s", what, t->where, log_strerror(err));
}

static void send_one(struct dgram_tx *t, const char *p, size_t n)
{
	ssize_t w;

	if (n > t->max)
		xusage("a message of %lu bytes does not fit one datagram (%lu at most here)",
		    (unsigned long)n, (unsigned long)t->max);
	do
		w = send(t->fd, p, n, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EMSGSIZE)
		xusage("a message of %lu bytes does not fit one datagram", (unsigned long)n);
	if (w < 0)
		fail(t, "send", errno);
	t->sent++;
}

/* Print every reply waiting; returns how many there were. */
static int replies(struct dgram_tx *t)
{
	int k = 0;

	for (;;) {
		ssize_t n = recv(t->fd, dbuf, sizeof(dbuf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return k;
			fail(t, "receive from", errno);
		}
		t->rcvd++;
		k++;
		if (io_write_dgram(&t->out, dbuf, (size_t)n, NULL) < 0)
			xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
	}
}

/* One stdin line as a datagram: hex text, or text with --crlf line ends. */
static void send_line(struct dgram_tx *t, char *line, size_t n, char *conv)
{
	int prev_cr = 0;

	if (t->flags & XMSG_HEX) {
		long got = opt_parse_hex(line, n, (unsigned char *)line);

		if (got < 0)
			xusage("bad hex on stdin: want pairs of hex digits");
		send_one(t, line, (size_t)got);
	} else if (t->flags & XMSG_CRLF) {
		send_one(t, conv, io_crlf(conv, line, n, &prev_cr));
	} else {
		send_one(t, line, n);
	}
}

/* Lines of stdin, sent as they come; replies printed meanwhile when asked. */
static void send_lines(struct dgram_tx *t)
{
	/* A line longer than this cannot be one datagram, even as hex text. */
	size_t cap = 3 * 65536 + 16, len = 0;
	char *buf = malloc(cap), *conv = malloc(2 * cap);
	int eof = 0;

	if (!buf || !conv)
		xdie(EXIT_NET, "out of memory");
	while (!eof) {
		struct pollfd pfd[2];
		size_t start = 0, i;
		ssize_t n;

		pfd[0].fd = 0;
		pfd[0].events = POLLIN;
		pfd[1].fd = t->idle ? t->fd : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			xdie(EXIT_NET, "poll: %s", log_strerror(errno));
		}
		if (pfd[1].revents)
			replies(t);
		if (!pfd[0].revents)
			continue;
		n = io_read(0, buf + len, cap - len);
		if (n < 0)
			xdie(EXIT_NET, "read stdin: %s", log_strerror(errno));
		if (n == 0)
			eof = 1;
		len += (size_t)n;
		for (i = 0; i < len; i++)
			if (buf[i] == '\n') {
				send_line(t, buf + start, i + 1 - start, conv);
				start = i + 1;
			}
		if (eof && start < len) /* a last line without a newline, as it is */
			send_line(t, buf + start, len - start, conv);
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == cap)
			xusage("a line of stdin longer than %lu bytes does not fit one datagram",
			    (unsigned long)cap);
	}
	free(buf);
	free(conv);
}

/* MSG, or with --raw all of stdin, made before anything is sent, so that a
 * usage error sends nothing. Without either, stdin's lines are read later. */
void xdgram_message(struct dgram_tx *t, int argc, char **argv, int nonl)
{
	int prev_cr = 0;

	if (t->flags & XMSG_HEX)
		t->flags &= ~XMSG_CRLF; /* hex is bytes: no line ends to change */
	if (argc > 0) {
		t->msg = xmessage(argc, argv, t->flags | (nonl ? XMSG_NONL : 0), &t->msglen);
		return;
	}
	if (!t->out.raw)
		return;
	t->msg = xslurp(0, &t->msglen);
	if (t->flags & XMSG_HEX) {
		long got = opt_parse_hex(t->msg, t->msglen, (unsigned char *)t->msg);

		if (got < 0)
			xusage("bad hex on stdin: want pairs of hex digits");
		t->msglen = (size_t)got;
	} else if (t->flags & XMSG_CRLF) {
		char *conv = malloc(2 * t->msglen + 1);

		if (!conv)
			xdie(EXIT_NET, "out of memory");
		t->msglen = io_crlf(conv, t->msg, t->msglen, &prev_cr);
		free(t->msg);
		t->msg = conv;
	}
}

/* On the connected t->fd: send, then print replies until none came for
 * t->idle; the exit status. */
int dgram_send(struct dgram_tx *t)
{
	if (sock_set_nonblock(t->fd, 1) < 0)
		xdie(EXIT_NET, "%s: %s", t->where, log_strerror(errno));
	log_verbose("sending to %s", t->where);
	if (t->msg)
		send_one(t, t->msg, t->msglen);
	else
		send_lines(t);
	free(t->msg);
	t->msg = NULL;
	if (t->idle) {
		int64_t last = loop_now();

		for (;;) {
			struct pollfd pfd;
			int64_t left = last + t->idle - loop_now();
			int rc;

			if (left <= 0)
				break;
			pfd.fd = t->fd;
			pfd.events = POLLIN;
			rc = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
			if (rc < 0 && errno != EINTR)
				xdie(EXIT_NET, "poll: %s", log_strerror(errno));
			if (rc > 0 && replies(t) > 0)
				last = loop_now();
		}
	}
	log_verbose("sent %ld datagram%s, received %ld", t->sent, t->sent == 1 ? "" : "s",
	    t->rcvd);
	if (t->idle && !t->rcvd)
		return EXIT_TIMEOUT;
	return EXIT_OK;
}
