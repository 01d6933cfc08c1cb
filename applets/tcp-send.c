/* tcp-send - TCP client: send MSG (then half-close) or relay stdin, and copy
 * what the server sends to stdout until it closes; the client is lib/client.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit tcp-send [OPTIONS] HOST PORT [MSG...]\n"
"       sockit tcp-send -z [OPTIONS] HOST PORT,PORT,LOW-HIGH...\n"
"\n"
"Connect to HOST PORT. With MSG (even an empty one): send the MSG arguments\n"
"joined by spaces plus a newline, half-close, and copy the reply to stdout\n"
"until the server closes. Without MSG: relay stdin to the server and the\n"
"server's data to stdout; stdin EOF half-closes, and the exchange ends when\n"
"both directions have (a server that closes first still gets all of stdin;\n"
"a terminal on stdin ends at the server's close). With -z and a list of\n"
"ports: probe them all at once, print the open ones in order.\n"
"\n"
CLIENT_USAGE
"  -s, --source ADDR    connect from local address ADDR\n"
"  -p, --source-port PORT  connect from local port PORT\n"
"      --proxy URL      connect through a proxy: socks5://, socks5h:// (the\n"
"                       proxy resolves HOST), socks4://, socks4a://, http://\n"
"                       (CONNECT); SCHEME://[USER:PASS@]HOST[:PORT], default\n"
"                       port 1080, 8080 for http\n"
CLIENT_USAGE_DATA
"  -4, --ipv4           IPv4 only\n"
"  -6, --ipv6           IPv6 only\n"
"  -v, --verbose        report the connection and byte counts on stderr\n"
"  -q, --quiet          no diagnostics but fatal errors\n"
"  -h, --help           this text\n";

enum { O_SPORT = 1, O_PROXY };

static const struct opt_def opts[] = {
	CLIENT_OPTS,
	{ 'p', "source-port", 1, O_SPORT },
	{ 0, "proxy", 1, O_PROXY },
	OPT_COMMON
};

/* The target, resolved at the first attempt (after MSG is checked); the
 * proxy's address too. */
static struct {
	const char *host, *source;
	int port, family, sport, via;
	struct proxy px;
	struct addrinfo *ai, *pai; /* static: still reachable when an error exits */
} T;

static struct addrinfo *target(void)
{
	if (!T.ai)
		T.ai = xresolve(T.host, T.port, T.via && T.px.kind == PX_SOCKS4 ? AF_INET :
		    T.family, SOCK_STREAM, 0);
	return T.ai;
}

/* What the connects need resolved here: the proxy, and the target unless
 * the proxy resolves it (socks5h, socks4a, http). */
static void resolve(void)
{
	if (T.via && !T.pai)
		T.pai = xresolve(T.px.host, T.px.port, AF_UNSPEC, SOCK_STREAM, 0);
	if (!T.via || T.px.kind == PX_SOCKS5 || T.px.kind == PX_SOCKS4)
		target();
}

/* Through the proxy: connect to it, then ask it for HOST PORT; the proxy
 * resolves HOST for socks5h, socks4a and http. */
static int proxy_connect(struct client_cfg *c, int64_t timeout, char *where, size_t size)
{
	static char why[DGRAM_NAMELEN + 200];
	struct sock_opts so = { T.source, 0, -1, 0, T.sport };
	int64_t deadline = timeout ? loop_now() + timeout : 0;
	const struct sockaddr *ta = NULL;
	char said[160], paddr[DGRAM_NAMELEN];
	int fd, e;

	c->why = NULL;
	resolve();
	if (T.ai)
		ta = T.ai->ai_addr;
	if ((fd = sock_connect(T.pai, &so, timeout, where, size)) < 0)
		return -1;
	fmt_snprintf(paddr, sizeof(paddr), "%s", where);
	if (proxy_handshake(fd, &T.px, T.host, T.port, ta, deadline, said, sizeof(said)) < 0) {
		e = errno;
		close(fd);
		fmt_snprintf(why, sizeof(why), "proxy %s: %s", paddr, said[0] ? said :
		    log_strerror(e));
		c->why = why;
		errno = e;
		return -1;
	}
	fmt_snprintf(where, size, "%s:%d via %s", T.host, T.port, paddr);
	return fd;
}

static int tcp_connect(void *arg, int64_t timeout, char *where, size_t size)
{
	struct sock_opts so = { T.source, 0, -1, 0, T.sport };

	if (T.via)
		return proxy_connect(arg, timeout, where, size);
	return sock_connect(target(), &so, timeout, where, size);
}

static void tcp_done(void *arg)
{
	(void)arg;
	addr_free(T.ai);
	addr_free(T.pai);
	T.ai = T.pai = NULL;
}

/* -z with a port list: the next probe's port. */
static int tcp_set_port(void *arg, int port)
{
	struct addrinfo *a;

	(void)arg;
	T.port = port;
	resolve(); /* once, here, not in each probe's child */
	for (a = T.ai; a && !T.via; a = a->ai_next) {
		if (a->ai_family == AF_INET)
			((struct sockaddr_in *)a->ai_addr)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)a->ai_addr)->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

int tcp_send_main(int argc, char **argv)
{
	static unsigned char ports[8192];
	struct client_cfg c;
	struct opt_state st;
	char hostbuf[1024], srcbuf[1024];
	unsigned char ip6[16];
	int id;

	memset(&c, 0, sizeof(c));
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_SPORT: T.sport = xparse_port(st.arg, "tcp", 0); break;
		case O_PROXY: xproxy_url(&T.px, st.arg); T.via = 1; break;
		default: client_option(&c, id, &st);
		}
	}
	T.family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 2)
		xusage(argc ? "missing PORT" : "missing HOST and PORT");
	T.host = xparse_host(argv[0], hostbuf, sizeof(hostbuf));
	/* A list has commas or a range; a service name (x-y) has letters. */
	if (strpbrk(argv[1], ",-") && (strchr(argv[1], ',') ||
	    !argv[1][strspn(argv[1], "0123456789-")])) {
		if (!c.check)
			xusage("a list of ports goes with -z");
		if (opt_parse_ports(argv[1], ports) < 0)
			xusage("bad port list '%s': PORT or LOW-HIGH (1-65535) items, "
			    "comma separated, 65535 in all at most", argv[1]);
		if (argc > 2)
			xusage("-z sends nothing: no MSG, -x, -X, -n, --crlf or -H with it");
		c.ports = ports;
		c.set_port = tcp_set_port;
		T.port = 1;
	} else {
		T.port = xparse_port(argv[1], "tcp", 0);
	}
	if (T.via && T.px.kind == PX_SOCKS4 && addr_pton(AF_INET6, T.host, ip6))
		xusage("socks4:// carries IPv4 only: %s is an IPv6 address (socks4a:// or "
		    "socks5:// carry it)", T.host);
	if (T.via && (T.px.kind == PX_SOCKS5H || T.px.kind == PX_SOCKS4A) && strlen(T.host) > 255)
		xusage("%s: too long a name for SOCKS (255 bytes)", T.host);
	if (c.source) {
		T.source = xparse_host(c.source, srcbuf, sizeof(srcbuf));
		addr_free(xresolve(T.source, 0, T.family, SOCK_STREAM, 1));
	}
	c.connect = tcp_connect;
	c.done = tcp_done;
	c.arg = &c;
	return client_run(&c, argc - 2, argv + 2);
}
