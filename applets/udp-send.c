/* udp-send - UDP sender: MSG as one datagram, or each line of stdin as one;
 * with -w, print the replies as udp-listen does. */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit udp-send [OPTIONS] HOST PORT [MSG...]\n"
"\n"
"With MSG: send the MSG arguments joined by spaces plus a newline as one\n"
"datagram. Without MSG: each line of stdin (with its newline) is one datagram.\n"
"A message larger than one datagram (65507 bytes over IPv4, 65527 over IPv6)\n"
"is a usage error and is not sent.\n"
"\n"
"  -w, --timeout SECS   after sending, print replies until none came for SECS:\n"
"                       exit 0 if any came, 4 if none\n"
"      --raw            all of stdin is one datagram; replies as received\n"
"  -B, --broadcast      allow sending to a broadcast address\n"
"      --ttl N          hop limit (1-255); 0 (this host only) for a multicast\n"
"                       HOST only\n"
"      --iface NAME     the interface multicast datagrams leave by\n"
"  -s, --source ADDR    send from local address ADDR\n"
"  -n, --no-newline     do not add a newline to MSG\n"
"      --crlf           end lines with CRLF (MSG and stdin)\n"
"  -x, --hex            MSG (or each stdin line) is hex text: \"de ad be ef\"\n"
"  -X, --hexdump        show each reply as 'hexdump -C' does\n"
"  -4, --ipv4           IPv4 only\n"
"  -6, --ipv6           IPv6 only\n"
"  -v, --verbose        report the peer and datagram counts on stderr\n"
"  -q, --quiet          no diagnostics but fatal errors\n"
"  -h, --help           this text\n";

enum { O_TIMEOUT = 1, O_RAW, O_BROADCAST, O_TTL, O_SOURCE, O_NONL, O_CRLF, O_HEX,
	O_HEXDUMP, O_IFACE };

static const struct opt_def opts[] = {
	{ 'w', "timeout", 1, O_TIMEOUT },
	{ 0, "raw", 0, O_RAW },
	{ 'B', "broadcast", 0, O_BROADCAST },
	{ 0, "ttl", 1, O_TTL },
	{ 0, "iface", 1, O_IFACE },
	{ 's', "source", 1, O_SOURCE },
	{ 'n', "no-newline", 0, O_NONL },
	{ 0, "crlf", 0, O_CRLF },
	{ 'x', "hex", 0, O_HEX },
	{ 'X', "hexdump", 0, O_HEXDUMP },
	OPT_COMMON
};

static struct {
	int fd;
	size_t max;             /* the largest payload of one datagram */
	unsigned flags;         /* XMSG_HEX, XMSG_CRLF */
	struct dgram_out out;
	char where[ADDR_STRLEN];
	long sent, rcvd;
} U;

/* A failed send or receive: ICMP port unreachable is "connection refused". */
static void fail(const char *what, int err)
{
	xdie(exit_for_errno(err), "%s %s: %s", what, U.where, log_strerror(err));
}

static void send_one(const char *p, size_t n)
{
	ssize_t w;

	if (n > U.max)
		xusage("a message of %lu bytes does not fit one datagram (%lu at most here)",
		    (unsigned long)n, (unsigned long)U.max);
	do
		w = send(U.fd, p, n, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		fail("send", errno);
	U.sent++;
}

/* Print every reply waiting; returns how many there were. */
static int replies(void)
{
	static char buf[65536];
	int k = 0;

	for (;;) {
		ssize_t n = recv(U.fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return k;
			fail("receive from", errno);
		}
		U.rcvd++;
		k++;
		if (io_write_dgram(&U.out, buf, (size_t)n, NULL) < 0)
			xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
	}
}

/* One stdin line as a datagram: hex text, or text with --crlf line ends. */
static void send_line(char *line, size_t n, char *conv)
{
	int prev_cr = 0;

	if (U.flags & XMSG_HEX) {
		long got = opt_parse_hex(line, n, (unsigned char *)line);

		if (got < 0)
			xusage("bad hex on stdin: want pairs of hex digits");
		send_one(line, (size_t)got);
	} else if (U.flags & XMSG_CRLF) {
		send_one(conv, io_crlf(conv, line, n, &prev_cr));
	} else {
		send_one(line, n);
	}
}

/* Lines of stdin, sent as they come; replies printed meanwhile when asked. */
static void send_lines(int want_replies)
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
		pfd[1].fd = want_replies ? U.fd : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			xdie(EXIT_NET, "poll: %s", log_strerror(errno));
		}
		if (pfd[1].revents)
			replies();
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
				send_line(buf + start, i + 1 - start, conv);
				start = i + 1;
			}
		if (eof && start < len) /* a last line without a newline, as it is */
			send_line(buf + start, len - start, conv);
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == cap)
			xusage("a line of stdin longer than %lu bytes does not fit one datagram",
			    (unsigned long)cap);
	}
	free(buf);
	free(conv);
}

int udp_send_main(int argc, char **argv)
{
	struct sock_opts so = { NULL, 0, -1, 0 };
	struct opt_state st;
	static struct addrinfo *ai; /* static: still reachable when an error exits */
	char hostbuf[1024], srcbuf[1024];
	const char *host, *iface = NULL;
	static char *msg; /* static: still reachable when an error exits */
	size_t msglen = 0;
	int id, port, family, raw = 0, nonl = 0;
	int64_t idle = 0;

	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_TIMEOUT: idle = xparse_secs("timeout", st.arg); break;
		case O_RAW: raw = 1; break;
		case O_BROADCAST: so.broadcast = 1; break;
		case O_TTL: so.ttl = xparse_int("ttl", st.arg, 0, 255); break;
		case O_SOURCE: so.source = st.arg; break;
		case O_NONL: nonl = 1; break;
		case O_CRLF: U.flags |= XMSG_CRLF; break;
		case O_HEX: U.flags |= XMSG_HEX; break;
		case O_HEXDUMP: U.out.hex = 1; break;
		case O_IFACE: iface = st.arg; break;
		}
	}
	family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 2)
		xusage(argc ? "missing PORT" : "missing HOST and PORT");
	host = xparse_host(argv[0], hostbuf, sizeof(hostbuf));
	port = xparse_port(argv[1], "udp", 0);
	if (so.source) {
		so.source = xparse_host(so.source, srcbuf, sizeof(srcbuf));
		addr_free(xresolve(so.source, 0, family, SOCK_DGRAM, 1));
	}
	if (U.flags & XMSG_HEX)
		U.flags &= ~XMSG_CRLF; /* hex is bytes: no line ends to change */
	U.out.fd = 1;
	U.out.raw = raw;

	/* Everything that can be a usage error is checked before sending. */
	if (argc > 2) {
		msg = xmessage(argc - 2, argv + 2, U.flags | (nonl ? XMSG_NONL : 0), &msglen);
	} else if (raw) {
		int prev_cr = 0;

		msg = xslurp(0, &msglen);
		if (U.flags & XMSG_HEX) {
			long got = opt_parse_hex(msg, msglen, (unsigned char *)msg);

			if (got < 0)
				xusage("bad hex on stdin: want pairs of hex digits");
			msglen = (size_t)got;
		} else if (U.flags & XMSG_CRLF) {
			char *conv = malloc(2 * msglen + 1);

			if (!conv)
				xdie(EXIT_NET, "out of memory");
			msglen = io_crlf(conv, msg, msglen, &prev_cr);
			free(msg);
			msg = conv;
		}
	}

	ai = xresolve(host, port, family, SOCK_DGRAM, 0);
	if (so.ttl == 0 || iface) {
		struct addrinfo *a;

		for (a = ai; a; a = a->ai_next)
			if (!sock_is_multicast(a->ai_addr))
				xusage("%s goes with a multicast group: %s is not one",
				    iface ? "--iface" : "--ttl 0", argv[0]);
		if (iface && !(so.ifindex = if_nametoindex(iface)))
			xusage("--iface %s: no such interface", iface);
	}
	U.fd = sock_connect(ai, &so, 0, U.where, sizeof(U.where));
	if (U.fd < 0) {
		int e = errno;

		addr_free(ai);
		xdie(exit_for_errno(e), "connect %s: %s", U.where, log_strerror(e));
	}
	{
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);

		/* 65535 less the IP and UDP headers; a v4-mapped peer is IPv4. */
		U.max = 65507;
		if (getpeername(U.fd, (struct sockaddr *)&peer, &pl) == 0 &&
		    peer.ss_family == AF_INET6 &&
		    !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&peer)->sin6_addr))
			U.max = 65527;
	}
	addr_free(ai);
	if (sock_set_nonblock(U.fd, 1) < 0)
		xdie(EXIT_NET, "%s: %s", U.where, log_strerror(errno));
	log_verbose("sending to %s", U.where);

	if (msg)
		send_one(msg, msglen);
	else
		send_lines(idle != 0);
	free(msg);

	if (idle) {
		int64_t last = loop_now();

		for (;;) {
			struct pollfd pfd;
			int64_t left = last + idle - loop_now();
			int rc;

			if (left <= 0)
				break;
			pfd.fd = U.fd;
			pfd.events = POLLIN;
			rc = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
			if (rc < 0 && errno != EINTR)
				xdie(EXIT_NET, "poll: %s", log_strerror(errno));
			if (rc > 0 && replies() > 0)
				last = loop_now();
		}
	}
	log_verbose("sent %ld datagram%s, received %ld", U.sent, U.sent == 1 ? "" : "s",
	    U.rcvd);
	if (idle && !U.rcvd)
		return EXIT_TIMEOUT;
	return EXIT_OK;
}
