/* sockit.h - the one header of lib/: what the applets share.
 * Functions that start with x exit on failure; the rest return -1 with errno set. */
#ifndef SOCKIT_H
#define SOCKIT_H

#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#define SOCKIT_VERSION "0.1.0"

/* Exit status, as SPEC.md documents it. */
enum {
	EXIT_OK = 0,
	EXIT_NET = 1,      /* network or I/O failure */
	EXIT_USAGE = 2,    /* bad command line; nothing was sent */
	EXIT_RESOLVE = 3,  /* name resolution failed */
	EXIT_TIMEOUT = 4,  /* nothing came in time */
	EXIT_REFUSED = 5   /* nothing listens there */
};

/* The applet table: applets/applets.def, one APPLET(id, name, summary) line each. */
#define APPLET(id, name, summary) int id##_main(int argc, char **argv);
#include "../applets/applets.def"
#undef APPLET

#ifdef __GNUC__
#define NORETURN __attribute__((noreturn))
#else
#define NORETURN
#endif

/* log.c - diagnostics "sockit APPLET: ..." on stderr. */
enum { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };
extern const char *log_applet;  /* NULL before an applet is chosen */
extern int log_level;
void log_msg(const char *fmt, ...);            /* always: fatal errors */
void log_warn(const char *fmt, ...);           /* unless -q */
void log_verbose(const char *fmt, ...);        /* only with -v */
void log_verbose_peer(const char *what, const struct sockaddr *sa, const char *fmt, ...);
NORETURN void xexit(int status);                        /* exit, or the fuzzer's jump */
NORETURN void xdie(int status, const char *fmt, ...);   /* one line, then exit(status) */
NORETURN void xusage(const char *fmt, ...);             /* one line with a help hint, exit 2 */
const char *log_strerror(int err);             /* strerror, first letter lowercase */
const char *log_lower(const char *msg);        /* the same for any libc message */
void log_transfer(const char *peer, uint64_t in, uint64_t out, int64_t ms); /* -v */
void log_init_process(void);                   /* fds 0-2 open, SIGPIPE ignored */

/* fmt.c - snprintf's subset: %s %c %d %u %x %%, l/ll, '-', '0', width, %.*s. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);

/* opt.c - the option parser and checked number parsing. */
struct opt_def {
	char shrt;         /* 0: long form only */
	const char *lng;
	int has_arg;
	int id;
};
/* Options every applet takes: put OPT_COMMON at the end of its table; opt_next
 * handles them (log_level, st->family) and never returns their ids. */
enum { OPT_IPV4 = -10, OPT_IPV6, OPT_VERBOSE, OPT_QUIET };
#define OPT_COMMON \
	{ '4', "ipv4", 0, OPT_IPV4 }, { '6', "ipv6", 0, OPT_IPV6 }, \
	{ 'v', "verbose", 0, OPT_VERBOSE }, { 'q', "quiet", 0, OPT_QUIET }, \
	{ 0, NULL, 0, 0 }
struct opt_state {
	int argc;
	char **argv;
	int ind;           /* after opt_next returns 0: the first operand */
	const char *arg;   /* the argument of the option just returned */
	const char *name;  /* the option just returned, as given ("-w", "--timeout") */
	const char *usage; /* printed for --help */
	int family;        /* AF_UNSPEC, or AF_INET / AF_INET6 for -4 / -6 */
	const char *rest;  /* internal: rest of a bundle of short options */
	char namebuf[3];
};
void opt_init(struct opt_state *st, int argc, char **argv, const char *usage);
int opt_next(struct opt_state *st, const struct opt_def *defs);
#define OPT_SECS_MAX 100000000 /* seconds: about three years */
int64_t xparse_secs(const char *what, const char *s);  /* milliseconds; 0 = off */
int xparse_int(const char *what, const char *s, int min, int max);
int opt_parse_secs(const char *s, int64_t *ms);
int opt_parse_int(const char *s, int min, int max, int *n);
/* hex text -> bytes; out must hold strlen(s)/2 bytes. Returns the byte count or -1. */
long opt_parse_hex(const char *s, size_t len, unsigned char *out);
int opt_hexval(int c);    /* a hex digit's value, or -1 */
long opt_parse_ports(const char *s, unsigned char *set); /* a port list */

/* addr.c - ports, hosts, resolution, formatting. */
#define ADDR_STRLEN 64     /* "[ffff:...:ffff%scope]:65535" */
int addr_parse_port(const char *s, const char *proto, int allow_zero);
const char *addr_strip_host(const char *s, char *buf, size_t size);
int addr_resolve(const char *host, int port, int family, int socktype, int passive,
                 struct addrinfo **res);
struct addrinfo *xresolve(const char *host, int port, int family, int socktype, int passive);
void addr_free(struct addrinfo *ai);   /* what addr_resolve and xresolve return */
void addr_ntop(int family, const void *a, char *buf, size_t size); /* inet_ntop's text */
int addr_pton(int family, const char *s, void *a);  /* inet_pton: 1, or 0 */
void addr_ip(const struct sockaddr *sa, char *buf, size_t size);
int addr_port(const struct sockaddr *sa);
void addr_format(const struct sockaddr *sa, char *buf, size_t size);
int xparse_port(const char *s, const char *proto, int allow_zero);
const char *xparse_host(const char *s, char *buf, size_t size);

/* sock.c - listening and connecting sockets. */
/* The listen backlog: the kernel caps it at net.core.somaxconn (4096 on
 * Linux today), but musl's SOMAXCONN is 128, which a burst of Unix clients
 * fills (they then fail with EAGAIN instead of waiting). */
#define SOCK_BACKLOG 4096
int sock_set_nonblock(int fd, int on);
int sock_set_cloexec(int fd);
int sock_open(int family, int type);      /* close-on-exec */
int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len); /* nonblocking, cloexec */
int xlisten(const char *host, int port, int family, int type, int reuse,
            char *where, size_t size);
void xwrite_port_file(const char *path, int fd);
/* Connect to the first address of ai that accepts, within timeout_ms (0: no limit).
 * On failure returns -1 with errno and where naming the last address tried. */
struct sock_opts {
	const char *source;     /* local address, or NULL */
	int broadcast;          /* SO_BROADCAST */
	int ttl;                /* hop limit, or -1 */
	unsigned ifindex;       /* multicast: the interface to send by, or 0 */
	int sport;              /* -p: the local port, or 0 */
};
int sock_connect(struct addrinfo *ai, const struct sock_opts *o, int64_t timeout_ms,
                 char *where, size_t size);
int exit_for_errno(int err);
void sock_raise_nofile(void);   /* soft RLIMIT_NOFILE up to the hard limit */
struct dgram {
	struct sockaddr_storage from;
	socklen_t fromlen;
	int truncated;
	int dst_family;          /* 0: where it was sent to is not known */
	struct in_addr dst4;
	struct in6_addr dst6;
	unsigned ifindex;
};
void sock_want_dst(int fd);
ssize_t sock_recv_dgram(int fd, void *buf, size_t len, struct dgram *d);
ssize_t sock_send_reply(int fd, const void *buf, size_t len, const struct dgram *d);
int sock_join_group(int fd, const struct sockaddr *g, socklen_t glen, unsigned ifindex);
int sock_set_ttl(int fd, int family, int ttl);
int sock_set_mcast_if(int fd, int family, unsigned ifindex);
int sock_is_multicast(const struct sockaddr *sa);

/* io.c - full reads and writes, the stdin/stdout <-> socket relay. */
int io_write_all(int fd, const void *buf, size_t len);
ssize_t io_read(int fd, void *buf, size_t len);
size_t io_crlf(char *dst, const char *src, size_t n, int *prev_cr);
int io_can_splice(int fd);
ssize_t io_splice(int in, int out, size_t len, int nonblock);
int io_splice_pipe(int p[2]);   /* a pipe to splice through, or -1 */
struct hexdump {
	int fd;
	uint64_t off;
	unsigned char line[16], prev[16];
	size_t fill;
	int have_prev, starred;
};
void hexdump_init(struct hexdump *hd, int fd);
int hexdump_feed(struct hexdump *hd, const void *buf, size_t len);
int hexdump_end(struct hexdump *hd);
/* MSG... of a client: joined by spaces, then as the flags say. Exits 2 on bad hex. */
enum { XMSG_HEX = 1, XMSG_NONL = 2, XMSG_CRLF = 4 };
char *xmessage(int argc, char **argv, unsigned flags, size_t *len);
char *xslurp(int fd, size_t *len);      /* all of fd; exits 1 on a read error */
/* One received datagram on stdout: the newline rule, --raw, --from, -X. */
struct dgram_out {
	int fd, raw, from, hex;
};
int io_write_dgram(const struct dgram_out *o, const void *buf, size_t n,
                   const struct sockaddr *from);
#define DGRAM_MAX (4 * 65536)   /* the largest datagram received whole */
#define DGRAM_NAMELEN 112       /* a sender's name: ADDR:PORT, or a Unix path */
struct relay {
	int net, in, out;       /* in: -1 when there is nothing to read */
	int stop;               /* readable: end the relay (a signal pipe), or -1 */
	const char *msg;        /* sent first (MSG mode) */
	size_t msglen;
	int crlf, hex, no_shutdown;
	int64_t idle_ms;        /* 0: no idle limit */
	const char *peer;       /* "ADDR:PORT", for messages */
	uint64_t sent, rcvd;    /* out: byte counts */
};
int io_relay(struct relay *r);  /* returns an exit status, having said why */

/* acl.c - --allow / --deny: the longest matching prefix decides. */
struct acl_rule {
	int family, bits, allow;
	unsigned char addr[16];  /* 4 bytes for IPv4 */
};
struct acl {
	struct acl_rule *rules;
	int n, cap, nallow;
};
int acl_parse(const char *s, struct acl_rule *r);
void xacl_add(struct acl *acl, const char *s, int allow);   /* exits 2 on bad text */
int acl_key(const struct sockaddr *sa, unsigned char key[16]); /* family, v4-mapped as v4 */
int acl_permits(const struct acl *acl, const struct sockaddr *sa);

/* socks.c - tcp-send --proxy: the URL, and SOCKS5/5h/4/4a and HTTP CONNECT. */
enum { PX_SOCKS5, PX_SOCKS5H, PX_SOCKS4, PX_SOCKS4A, PX_HTTP };
struct proxy {
	int kind, port, auth;
	char host[256], user[256], pass[256];
};
int proxy_parse_url(const char *url, struct proxy *p);  /* 0; -1 bad, -2 scheme */
void xproxy_url(struct proxy *p, const char *url);      /* exits 2 */
/* Ask the proxy on connected fd for HOST PORT (ta: the target's address, for
 * socks5:// and socks4://; NULL: the proxy resolves HOST). 0, or -1 with
 * errno and, when the proxy said why, why set. */
int proxy_handshake(int fd, const struct proxy *p, const char *host, int port,
                    const struct sockaddr *ta, int64_t deadline, char *why, size_t size);
long socks5_reply_len(const unsigned char *b, size_t n); /* the reply's length */
const char *socks5_reason(int rep, int *err);
int http_status(const char *line, size_t n, const char **reason); /* code, or -1 */

/* proxyproto.c - PROXY protocol v1 and v2 headers: built, and read. */
#define PP_V1MAX 107    /* the longest v1 line, CRLF included */
#define PP_MAX 232      /* what is kept of a header: v2's fixed part and addresses */
struct pp_addr {
	int family;                     /* 0: keep the socket's own addresses */
	struct sockaddr_storage src, dst;
};
struct pp_reader {                      /* zeroed to start */
	unsigned char b[PP_MAX];
	size_t got;                     /* header bytes taken so far */
	long len;                       /* the header's length; 0: not known yet */
	size_t tlv_start, tlv_skip;     /* v2: where TLVs begin; what a TLV has left */
	unsigned tlv_hdr, tlv_len;
	const char *why;                /* after -1: what was wrong */
	struct pp_addr a;               /* after 1: what it said */
};
size_t pp_build(int version, const struct sockaddr *src, const struct sockaddr *dst,
                unsigned char *out);    /* out holds PP_MAX; returns the length */
long pp_length(const unsigned char *b, size_t n); /* -1: not a header; 0: need more */
/* Bytes of a header, in order: 1 complete, 0 more needed, -1 bad (r->why).
 * *used: how many were the header's. */
int pp_feed(struct pp_reader *r, const unsigned char *p, size_t n, size_t *used);
int pp_read(int fd, struct pp_reader *r);   /* non-blocking fd; as pp_feed */

/* priv.c - --user USER[:GROUP]: looked up at start, taken after binding. */
struct priv {
	const char *name;       /* NULL: keep who we are */
	uid_t uid;
	gid_t gid;
};
void xpriv_lookup(struct priv *p, const char *opt, const char *spec); /* exits 2: unknown */
long priv_id(const char *name, int group);  /* uid or gid of a name or number; -1: none */
void xpriv_drop(const struct priv *p);                     /* exits 1 when it cannot */

/* forward.c - --to TARGET: each client relayed to a connection of its own. */
struct fwd_target {
	const char *text;           /* as given */
	const char *path;           /* a Unix target (PATH, @NAME), or NULL */
	struct addrinfo *ai;        /* a TCP target's addresses, tried in order */
	int proxy;                  /* --send-proxy: 0, 1 or 2 */
	int64_t timeout;            /* --connect-timeout, ms (0: none) */
};
void xfwd_target(struct fwd_target *t, const char *s);  /* exits 2 or 3 */
enum { FWD_CLIENT = 0, FWD_TARGET = 1 };
/* What an event did: nothing final, bytes moved, the connect completed,
 * the relay ended cleanly (both ways), or it must be reset (fwd_why). */
enum { FWD_MORE, FWD_MOVED, FWD_CONNECTED, FWD_END, FWD_ABORT };
struct fwd;
struct loop;
/* Connect onward for client cfd (non-blocking, as accepted); hdr (a PROXY
 * header) is sent first. The
 * loop reports cfd with cdata and the target's fd with tdata. *fp is set,
 * NULL only when there was no memory for it. */
int fwd_open(struct fwd **fp, const struct fwd_target *t, struct loop *lp, int cfd,
             void *cdata, void *tdata, const unsigned char *hdr, size_t hlen);
int fwd_event(struct fwd *f, int side, unsigned events);
void fwd_counts(const struct fwd *f, uint64_t *in, uint64_t *out);
const char *fwd_why(const struct fwd *f, char *buf, size_t size);
int fwd_err(const struct fwd *f);           /* the errno of the failure, or 0 */
void fwd_close(struct fwd *f, int reset);   /* both sockets; reset: as RSTs */

/* serve.c - the stream server of every serving applet (tcp-serve, unix-serve). */
enum { SERVE_ECHO, SERVE_PRINT, SERVE_DISCARD, SERVE_STDIO, SERVE_EXEC, SERVE_FORWARD };
struct idlist {
	long *v;
	int n, cap;
};
struct serve {
	int mode, max, count, per, hexdump, crlf;
	int64_t idle, accept_timeout;
	char **prog;                /* PROGRAM's argv */
	const char *where;          /* the listening address, for messages */
	int local;                  /* a Unix socket: clients are credentials */
	const char *localvar;       /* "UNIXLOCALPATH=PATH" for PROGRAM */
	struct acl acl;             /* --allow/--deny */
	struct idlist users, groups; /* --allow-user/--allow-group */
	struct priv priv;           /* --user */
	struct fwd_target to;       /* --to, --send-proxy, --connect-timeout */
	int accept_proxy;           /* --accept-proxy */
	int nmodes, ct_set;         /* internal: the mode options seen; --connect-timeout */
	const char *modeopt;
};
/* The options every server takes; serve_option handles their ids. */
enum { SV_ECHO = 100, SV_PRINT, SV_DISCARD, SV_STDIO, SV_SH, SV_MAX, SV_COUNT, SV_ONCE,
	SV_TIMEOUT, SV_ACCEPT_TIMEOUT, SV_HEXDUMP, SV_CRLF, SV_USER, SV_TO, SV_CONNECT_TIMEOUT,
	SV_SEND_PROXY, SV_ACCEPT_PROXY, SV_NOTIFY_FD };
#define SERVE_OPTS \
	{ 0, "echo", 0, SV_ECHO }, { 'o', "print", 0, SV_PRINT }, \
	{ 0, "discard", 0, SV_DISCARD }, { 'i', "stdio", 0, SV_STDIO }, \
	{ 0, "sh", 1, SV_SH }, { 'c', "max-clients", 1, SV_MAX }, \
	{ 'n', "count", 1, SV_COUNT }, { 0, "once", 0, SV_ONCE }, \
	{ 'w', "timeout", 1, SV_TIMEOUT }, { 0, "accept-timeout", 1, SV_ACCEPT_TIMEOUT }, \
	{ 'X', "hexdump", 0, SV_HEXDUMP }, { 0, "crlf", 0, SV_CRLF }, \
	{ 0, "user", 1, SV_USER }, { 0, "to", 1, SV_TO }, \
	{ 0, "connect-timeout", 1, SV_CONNECT_TIMEOUT }, { 0, "send-proxy", 1, SV_SEND_PROXY }, \
	{ 0, "notify-fd", 1, SV_NOTIFY_FD }
/* tcp-serve's own options; unix-serve names them to refuse them. */
#define SERVE_TCP_OPTS(bind, portfile, perip, allow, deny, aproxy) \
	{ 'b', "bind", 1, bind }, { 0, "port-file", 1, portfile }, \
	{ 0, "per-ip", 1, perip }, { 0, "allow", 1, allow }, { 0, "deny", 1, deny }, \
	{ 0, "accept-proxy", 0, aproxy }
/* The usage lines they share: the modes, then the limits. */
#define SERVE_USAGE_MODES \
"      --echo             send every byte back to its client (the default)\n" \
"  -o, --print            write received bytes to stdout\n" \
"      --discard          read and drop received bytes\n" \
"  -i, --stdio            relay one client to stdin/stdout, then exit (nc -l)\n" \
"  PROGRAM [ARG...]       run PROGRAM per connection, stdin/stdout on the socket\n" \
"      --sh CMD           run /bin/sh -c CMD per connection\n" \
"      --to TARGET        relay each client to a connection of its own to\n" \
"                         TARGET: HOST:PORT, [IPV6]:PORT, a path with a '/'\n" \
"                         or @NAME (a Unix socket)\n"
#define SERVE_USAGE_TO \
"      --connect-timeout SECS\n" \
"                         with --to: give up connecting after SECS (10)\n" \
"      --send-proxy v1|v2 with --to: begin each connection to TARGET with a\n" \
"                         PROXY protocol header naming the client\n"
#define SERVE_USAGE_LIMITS \
"  -c, --max-clients N    at most N connections at once; others wait\n" \
"                         (default 40 with PROGRAM, 16384 otherwise)\n" \
"      --user USER[:GROUP] after binding, run as USER (and GROUP)\n" \
"      --notify-fd N      once listening, write a newline to fd N (s6)\n" \
"  -n, --count N          exit 0 once N connections were accepted and ended\n" \
"      --once             same as -n 1\n" \
"  -w, --timeout SECS     close a connection idle for SECS (built-in modes)\n" \
"      --accept-timeout SECS\n" \
"                         stop when SECS pass with no client: exit 0 if one\n" \
"                         was served, 4 if none came\n"
#define SERVE_USAGE_STDIO \
"  -X, --hexdump          with -i: show received data as 'hexdump -C' does\n" \
"      --crlf             with -i: send stdin's LF line ends as CRLF\n"
int serve_option(struct serve *c, int id, const struct opt_state *st); /* 1: it was one */
void serve_check(struct serve *c, int argc, char **argv); /* PROGRAM..., conflicts */
void serve_init(struct serve *c);        /* before listening: fds, loop, signals */
int serve_run(struct serve *c, int lfd); /* returns only with -i: its exit status */

/* super.c - started by a supervisor: an inherited socket, readiness. */
int xinherit(int type, int local, char *where, size_t size); /* PORT/PATH "-" */
void xnotify_fd(const char *s);             /* --notify-fd N */
void super_ready(const char *where);        /* listening: tell the supervisor */
void super_stopping(void);                  /* a signal stops us: say so */

/* dgram.c - the datagram receiver and sender (udp-*, unix-* -u). */
struct dgram_rx {
	int fd, sigfd;              /* bound, non-blocking; the signal pipe */
	int echo;                   /* --echo: send back, print nothing */
	long count;                 /* -n, or 0 */
	int64_t idle;               /* -w, or 0 */
	struct dgram_out out;
	const struct acl *acl;      /* --allow/--deny, or NULL */
};
int xdgram_signals(void);                   /* SIGINT, SIGTERM: a pipe to poll */
int dgram_listen(const struct dgram_rx *c); /* the exit status */
struct dgram_tx {
	int fd;                     /* connected */
	size_t max;                 /* the largest payload of one datagram */
	unsigned flags;             /* XMSG_HEX, XMSG_CRLF */
	int64_t idle;               /* -w: wait for replies, or 0 */
	struct dgram_out out;       /* replies; out.raw is --raw */
	const char *where;          /* the peer, for messages */
	char *msg;                  /* MSG or --raw stdin, or NULL: stdin's lines */
	size_t msglen;
	long sent, rcvd;
};
void xdgram_message(struct dgram_tx *t, int argc, char **argv, int nonl);
int dgram_send(struct dgram_tx *t);         /* the exit status */

/* unix.c - Unix-domain socket addresses: PATH, @NAME, long paths. */
void unix_format(const struct sockaddr *sa, char *buf, size_t size);
void xunix_check(const char *path);         /* exits 2: empty, or too long */
const char *xunix_operand(const struct opt_state *st, int argc, char **argv); /* PATH */
int unix_call(int fd, const char *path, int do_bind);   /* bind or connect */
int unix_connect(const char *path, int type, const char *source, int64_t timeout_ms);
int xunix_listen(const char *path, int type, int mode, const struct priv *owner);
int xunix_mode(const char *s);              /* --mode OCTAL */

/* client.c - the stream client of tcp-send and unix-send. */
struct client_cfg {
	int64_t timeout, wait;      /* -w, --wait */
	int check, noshut, nonl, crlf, hex, hexdump;
	const char *source;         /* -s */
	/* One attempt within timeout_ms (0: none): the fd, or -1 with errno;
	 * where names the address tried. done, if set, follows the last. */
	int (*connect)(void *arg, int64_t timeout_ms, char *where, size_t size);
	void (*done)(void *arg);
	void *arg;
	const char *why;            /* set by connect: the whole reason it failed */
	const unsigned char *ports; /* -z with a port list: the set, or NULL */
	int (*set_port)(void *arg, int port); /* aim connect at another port */
};
enum { CL_TIMEOUT = 200, CL_CHECK, CL_WAIT, CL_NOSHUT, CL_SOURCE, CL_NONL, CL_CRLF,
	CL_HEX, CL_HEXDUMP };
#define CLIENT_OPTS \
	{ 'w', "timeout", 1, CL_TIMEOUT }, { 'z', "check", 0, CL_CHECK }, \
	{ 0, "wait", 1, CL_WAIT }, { 'H', "no-shutdown", 0, CL_NOSHUT }, \
	{ 's', "source", 1, CL_SOURCE }, { 'n', "no-newline", 0, CL_NONL }, \
	{ 0, "crlf", 0, CL_CRLF }, { 'x', "hex", 0, CL_HEX }, { 'X', "hexdump", 0, CL_HEXDUMP }
#define CLIENT_USAGE \
"  -w, --timeout SECS   give up connecting after SECS (exit 4); then end the\n" \
"                       exchange once nothing moved for SECS (exit 0 if data\n" \
"                       came, 4 if none)\n" \
"  -z, --check          connect and close: exit 0 open, 5 refused, 4 timeout\n" \
"      --wait SECS      retry connecting until it works or SECS pass\n" \
"  -H, --no-shutdown    do not half-close after sending\n"
#define CLIENT_USAGE_DATA \
"  -n, --no-newline     do not add a newline to MSG\n" \
"      --crlf           end lines with CRLF (MSG and stdin)\n" \
"  -x, --hex            MSG (or stdin) is hex text: \"de ad be ef\"\n" \
"  -X, --hexdump        show received data as 'hexdump -C' does\n"
int client_option(struct client_cfg *c, int id, const struct opt_state *st);
int client_run(struct client_cfg *c, int argc, char **argv); /* MSG...; exit status */

/* lib/tiny/ - the static build's own malloc, resolver and user lookup. */
int tiny_user(const char *name, uid_t *uid, gid_t *gid);    /* 0, or -1: not found */
int tiny_group(const char *name, gid_t *gid);
int tiny_getaddrinfo(const char *host, int port, int family, int socktype,
                     struct addrinfo **res);   /* 0, or an EAI_ code */
int tiny_service(const char *name, const char *proto);     /* the port, or -1 */

/* loop.c - the event loop: epoll on Linux, poll elsewhere; one API. */
enum { LOOP_IN = 1, LOOP_OUT = 2, LOOP_NEW = 4 }; /* NEW: fd not watched yet */
struct loop;
struct loop_event {
	void *data;
	unsigned events;        /* LOOP_IN / LOOP_OUT; errors and hangups report both */
};
struct loop *loop_new(void);
int loop_set(struct loop *lp, int fd, unsigned events, void *data); /* 0 events: forget */
int loop_close(struct loop *lp, int fd);  /* forget fd and close it */
int loop_wait(struct loop *lp, struct loop_event *ev, int max, int64_t timeout_ms);
int64_t loop_now(void);          /* monotonic milliseconds */
int loop_signals(const int *sigs, int n);  /* self-pipe: read end, one byte per signal */

#endif
