/* udp-listen - UDP receiver: one unconnected socket, any number of senders,
 * each datagram written as it arrives (or echoed back to its sender). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit udp-listen [OPTIONS] PORT\n"
"\n"
"Receive UDP datagrams on PORT (0: any free port; -: the socket a supervisor\n"
"handed over) from any number of senders\n"
"and write each payload to stdout, with a newline added where it does not\n"
"end with one (an empty datagram is an empty line).\n"
"\n"
"      --raw              payloads exactly as received, nothing added\n"
"      --from             precede each datagram with its sender ADDR:PORT\n"
"      --echo             send each datagram back to its sender; print nothing\n"
"  -n, --count N          exit 0 after N datagrams\n"
"  -w, --timeout SECS     stop when none came for SECS: exit 0 if any came,\n"
"                         4 if none (with -n: 4 unless all N came)\n"
"      --group MADDR      join multicast group MADDR (IPv4 or IPv6)\n"
"      --iface NAME       with --group: the interface to join on\n"
"  -b, --bind ADDR        listen on ADDR only (default: all, IPv6 and IPv4)\n"
"      --allow CIDR       take datagrams from senders in CIDR (ADDR or\n"
"                         ADDR/LEN) only; drop the others\n"
"      --deny CIDR        drop datagrams from senders in CIDR; of the rules\n"
"                         that match a sender, the longest prefix decides\n"
"      --user USER[:GROUP] after binding, run as USER (and GROUP)\n"
"      --port-file FILE   write the bound port to FILE once bound\n"
"      --notify-fd N      once bound, write a newline to fd N (s6)\n"
"  -X, --hexdump          each datagram as a 'hexdump -C' dump\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -v, --verbose          log the listening address and each sender\n"
"  -q, --quiet            no diagnostics but fatal errors\n"
"  -h, --help             this text\n";

enum { O_RAW = 1, O_FROM, O_ECHO, O_COUNT, O_TIMEOUT, O_GROUP, O_IFACE, O_BIND,
	O_PORTFILE, O_HEXDUMP, O_ALLOW, O_DENY, O_USER, O_NOTIFY };

static const struct opt_def opts[] = {
	{ 0, "raw", 0, O_RAW },
	{ 0, "from", 0, O_FROM },
	{ 0, "echo", 0, O_ECHO },
	{ 'n', "count", 1, O_COUNT },
	{ 'w', "timeout", 1, O_TIMEOUT },
	{ 0, "group", 1, O_GROUP },
	{ 0, "iface", 1, O_IFACE },
	{ 'b', "bind", 1, O_BIND },
	{ 0, "port-file", 1, O_PORTFILE },
	{ 'X', "hexdump", 0, O_HEXDUMP },
	{ 0, "allow", 1, O_ALLOW },
	{ 0, "deny", 1, O_DENY },
	{ 0, "user", 1, O_USER },
	{ 0, "notify-fd", 1, O_NOTIFY },
	OPT_COMMON
};

int udp_listen_main(int argc, char **argv)
{
	struct dgram_rx rx;
	struct dgram_out out = { 1, 0, 0, 0 };
	struct opt_state st;
	static struct acl acl; /* static: still reachable when an error exits */
	struct priv priv = { NULL, 0, 0 };
	static struct addrinfo *group; /* static: still reachable when an error exits */
	char hostbuf[1024], groupbuf[1024], where[ADDR_STRLEN];
	const char *bind = NULL, *portfile = NULL, *gname = NULL, *iface = NULL;
	unsigned ifindex = 0;
	int id, port, fd, sigfd, echo = 0, count = 0, family, handed;
	int64_t idle = 0;

	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_RAW: out.raw = 1; break;
		case O_FROM: out.from = 1; break;
		case O_ECHO: echo = 1; break;
		case O_COUNT: count = xparse_int("count", st.arg, 1, INT_MAX); break;
		case O_TIMEOUT: idle = xparse_secs("timeout", st.arg); break;
		case O_GROUP: gname = st.arg; break;
		case O_IFACE: iface = st.arg; break;
		case O_BIND: bind = st.arg; break;
		case O_PORTFILE: portfile = st.arg; break;
		case O_HEXDUMP: out.hex = 1; break;
		case O_ALLOW: xacl_add(&acl, st.arg, 1); break;
		case O_DENY: xacl_add(&acl, st.arg, 0); break;
		case O_USER: xpriv_lookup(&priv, "--user", st.arg); break;
		case O_NOTIFY: xnotify_fd(st.arg); break;
		}
	}
	family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 1)
		xusage("missing PORT");
	if (argc > 1)
		xusage("unexpected argument '%s'", argv[1]);
	handed = !strcmp(argv[0], "-");
	port = handed ? 0 : xparse_port(argv[0], "udp", 1);
	if (handed && (bind || gname))
		xusage("%s and PORT -: the socket handed over is bound already",
		    bind ? "-b" : "--group");
	if (echo && (out.raw || out.from || out.hex))
		xusage("--echo prints nothing: no --raw, --from or -X with it");
	if (iface && !gname)
		xusage("--iface goes with --group");
	if (bind)
		bind = xparse_host(bind, hostbuf, sizeof(hostbuf));
	if (gname) {
		gname = xparse_host(gname, groupbuf, sizeof(groupbuf));
		group = xresolve(gname, port, family, SOCK_DGRAM, 0);
		if (!sock_is_multicast(group->ai_addr))
			xusage("--group %s: not a multicast address", gname);
		family = group->ai_family;
		if (iface && !(ifindex = if_nametoindex(iface)))
			xusage("--iface %s: no such interface", iface);
		if (bind) {
			/* The kernel delivers to a socket only what was sent to its
			 * bound address: a unicast one never sees the group's. */
			struct addrinfo *b = xresolve(bind, port, family, SOCK_DGRAM, 1);
			char bip[ADDR_STRLEN], gip[ADDR_STRLEN];

			addr_ip(b->ai_addr, bip, sizeof(bip));
			addr_ip(group->ai_addr, gip, sizeof(gip));
			addr_free(b);
			if (strcmp(bip, gip) && strcmp(bip, "0.0.0.0") && strcmp(bip, "::"))
				xusage("-b %s receives no multicast: use -b %s or no -b", bind, gname);
		}
	}

	/* What was handed over, before anything opened could take its fd. */
	fd = handed ? xinherit(SOCK_DGRAM, 0, where, sizeof(where)) : -1;
	sigfd = xdgram_signals();
	/* Several listeners may share a group's port; nothing else shares one. */
	if (!handed)
		fd = xlisten(bind, port, family, SOCK_DGRAM, group != NULL, where, sizeof(where));
	if (group) {
		if (sock_join_group(fd, group->ai_addr, group->ai_addrlen, ifindex) < 0)
			xdie(EXIT_NET, "join %s%s%s: %s", gname, iface ? " on " : "",
			    iface ? iface : "", log_strerror(errno));
		log_verbose("joined %s", gname);
		addr_free(group);
	}
	if (echo)
		sock_want_dst(fd);
	if (sock_set_nonblock(fd, 1) < 0)
		xdie(EXIT_NET, "bind %s: %s", where, log_strerror(errno));
	log_verbose("listening on %s", where);
	if (portfile)
		xwrite_port_file(portfile, fd);
	super_ready(where);
	xpriv_drop(&priv);

	rx.fd = fd;
	rx.sigfd = sigfd;
	rx.echo = echo;
	rx.count = count;
	rx.idle = idle;
	rx.out = out;
	rx.acl = &acl;
	return dgram_listen(&rx);
}
