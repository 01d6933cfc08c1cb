/* unix-send - Unix-domain socket client: tcp-send over a local socket
 * (lib/client.c); with -u, a datagram sender as udp-send is (lib/dgram.c). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit unix-send [OPTIONS] PATH [MSG...]\n"
"       sockit unix-send -u [OPTIONS] PATH [MSG...]\n"
"\n"
"Connect to the Unix socket PATH (@NAME: Linux's abstract namespace). With\n"
"MSG (even an empty one): send the MSG arguments joined by spaces plus a\n"
"newline, half-close, and copy the reply to stdout until the server closes.\n"
"Without MSG: relay stdin to the server and its data to stdout, by the relay\n"
"rule of tcp-send. Nothing at PATH, or nothing listening there: exit 5.\n"
"\n"
CLIENT_USAGE
"  -s, --source PATH    bind to PATH first (removed at exit)\n"
CLIENT_USAGE_DATA
"  -u, --dgram          datagrams: MSG, or each stdin line, is one datagram\n"
"                       (as udp-send); -w prints the replies\n"
"      --raw            with -u: all of stdin is one datagram; replies as\n"
"                       received\n"
"  -v, --verbose        report the connection and byte counts on stderr\n"
"  -q, --quiet          no diagnostics but fatal errors\n"
"  -h, --help           this text\n";

enum { O_DGRAM = 1, O_RAW };

static const struct opt_def opts[] = {
	CLIENT_OPTS,
	{ 'u', "dgram", 0, O_DGRAM },
	{ 0, "raw", 0, O_RAW },
	OPT_COMMON
};

static const char *target;

static int stream_connect(void *arg, int64_t timeout, char *where, size_t size)
{
	const struct client_cfg *c = arg;

	fmt_snprintf(where, size, "%s", target);
	return unix_connect(target, SOCK_STREAM, c->source, timeout);
}

int unix_send_main(int argc, char **argv)
{
	static struct dgram_tx t; /* static: still reachable when an error exits */
	struct client_cfg c;
	struct opt_state st;
	char streamonly[32] = "";
	int id, dgram = 0, raw = 0;

	memset(&c, 0, sizeof(c));
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		if (id == O_DGRAM)
			dgram = 1;
		else if (id == O_RAW)
			raw = 1;
		else
			client_option(&c, id, &st);
		if (id == CL_CHECK || id == CL_NOSHUT || id == CL_WAIT)
			fmt_snprintf(streamonly, sizeof(streamonly), "%s", st.name);
	}
	target = xunix_operand(&st, argc, argv);
	argc -= st.ind;
	argv += st.ind;
	if (c.source)
		xunix_check(c.source);
	if (!dgram) {
		if (raw)
			xusage("--raw goes with -u");
		c.connect = stream_connect;
		c.arg = &c;
		return client_run(&c, argc - 1, argv + 1);
	}
	if (*streamonly)
		xusage("%s is for stream sockets: not with -u", streamonly);
	t.idle = c.timeout;
	t.out.fd = 1;
	t.out.raw = raw;
	t.out.hex = c.hexdump;
	t.flags = (c.hex ? XMSG_HEX : 0) | (c.crlf ? XMSG_CRLF : 0);
	t.max = (size_t)-1; /* the socket says what is too large: EMSGSIZE, exit 2 */
	t.where = target;
	xdgram_message(&t, argc - 1, argv + 1, c.nonl);
	/* Replies need a name to come back to: -s PATH, or an abstract one. */
	t.fd = unix_connect(target, SOCK_DGRAM, c.source ? c.source : "", 0);
	if (t.fd < 0)
		xdie(exit_for_errno(errno), "connect %s: %s", target, log_strerror(errno));
	return dgram_send(&t);
}
