/* udp-send - UDP sender: MSG as one datagram, or each line of stdin as one;
 * with -w, print the replies as udp-listen does. */
#include <errno.h>
#include <net/if.h>
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
"  -p, --source-port PORT  send from local port PORT\n"
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
	O_HEXDUMP, O_IFACE, O_SPORT };

static const struct opt_def opts[] = {
	{ 'w', "timeout", 1, O_TIMEOUT },
	{ 0, "raw", 0, O_RAW },
	{ 'B', "broadcast", 0, O_BROADCAST },
	{ 0, "ttl", 1, O_TTL },
	{ 0, "iface", 1, O_IFACE },
	{ 's', "source", 1, O_SOURCE },
	{ 'p', "source-port", 1, O_SPORT },
	{ 'n', "no-newline", 0, O_NONL },
	{ 0, "crlf", 0, O_CRLF },
	{ 'x', "hex", 0, O_HEX },
	{ 'X', "hexdump", 0, O_HEXDUMP },
	OPT_COMMON
};

int udp_send_main(int argc, char **argv)
{
	struct sock_opts so = { NULL, 0, -1, 0, 0 };
	struct opt_state st;
	static struct addrinfo *ai; /* static: still reachable when an error exits */
	static struct dgram_tx t;
	char hostbuf[1024], srcbuf[1024], where[ADDR_STRLEN];
	const char *host, *iface = NULL;
	int id, port, family, nonl = 0;

	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_TIMEOUT: t.idle = xparse_secs("timeout", st.arg); break;
		case O_RAW: t.out.raw = 1; break;
		case O_BROADCAST: so.broadcast = 1; break;
		case O_TTL: so.ttl = xparse_int("ttl", st.arg, 0, 255); break;
		case O_SOURCE: so.source = st.arg; break;
		case O_SPORT: so.sport = xparse_port(st.arg, "udp", 0); break;
		case O_NONL: nonl = 1; break;
		case O_CRLF: t.flags |= XMSG_CRLF; break;
		case O_HEX: t.flags |= XMSG_HEX; break;
		case O_HEXDUMP: t.out.hex = 1; break;
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
	t.out.fd = 1;
	/* Everything that can be a usage error is checked before sending. */
	xdgram_message(&t, argc - 2, argv + 2, nonl);

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
	t.fd = sock_connect(ai, &so, 0, where, sizeof(where));
	t.where = where;
	if (t.fd < 0)
		xdie(exit_for_errno(errno), "connect %s: %s", where, log_strerror(errno));
	{
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);

		/* 65535 less the IP and UDP headers; a v4-mapped peer is IPv4. */
		t.max = 65507;
		if (getpeername(t.fd, (struct sockaddr *)&peer, &pl) == 0 &&
		    peer.ss_family == AF_INET6 &&
		    !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&peer)->sin6_addr))
			t.max = 65527;
	}
	addr_free(ai);
	ai = NULL;
	return dgram_send(&t);
}
