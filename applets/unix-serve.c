/* unix-serve - Unix-domain socket server: tcp-serve's modes over a local
 * socket (lib/serve.c), clients named by their credentials; with -u, a
 * datagram receiver as udp-listen is (lib/dgram.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit unix-serve [OPTIONS] PATH [PROGRAM [ARG...]]\n"
"       sockit unix-serve [OPTIONS] --to TARGET PATH\n"
"       sockit unix-serve -u [OPTIONS] PATH\n"
"\n"
"Serve clients on the Unix socket PATH (@NAME: abstract; -: the socket a\n"
"supervisor handed over) until killed; it appears once it listens, and is\n"
"removed at exit. Mode, one of:\n"
SERVE_USAGE_MODES
"\n"
"      --mode OCTAL       permission bits of the socket file (660, 0600)\n"
"      --owner USER[:GROUP] owner (and group) of the socket file\n"
SERVE_USAGE_TO
SERVE_USAGE_LIMITS
"      --allow-user USER  serve only USER's clients (and --allow-group's)\n"
"      --allow-group GROUP serve only GROUP's clients (and --allow-user's)\n"
"      --per-user N       at most N connections at once from one uid\n"
SERVE_USAGE_STDIO
"  -u, --dgram            a datagram socket: print each datagram (as\n"
"                         udp-listen does), or --echo it; -n, -w, -X count\n"
"                         and show datagrams\n"
"      --raw              with -u: payloads exactly as received\n"
"      --from             with -u: each datagram after its sender's path\n"
"  -v, --verbose          log the socket, clients (uid, gid, pid) and bytes\n"
"  -q, --quiet            no diagnostics but fatal errors\n"
"  -h, --help             this text\n"
"\n"
"PROGRAM gets PROTO=UNIX, UNIXLOCALPATH, UNIXREMOTEEUID, UNIXREMOTEEGID,\n"
"UNIXREMOTEPID.\n";

enum { O_DGRAM = 1, O_MODE, O_OWNER, O_ALLOWUSER, O_ALLOWGROUP, O_PERUSER, O_RAW, O_FROM,
	O_TCPONLY };

static const struct opt_def opts[] = {
	SERVE_OPTS,
	{ 'u', "dgram", 0, O_DGRAM },
	{ 0, "mode", 1, O_MODE },
	{ 0, "owner", 1, O_OWNER },
	{ 0, "allow-user", 1, O_ALLOWUSER },
	{ 0, "allow-group", 1, O_ALLOWGROUP },
	{ 0, "per-user", 1, O_PERUSER },
	{ 0, "raw", 0, O_RAW },
	{ 0, "from", 0, O_FROM },
	SERVE_TCP_OPTS(O_TCPONLY, O_TCPONLY, O_TCPONLY, O_TCPONLY, O_TCPONLY, O_TCPONLY),
	OPT_COMMON
};

static void add_id(struct idlist *l, const char *opt, const char *name, int group)
{
	long id = priv_id(name, group);

	if (id < 0)
		xusage("%s %s: no such %s", opt, name, group ? "group" : "user");
	if (l->n == l->cap) {
		long *v = realloc(l->v, (size_t)(l->cap = l->cap ? 2 * l->cap : 4) * sizeof(*v));

		if (!v)
			xdie(EXIT_NET, "out of memory");
		l->v = v;
	}
	l->v[l->n++] = id;
}

int unix_serve_main(int argc, char **argv)
{
	static struct serve c; /* static: still reachable when an error exits */
	static char localvar[4200];
	struct priv owner = { NULL, 0, 0 };
	struct opt_state st;
	struct dgram_rx rx;
	char streamonly[32] = "", dgramonly[32] = "";
	const char *path;
	static char where[DGRAM_NAMELEN];
	int id, dgram = 0, mode = -1, fd, handed;

	memset(&rx, 0, sizeof(rx));
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_DGRAM: dgram = 1; break;
		case O_MODE: mode = xunix_mode(st.arg); break;
		case O_OWNER: xpriv_lookup(&owner, "--owner", st.arg); break;
		case O_ALLOWUSER: add_id(&c.users, "--allow-user", st.arg, 0); break;
		case O_ALLOWGROUP: add_id(&c.groups, "--allow-group", st.arg, 1); break;
		case O_PERUSER: c.per = xparse_int("per-user", st.arg, 1, INT_MAX); break;
		case O_RAW: rx.out.raw = 1; break;
		case O_FROM: rx.out.from = 1; break;
		case O_TCPONLY: xusage("%s is for TCP: a Unix socket has no address or port",
		    st.name);
		default: serve_option(&c, id, &st);
		}
		/* What makes sense for one kind of socket only, for the checks below. */
		if (id == SV_STDIO || id == SV_SH || id == SV_MAX || id == SV_ONCE ||
		    id == SV_ACCEPT_TIMEOUT || id == SV_CRLF || id == SV_PRINT || id == SV_DISCARD ||
		    id == O_PERUSER || id == O_ALLOWUSER || id == O_ALLOWGROUP || id == SV_TO ||
		    id == SV_CONNECT_TIMEOUT || id == SV_SEND_PROXY)
			fmt_snprintf(streamonly, sizeof(streamonly), "%s", st.name);
		if (id == O_RAW || id == O_FROM)
			fmt_snprintf(dgramonly, sizeof(dgramonly), "%s", st.name);
	}
	path = xunix_operand(&st, argc, argv);
	argc -= st.ind;
	argv += st.ind;
	handed = !strcmp(path, "-");
	if (handed && (mode >= 0 || owner.name))
		xusage("--mode and --owner make a socket file: not with PATH -");

	if (dgram) {
		if (*streamonly || argc > 1)
			xusage("%s is for stream sockets: not with -u", *streamonly ? streamonly :
			    "PROGRAM");
		if (rx.out.raw + rx.out.from + c.hexdump && c.nmodes)
			xusage("--echo prints nothing: no --raw, --from or -X with it");
		/* What was handed over, before anything opened could take its fd. */
		fd = handed ? xinherit(SOCK_DGRAM, 1, where, sizeof(where)) : -1;
		rx.sigfd = xdgram_signals();
		if (!handed)
			fd = xunix_listen(path, SOCK_DGRAM, mode, &owner);
		if (handed)
			path = where;
		if (sock_set_nonblock(fd, 1) < 0)
			xdie(EXIT_NET, "%s: %s", path, log_strerror(errno));
		log_verbose("listening on %s", path);
		super_ready(path);
		xpriv_drop(&c.priv);
		rx.fd = fd;
		rx.echo = c.nmodes; /* --echo: the only mode -u takes */
		rx.count = c.count;
		rx.idle = c.idle;
		rx.out.fd = 1;
		rx.out.hex = c.hexdump;
		return dgram_listen(&rx);
	}
	if (*dgramonly)
		xusage("%s goes with -u", dgramonly);
	c.local = 1;
	serve_check(&c, argc - 1, argv + 1);
	fd = handed ? xinherit(SOCK_STREAM, 1, where, sizeof(where)) : -1;
	serve_init(&c);
	if (!handed)
		fd = xunix_listen(path, SOCK_STREAM, mode, &owner);
	if (handed)
		path = where;
	fmt_snprintf(localvar, sizeof(localvar), "UNIXLOCALPATH=%s", path);
	c.localvar = localvar;
	c.where = path;
	log_verbose("listening on %s", path);
	super_ready(path);
	return serve_run(&c, fd);
}
