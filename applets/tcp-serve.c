/* tcp-serve - TCP server: echo (event-driven, one process), print, discard,
 * relay one client to stdio, or run a program per connection (UCSPI style);
 * the server itself is lib/serve.c. */
#include <string.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit tcp-serve [OPTIONS] PORT [PROGRAM [ARG...]]\n"
"       sockit tcp-serve [OPTIONS] --to TARGET PORT\n"
"\n"
"Serve TCP clients on PORT (0: any free port; -: the socket a supervisor\n"
"handed over, systemd's LISTEN_FDS or stdin) until killed. Mode, one of:\n"
SERVE_USAGE_MODES
"\n"
"  -b, --bind ADDR        listen on ADDR only (default: all, IPv6 and IPv4)\n"
SERVE_USAGE_TO
SERVE_USAGE_LIMITS
"      --accept-proxy     each client begins with a PROXY header (v1 or v2),\n"
"                         whose addresses stand for the client's; no header\n"
"                         within 5 s, or a bad one: reset\n"
"      --per-ip N         at most N connections at once from one address;\n"
"                         more are closed at once\n"
"      --allow CIDR       let in clients in CIDR (ADDR or ADDR/LEN); once one\n"
"                         --allow is given, no other client is let in\n"
"      --deny CIDR        close clients in CIDR at once; of the rules that match\n"
"                         a client, the longest prefix decides\n"
"      --port-file FILE   write the bound port to FILE once listening\n"
SERVE_USAGE_STDIO
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only (IPv4 clients are refused)\n"
"  -v, --verbose          log listening address, clients and byte counts\n"
"  -q, --quiet            no diagnostics but fatal errors\n"
"  -h, --help             this text\n"
"\n"
"PROGRAM gets PROTO=TCP, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT.\n";

enum { O_BIND = 1, O_PORTFILE, O_PERIP, O_ALLOW, O_DENY };

static const struct opt_def opts[] = {
	SERVE_OPTS,
	SERVE_TCP_OPTS(O_BIND, O_PORTFILE, O_PERIP, O_ALLOW, O_DENY, SV_ACCEPT_PROXY),
	OPT_COMMON
};

int tcp_serve_main(int argc, char **argv)
{
	static struct serve c; /* static: still reachable when an error exits */
	struct opt_state st;
	char hostbuf[1024], where[ADDR_STRLEN];
	const char *bind = NULL, *portfile = NULL;
	int id, port, lfd, handed;

	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_BIND: bind = st.arg; break;
		case O_PORTFILE: portfile = st.arg; break;
		case O_PERIP: c.per = xparse_int("per-ip", st.arg, 1, INT_MAX); break;
		case O_ALLOW: xacl_add(&c.acl, st.arg, 1); break;
		case O_DENY: xacl_add(&c.acl, st.arg, 0); break;
		default: serve_option(&c, id, &st);
		}
	}
	argc -= st.ind;
	argv += st.ind;
	if (argc < 1)
		xusage("missing PORT");
	handed = !strcmp(argv[0], "-");
	port = handed ? 0 : xparse_port(argv[0], "tcp", 1);
	serve_check(&c, argc - 1, argv + 1);
	if (bind && handed)
		xusage("-b and PORT -: the socket handed over is bound already");
	if (bind)
		bind = xparse_host(bind, hostbuf, sizeof(hostbuf));

	/* What was handed over, before anything opened could take its fd. */
	lfd = handed ? xinherit(SOCK_STREAM, 0, where, sizeof(where)) : -1;
	serve_init(&c);
	if (!handed)
		lfd = xlisten(bind, port, st.family, SOCK_STREAM, 1, where, sizeof(where));
	c.where = where;
	log_verbose("listening on %s", where);
	if (portfile)
		xwrite_port_file(portfile, lfd);
	super_ready(where);
	return serve_run(&c, lfd);
}
