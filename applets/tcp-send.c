/* tcp-send - TCP client: send MSG (then half-close) or relay stdin, and copy
 * what the server sends to stdout until it closes; the client is lib/client.c. */
#include <string.h>

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
CLIENT_USAGE
"  -s, --source ADDR    connect from local address ADDR\n"
CLIENT_USAGE_DATA
"  -4, --ipv4           IPv4 only\n"
"  -6, --ipv6           IPv6 only\n"
"  -v, --verbose        report the connection and byte counts on stderr\n"
"  -q, --quiet          no diagnostics but fatal errors\n"
"  -h, --help           this text\n";

static const struct opt_def opts[] = {
	CLIENT_OPTS,
	OPT_COMMON
};

/* The target, resolved at the first attempt (after MSG is checked). */
static struct {
	const char *host, *source;
	int port, family;
	struct addrinfo *ai; /* static: still reachable when an error exits */
} T;

static int tcp_connect(void *arg, int64_t timeout, char *where, size_t size)
{
	struct sock_opts so = { T.source, 0, -1, 0 };

	(void)arg;
	if (!T.ai)
		T.ai = xresolve(T.host, T.port, T.family, SOCK_STREAM, 0);
	return sock_connect(T.ai, &so, timeout, where, size);
}

static void tcp_done(void *arg)
{
	(void)arg;
	addr_free(T.ai);
	T.ai = NULL;
}

int tcp_send_main(int argc, char **argv)
{
	struct client_cfg c;
	struct opt_state st;
	char hostbuf[1024], srcbuf[1024];
	int id;

	memset(&c, 0, sizeof(c));
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0)
		client_option(&c, id, &st);
	T.family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 2)
		xusage(argc ? "missing PORT" : "missing HOST and PORT");
	T.host = xparse_host(argv[0], hostbuf, sizeof(hostbuf));
	T.port = xparse_port(argv[1], "tcp", 0);
	if (c.source) {
		T.source = xparse_host(c.source, srcbuf, sizeof(srcbuf));
		addr_free(xresolve(T.source, 0, T.family, SOCK_STREAM, 1));
	}
	c.connect = tcp_connect;
	c.done = tcp_done;
	return client_run(&c, argc - 2, argv + 2);
}
