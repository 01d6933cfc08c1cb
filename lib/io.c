/* io.c - full reads and writes (EINTR, short writes, EAGAIN), CRLF and hex dump
 * output, and the one relay between stdin/stdout and a socket that every
 * applet in netcat's shape uses. */
#if defined(__linux__) && !defined(SOCKIT_PORTABLE)
#define _GNU_SOURCE /* splice, F_SETPIPE_SZ */
#define HAVE_SPLICE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit.h"

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Someone handed us a non-blocking fd: wait, do not spin. */
				struct pollfd pfd;

				pfd.fd = fd;
				pfd.events = POLLOUT;
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -1;
				continue;
			}
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t io_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* splice(2) moves data between a socket and a pipe inside the kernel, without
 * the copy in and out of our buffer: measured in bench/, it is what puts the
 * throughput ahead. Only for a pipe in blocking mode (a non-blocking one
 * shared with another process would make EAGAIN ambiguous); elsewhere, and in
 * portable builds, read and write do the job. */
int io_can_splice(int fd)
{
#ifdef HAVE_SPLICE
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_NONBLOCK) || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
#ifdef F_SETPIPE_SZ
	if (fcntl(fd, F_GETPIPE_SZ) < (1 << 20))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20); /* fewer, larger moves; best effort */
#endif
	return 1;
#else
	(void)fd;
	return 0;
#endif
}

/* A pipe of our own for splice (1 MiB if the system lets us), or -1. */
int io_splice_pipe(int p[2])
{
#ifdef HAVE_SPLICE
	if (pipe(p) < 0 || sock_set_cloexec(p[0]) < 0 || sock_set_cloexec(p[1]) < 0)
		return -1;
#ifdef F_SETPIPE_SZ
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* best effort, as above */
#endif
	return 0;
#else
	(void)p;
	return -1;
#endif
}

/* Up to len bytes from in to out (one of them a pipe): the count, 0 at EOF,
 * or -1 with errno. The pipe side does not block when nonblock is set. */
ssize_t io_splice(int in, int out, size_t len, int nonblock)
{
#ifdef HAVE_SPLICE
	ssize_t n;

	do
		n = splice(in, NULL, out, NULL, len,
		    SPLICE_F_MOVE | (nonblock ? SPLICE_F_NONBLOCK : 0));
	while (n < 0 && errno == EINTR);
	return n;
#else
	(void)in;
	(void)out;
	(void)len;
	(void)nonblock;
	errno = ENOSYS;
	return -1;
#endif
}

/* LF not preceded by CR -> CRLF. dst holds 2 * n bytes. *prev_cr carries the
 * last byte's state from one call to the next. */
size_t io_crlf(char *dst, const char *src, size_t n, int *prev_cr)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (src[i] == '\n' && !*prev_cr)
			dst[o++] = '\r';
		dst[o++] = src[i];
		*prev_cr = src[i] == '\r';
	}
	return o;
}

char *xslurp(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	for (;;) {
		ssize_t r;

		if (!buf)
			xdie(EXIT_NET, "out of memory");
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		r = io_read(fd, buf + n, cap - n);
		if (r < 0)
			xdie(EXIT_NET, "read stdin: %s", log_strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/* Built before connecting, so that bad hex sends nothing. */
char *xmessage(int argc, char **argv, unsigned flags, size_t *len)
{
	size_t total = 2, n = 0;
	char *joined, *msg;
	int i, prev_cr = 0;

	for (i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	joined = malloc(total);
	if (!joined)
		xdie(EXIT_NET, "out of memory");
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (i)
			joined[n++] = ' ';
		memcpy(joined + n, argv[i], l);
		n += l;
	}
	if (flags & XMSG_HEX) {
		long got = opt_parse_hex(joined, n, (unsigned char *)joined);

		if (got < 0)
			xusage("bad hex in message: want pairs of hex digits");
		*len = (size_t)got;
		return joined;
	}
	if (!(flags & XMSG_NONL))
		joined[n++] = '\n';
	if (!(flags & XMSG_CRLF)) {
		*len = n;
		return joined;
	}
	msg = malloc(2 * n + 1);
	if (!msg)
		xdie(EXIT_NET, "out of memory");
	*len = io_crlf(msg, joined, n, &prev_cr);
	free(joined);
	return msg;
}

/* The canonical dump, byte for byte as `hexdump -C` prints it: offset, sixteen
 * bytes in two groups of eight, the printable characters between bars, "*" for
 * a run of lines equal to the one before, and the final offset on its own. */
void hexdump_init(struct hexdump *hd, int fd)
{
	memset(hd, 0, sizeof(*hd));
	hd->fd = fd;
}

static size_t hexdump_line(char *o, uint64_t off, const unsigned char *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, k;

	k = (size_t)fmt_snprintf(o, 32, "%08llx  ", (unsigned long long)off);
	for (i = 0; i < 16; i++) {
		if (i < n) {
			o[k++] = hx[b[i] >> 4];
			o[k++] = hx[b[i] & 15];
			o[k++] = ' ';
		} else {
			o[k++] = ' ';
			o[k++] = ' ';
			o[k++] = ' ';
		}
		if (i == 7)
			o[k++] = ' ';
	}
	o[k++] = ' ';
	o[k++] = '|';
	for (i = 0; i < n; i++)
		o[k++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	o[k++] = '|';
	o[k++] = '\n';
	return k;
}

int hexdump_feed(struct hexdump *hd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	char out[4096];
	size_t o = 0;

	while (len) {
		size_t take = 16 - hd->fill;

		if (take > len)
			take = len;
		memcpy(hd->line + hd->fill, p, take);
		hd->fill += take;
		p += take;
		len -= take;
		if (hd->fill < 16)
			break;
		if (hd->have_prev && !memcmp(hd->line, hd->prev, 16)) {
			if (!hd->starred) {
				out[o++] = '*';
				out[o++] = '\n';
				hd->starred = 1;
			}
		} else {
			o += hexdump_line(out + o, hd->off, hd->line, 16);
			hd->starred = 0;
		}
		memcpy(hd->prev, hd->line, 16);
		hd->have_prev = 1;
		hd->off += 16;
		hd->fill = 0;
		if (o > sizeof(out) - 100) {
			if (io_write_all(hd->fd, out, o) < 0)
				return -1;
			o = 0;
		}
	}
	return o ? io_write_all(hd->fd, out, o) : 0;
}

int hexdump_end(struct hexdump *hd)
{
	char out[128];
	size_t o = 0;

	if (hd->fill) {
		o = hexdump_line(out, hd->off, hd->line, hd->fill);
		hd->off += hd->fill;
		hd->fill = 0;
	}
	if (hd->off)
		o += (size_t)fmt_snprintf(out + o, sizeof(out) - o, "%08llx\n",
		    (unsigned long long)hd->off);
	hd->have_prev = hd->starred = 0;
	hd->off = 0;
	return o ? io_write_all(hd->fd, out, o) : 0;
}

/* One write per datagram (with its --from prefix and newline), so that lines
 * from a listener never break apart in a pipe. */
int io_write_dgram(const struct dgram_out *o, const void *buf, size_t n,
                   const struct sockaddr *from)
{
	static char out[DGRAM_NAMELEN + DGRAM_MAX + 2];
	size_t k = 0;

	if (from) {
		addr_format(from, out, DGRAM_NAMELEN);
		k = strlen(out);
		out[k++] = o->hex ? '\n' : ' ';
	}
	if (o->hex) {
		struct hexdump hd;

		if (k && io_write_all(o->fd, out, k) < 0)
			return -1;
		hexdump_init(&hd, o->fd);
		if (hexdump_feed(&hd, buf, n) < 0 || hexdump_end(&hd) < 0)
			return -1;
		return 0;
	}
	if (n > DGRAM_MAX)
		n = DGRAM_MAX;
	memcpy(out + k, buf, n);
	k += n;
	if (!o->raw && (n == 0 || out[k - 1] != '\n'))
		out[k++] = '\n';
	return io_write_all(o->fd, out, k);
}

/* The relay rule of SPEC: two independent directions, after OpenBSD nc's
 * readwrite(). One buffer per direction; the socket non-blocking and driven by
 * poll, so that sending never stops us reading (two full buffers would
 * otherwise deadlock); stdout written through in full as data arrives. Input
 * EOF half-closes the socket; the peer's EOF ends only its own direction. The
 * exchange is over when both directions are: the rest of stdin still goes to
 * a peer that half-closed first. A terminal on stdin is a person, who expects
 * the peer's close to end the session, as telnet does. */
static int relay_fail(const char *what, const char *peer, int err)
{
	log_msg("%s %s: %s", what, peer, log_strerror(err));
	return EXIT_NET;
}

int io_relay(struct relay *r)
{
	char ibuf[65536], obuf[65536], raw[32768];
	const char *send_p = r->msg;
	size_t send_n = r->msg ? r->msglen : 0;
	int in_eof = r->in < 0, shut = 0, prev_cr = 0, net_full = 0, net_eof = 0;
	int net_hup = 0, tty = !in_eof && isatty(r->in);
	int splice_in = !in_eof && !r->crlf && io_can_splice(r->in);
	int splice_out = !r->hex && io_can_splice(r->out);
	int64_t last = loop_now();
	struct hexdump hd;
	struct pollfd pfd[3];

	if (r->hex)
		hexdump_init(&hd, r->out);
	if (sock_set_nonblock(r->net, 1) < 0)
		return relay_fail("socket", r->peer, errno);
	for (;;) {
		int timeout = -1, rc, sending;

		if (in_eof && !send_n && !shut && !r->no_shutdown) {
			if (shutdown(r->net, SHUT_WR) < 0 && errno != ENOTCONN)
				return relay_fail("shutdown", r->peer, errno);
			shut = 1;
		}
		sending = !in_eof || send_n;
		if (net_eof && (!sending || tty))
			break;
		/* A peer gone both ways (a Unix peer's close) keeps POLLHUP up:
		 * the socket is watched again only for the next write, which then
		 * fails and says why. */
		pfd[0].fd = net_hup && !send_n && !net_full ? -1 : r->net;
		pfd[0].events = (net_eof ? 0 : POLLIN) | (send_n || net_full ? POLLOUT : 0);
		pfd[1].fd = r->stop;
		pfd[1].events = POLLIN;
		/* Input is read only when the socket can take it (poll skips fd -1). */
		pfd[2].fd = !in_eof && !send_n && !net_full ? r->in : -1;
		pfd[2].events = POLLIN;
		if (r->idle_ms) {
			int64_t left = last + r->idle_ms - loop_now();

			if (left <= 0) {
				log_verbose("%s: idle for %lld ms, giving up", r->peer,
				    (long long)r->idle_ms);
				return r->rcvd ? EXIT_OK : EXIT_TIMEOUT;
			}
			timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		rc = poll(pfd, 3, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_msg("poll: %s", log_strerror(errno));
			return EXIT_NET;
		}
		if (rc == 0)
			continue; /* the idle check above decides */
		if (pfd[1].revents)
			break;
		if (!net_eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n;

			if (splice_out) {
				n = io_splice(r->net, r->out, 1 << 20, 0);
				if (n < 0 && errno == EPIPE)
					return relay_fail("write", "stdout", errno);
			} else {
				n = io_read(r->net, obuf, sizeof(obuf));
			}
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				return relay_fail("read", r->peer, errno);
			if (n == 0)
				net_eof = 1;
			if (n > 0) {
				last = loop_now();
				r->rcvd += n;
				if (!splice_out && (r->hex ? hexdump_feed(&hd, obuf, n) :
				     io_write_all(r->out, obuf, n)) < 0)
					return relay_fail("write", "stdout", errno);
			}
		} else if (net_eof && (pfd[0].revents & (POLLERR | POLLHUP))) {
			int err = 0;
			socklen_t el = sizeof(err);

			/* A reset after the peer's FIN: what is still to send cannot
			 * arrive, and a reset never passes for a clean end. */
			if (pfd[0].revents & POLLERR &&
			    getsockopt(r->net, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err)
				return relay_fail("write", r->peer, err);
			net_hup = 1;
		}
		if (net_full && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP)))
			net_full = 0;
		if (send_n && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(r->net, send_p, send_n);

			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return relay_fail("write", r->peer, errno);
			if (n > 0) {
				last = loop_now();
				r->sent += n;
				send_p += n;
				send_n -= n;
			}
		}
		if (pfd[2].fd < 0 || !(pfd[2].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (splice_in) {
			ssize_t n = io_splice(r->in, r->net, 1 << 20, 1);

			if (n > 0) {
				last = loop_now();
				r->sent += n;
			} else if (n == 0) {
				in_eof = 1;
			} else if (errno == EAGAIN) {
				net_full = 1; /* or the pipe was empty: poll says which */
			} else {
				return relay_fail("write", r->peer, errno);
			}
		} else {
			ssize_t n = io_read(r->in, r->crlf ? raw : ibuf,
			    r->crlf ? sizeof(raw) : sizeof(ibuf));

			if (n < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return relay_fail("read", "stdin", errno);
			} else if (n == 0) {
				in_eof = 1;
			} else {
				send_p = ibuf;
				send_n = r->crlf ? io_crlf(ibuf, raw, n, &prev_cr) : (size_t)n;
			}
		}
	}
	if (r->hex && hexdump_end(&hd) < 0)
		return relay_fail("write", "stdout", errno);
	return EXIT_OK;
}
