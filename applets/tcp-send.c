/* tcp-send - TCP client: send MSG (then half-close) or relay stdin, and copy
 * what the server sends to stdout until it closes. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit tcp-send [OPTIONS] HOST PORT [MSG...]\n"
"\n"
"Connect to HOST PORT. With MSG (even an empty one): send the MSG arguments\n"
"joined by spaces plus a newline, half-close, and copy the reply to stdout\n"
"until the server closes. Without MSG: relay stdin to the server and the\n"
"server's data to stdout; stdin EOF half-closes, and the exchange ends when\n"
"both directions have (a server that closes first still gets all of stdin;\n"
"a terminal on stdin ends at the server's close).\n"
"\n"
"  -w, --timeout SECS   give up connecting after SECS (exit 4); then end the\n"
"                       exchange once nothing moved for SECS (exit 0 if data\n"
"                       came, 4 if none)\n"
"  -z, --check          connect and close: exit 0 open, 5 refused, 4 timeout\n"
"      --wait SECS      retry connecting until it works or SECS pass\n"
"  -H, --no-shutdown    do not half-close after sending\n"
"  -s, --source ADDR    connect from local address ADDR\n"
"  -n, --no-newline     do not add a newline to MSG\n"
"      --crlf           end lines with CRLF (MSG and stdin)\n"
"  -x, --hex            MSG (or stdin) is hex text: \"de ad be ef\"\n"
"  -X, --hexdump        show received data as 'hexdump -C' does\n"
"  -4, --ipv4           IPv4 only\n"
"  -6, --ipv6           IPv6 only\n"
"  -v, --verbose        report the connection and byte counts on stderr\n"
"  -q, --quiet          no diagnostics but fatal errors\n"
"  -h, --help           this text\n";

enum { O_TIMEOUT = 1, O_CHECK, O_WAIT, O_NOSHUT, O_SOURCE, O_NONL, O_CRLF, O_HEX,
	O_HEXDUMP };

static const struct opt_def opts[] = {
	{ 'w', "timeout", 1, O_TIMEOUT },
	{ 'z', "check", 0, O_CHECK },
	{ 0, "wait", 1, O_WAIT },
	{ 'H', "no-shutdown", 0, O_NOSHUT },
	{ 's', "source", 1, O_SOURCE },
	{ 'n', "no-newline", 0, O_NONL },
	{ 0, "crlf", 0, O_CRLF },
	{ 'x', "hex", 0, O_HEX },
	{ 'X', "hexdump", 0, O_HEXDUMP },
	OPT_COMMON
};

struct cfg {
	int64_t timeout, wait;
	int check, noshut, nonl, crlf, hex, hexdump, family;
	const char *source;
};

static int connect_until(struct addrinfo *ai, const struct cfg *c, char *where, size_t size)
{
	struct sock_opts so = { c->source, 0, -1, 0 };
	int64_t start = loop_now(), pause = 20;
	int err = 0;

	for (;;) {
		int64_t t = c->timeout, left = c->wait ? start + c->wait - loop_now() : 0;
		int fd, e;

		if (c->wait && (!t || t > left))
			t = left > 0 ? left : 1;
		fd = sock_connect(ai, &so, t, where, size);
		if (fd >= 0)
			return fd;
		e = errno;
		/* An attempt cut short by --wait says less than the one before it. */
		if (e != ETIMEDOUT || !err)
			err = e;
		left = c->wait ? start + c->wait - loop_now() : 0;
		if (!c->wait || left <= 0) {
			if (c->wait)
				xdie(EXIT_TIMEOUT, "connect %s: %s; gave up after --wait", where,
				    log_strerror(err));
			xdie(exit_for_errno(e), "connect %s: %s", where, log_strerror(e));
		}
		poll(NULL, 0, (int)(pause < left ? pause : left));
		if (pause < 500)
			pause *= 2;
	}
}

int tcp_send_main(int argc, char **argv)
{
	struct cfg c;
	struct opt_state st;
	struct relay r;
	/* static: still reachable (not a leak) when an error exits on the way */
	static struct addrinfo *ai;
	static char *msg;
	char hostbuf[1024], srcbuf[1024], where[ADDR_STRLEN];
	const char *host;
	int id, port, fd, rc, have_msg;
	int64_t t0;

	memset(&c, 0, sizeof(c));
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_TIMEOUT: c.timeout = xparse_secs("timeout", st.arg); break;
		case O_CHECK: c.check = 1; break;
		case O_WAIT: c.wait = xparse_secs("wait", st.arg); break;
		case O_NOSHUT: c.noshut = 1; break;
		case O_SOURCE: c.source = st.arg; break;
		case O_NONL: c.nonl = 1; break;
		case O_CRLF: c.crlf = 1; break;
		case O_HEX: c.hex = 1; break;
		case O_HEXDUMP: c.hexdump = 1; break;
		}
	}
	c.family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 2)
		xusage(argc ? "missing PORT" : "missing HOST and PORT");
	host = xparse_host(argv[0], hostbuf, sizeof(hostbuf));
	port = xparse_port(argv[1], "tcp", 0);
	have_msg = argc > 2;
	if (c.check && (have_msg || c.hex || c.hexdump || c.nonl || c.crlf || c.noshut))
		xusage("-z sends nothing: no MSG, -x, -X, -n, --crlf or -H with it");
	if (c.source) {
		c.source = xparse_host(c.source, srcbuf, sizeof(srcbuf));
		addr_free(xresolve(c.source, 0, c.family, SOCK_STREAM, 1));
	}

	memset(&r, 0, sizeof(r));
	if (have_msg) {
		msg = xmessage(argc - 2, argv + 2, (c.hex ? XMSG_HEX : 0) |
		    (c.nonl ? XMSG_NONL : 0) | (c.crlf ? XMSG_CRLF : 0), &r.msglen);
	} else if (c.hex && !c.check) {
		long got;

		msg = xslurp(0, &r.msglen);
		got = opt_parse_hex(msg, r.msglen, (unsigned char *)msg);
		if (got < 0)
			xusage("bad hex on stdin: want pairs of hex digits");
		r.msglen = (size_t)got;
	}
	r.msg = msg;

	ai = xresolve(host, port, c.family, SOCK_STREAM, 0);
	t0 = loop_now();
	fd = connect_until(ai, &c, where, sizeof(where));
	addr_free(ai);
	log_verbose("connected to %s", where);
	if (c.check) {
		close(fd);
		return EXIT_OK;
	}
	r.net = fd;
	r.in = msg ? -1 : 0;
	r.out = 1;
	r.stop = -1;
	r.crlf = c.crlf;
	r.hex = c.hexdump;
	r.no_shutdown = c.noshut;
	r.idle_ms = c.timeout;
	r.peer = where;
	rc = io_relay(&r);
	log_transfer(where, r.rcvd, r.sent, loop_now() - t0);
	close(fd);
	free(msg);
	return rc;
}
