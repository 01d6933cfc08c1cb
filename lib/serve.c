/* serve.c - the stream server every serving applet shares: accepting, -c and
 * the fd-exhaustion pause, admission (CIDR rules, per-address or per-user
 * caps, allowed users), the idle list, -n/--once/--accept-timeout, the
 * built-in modes, PROGRAM with its UCSPI environment, -i, the signal stop.
 * tcp-serve and unix-serve differ only in the kind of client: an address
 * and port, or a Unix peer's credentials. */
#ifdef __linux__
#define _GNU_SOURCE /* struct ucred, SO_PEERCRED */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockit.h"

/* Without -c: a process per connection is costly, as tcpserver knows (its
 * default is 40); a built-in connection costs about a kilobyte. */
#define DEFAULT_MAX_EXEC 40
#define DEFAULT_MAX 16384
/* --accept-proxy: a header not complete by then is a client to reset. */
#define HEADER_MS 5000

/* --per-ip / --per-user: open connections per client key, in a small hash table. */
struct ipcount {
	struct ipcount *next;
	int family, n;
	unsigned bucket;
	unsigned char key[16];
};
#define IP_BUCKETS 4096

/* Who a client is: its address, or a Unix peer's credentials; with
 * --accept-proxy, the addresses its PROXY header gave. */
struct client {
	struct sockaddr_storage sa;
	socklen_t salen;
	long uid, gid, pid;           /* Unix: -1 when not known */
	struct sockaddr_storage la;   /* the local address, if has_la */
	int has_la;
};

/* A connection the loop watches: a client of a built-in mode, a relayed one
 * (--to: fw holds both sockets), one whose PROXY header is still coming
 * (hdr), or a PROGRAM's, closing (linger). Output that the client would not
 * take at once waits in pend; its socket is not read until pend is gone, so
 * memory per client is bounded by one read. The loop reports its sockets
 * with end[0] (the client) and end[1] (a relay's target). */
struct conn;
struct end {
	struct conn *c;
	int side;
};
struct conn {
	int fd;
	unsigned eof, linger, dead;
	struct conn *prev, *next;     /* in one of the timed lists, oldest first */
	int64_t last, start;
	char *pend;
	size_t plen, poff;
	uint64_t in, out;
	struct ipcount *ip;           /* --per-ip: counted here */
	struct fwd *fw;
	struct hdr {
		struct pp_reader r;
		struct client cl;
	} *hdr;
	struct end end[2];
	char peer[ADDR_STRLEN];
};

enum { L_IDLE, L_LINGER, L_CONNECT, L_HEADER };
static struct {
	struct serve *cf;
	int splice;                   /* --print by splice(2): 1 to stdout, a pipe;
	                               * 2 through opipe, stdout anything else */
	int opipe[2];
	struct loop *lp;
	int lfd, sigfd;
	int listening;                /* the listener is watched */
	int active;                   /* open connections or live children */
	int accepted;
	int64_t idle_since;           /* when active last became 0 */
	int64_t pause_until;          /* out of fds: accept again at this time */
	/* Timed lists, each in the order its deadlines come: connections by
	 * last activity (-w), PROGRAM connections closing, relays connecting
	 * (--connect-timeout), PROXY headers coming (5 s or -w). */
	struct timed {
		struct conn head;
		int64_t ms;           /* 0: no deadline */
		const char *why;
	} lists[4];
	struct conn *dead;            /* closed; freed once the events in hand are */
	struct kid {
		pid_t pid;
		int fd;               /* the server's copy of the connection */
		struct ipcount *ip;
	} *kids;
	struct ipcount **ipt;
	int64_t warned_at;            /* out of fds: when we last said so */
	int nkids, capkids;
	char buf[65536];              /* one read buffer for every client */
} S;

/* The shared options of the serving applets (SERVE_OPTS in sockit.h). */
int serve_option(struct serve *c, int id, const struct opt_state *st)
{
	static char *sh[] = { "sh", "-c", NULL, NULL };

	switch (id) {
	case SV_ECHO: case SV_PRINT: case SV_DISCARD: case SV_STDIO: case SV_SH: case SV_TO:
		if (c->nmodes++)
			xusage("%s and %s are two modes: choose one", c->modeopt, st->name);
		c->modeopt = st->name == st->namebuf ? (id == SV_PRINT ? "-o" : "-i") : st->name;
		c->mode = id == SV_PRINT ? SERVE_PRINT : id == SV_DISCARD ? SERVE_DISCARD :
		    id == SV_STDIO ? SERVE_STDIO : id == SV_SH ? SERVE_EXEC :
		    id == SV_TO ? SERVE_FORWARD : SERVE_ECHO;
		if (id == SV_SH) {
			sh[2] = (char *)st->arg;
			c->prog = sh;
		}
		if (id == SV_TO)
			c->to.text = st->arg;
		break;
	case SV_CONNECT_TIMEOUT:
		c->to.timeout = xparse_secs("connect-timeout", st->arg);
		c->ct_set = 1;
		break;
	case SV_SEND_PROXY:
		if (strcmp(st->arg, "v1") && strcmp(st->arg, "v2"))
			xusage("bad --send-proxy '%s': v1 or v2", st->arg);
		c->to.proxy = st->arg[1] - '0';
		break;
	case SV_ACCEPT_PROXY: c->accept_proxy = 1; break;
	case SV_NOTIFY_FD: xnotify_fd(st->arg); break;
	case SV_MAX: c->max = xparse_int("max-clients", st->arg, 1, INT_MAX); break;
	case SV_COUNT: c->count = xparse_int("count", st->arg, 1, INT_MAX); break;
	case SV_ONCE: c->count = 1; break;
	case SV_TIMEOUT: c->idle = xparse_secs("timeout", st->arg); break;
	case SV_ACCEPT_TIMEOUT: c->accept_timeout = xparse_secs("accept-timeout", st->arg); break;
	case SV_HEXDUMP: c->hexdump = 1; break;
	case SV_CRLF: c->crlf = 1; break;
	case SV_USER: xpriv_lookup(&c->priv, "--user", st->arg); break;
	default: return 0;
	}
	return 1;
}

/* PROGRAM must exist before the first client pays for the mistake. */
static void check_program(const char *prog)
{
	const char *path = getenv("PATH"), *p;
	char file[4096];
	struct stat sb;

	if (strchr(prog, '/')) {
		if (access(prog, X_OK) < 0)
			xusage("%s: %s", prog, log_strerror(errno));
		return;
	}
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; ) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (fmt_snprintf(file, sizeof(file), "%.*s/%s", (int)len, len ? p : ".", prog) <
		    (int)sizeof(file) && stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(file, X_OK) == 0)
			return;
		if (!e)
			break;
		p = e + 1;
	}
	xusage("%s: command not found", prog);
}

/* After the operands: PROGRAM, the conflicts between options, the defaults. */
void serve_check(struct serve *c, int argc, char **argv)
{
	if (argc > 0) {
		if (c->nmodes)
			xusage("%s and PROGRAM are two modes: choose one", c->modeopt);
		c->mode = SERVE_EXEC;
		c->prog = argv;
	}
	if (c->mode == SERVE_EXEC)
		check_program(c->prog[0]);
	if (c->mode == SERVE_STDIO && (c->count || c->max || c->per))
		xusage("-i serves one client: no -n, --once, -c or %s with it",
		    c->local ? "--per-user" : "--per-ip");
	if ((c->hexdump || c->crlf) && c->mode != SERVE_STDIO)
		xusage("%s goes with -i only", c->hexdump ? "-X" : "--crlf");
	if ((c->to.proxy || c->ct_set) && c->mode != SERVE_FORWARD)
		xusage("%s goes with --to", c->to.proxy ? "--send-proxy" : "--connect-timeout");
	if (c->mode == SERVE_FORWARD) {
		if (!c->ct_set)
			c->to.timeout = 10000;
		xfwd_target(&c->to, c->to.text); /* last: a name that does not resolve is 3 */
	}
	if (c->mode == SERVE_EXEC && c->idle)
		log_warn("-w has no effect on PROGRAM connections: the program owns them");
	if (!c->max && c->mode != SERVE_STDIO)
		c->max = c->mode == SERVE_EXEC ? DEFAULT_MAX_EXEC : DEFAULT_MAX;
}

static void lru_unlink(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
}

static void list_append(struct conn *head, struct conn *c)
{
	c->last = loop_now();
	c->prev = head->prev;
	c->next = head;
	head->prev->next = c;
	head->prev = c;
}

static void lru_touch(struct conn *c)
{
	lru_unlink(c);
	list_append(&S.lists[L_IDLE].head, c);
}

/* The credentials of a Unix peer; -1 where the system does not say. */
static void peer_creds(int fd, struct client *cl)
{
	cl->uid = cl->gid = cl->pid = -1;
#ifdef SO_PEERCRED
	{
		struct ucred uc;
		socklen_t l = sizeof(uc);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0) {
			cl->uid = (long)uc.uid;
			cl->gid = (long)uc.gid;
			cl->pid = (long)uc.pid;
		}
	}
#else
	(void)fd;
#endif
}

static void client_name(const struct client *cl, char *buf, size_t size)
{
	if (S.cf->local)
		fmt_snprintf(buf, size, "uid=%ld gid=%ld pid=%ld", cl->uid, cl->gid, cl->pid);
	else
		addr_format((const struct sockaddr *)&cl->sa, buf, size);
}

/* The key a client is counted by for --per-ip / --per-user. */
static int client_key(const struct client *cl, unsigned char key[16])
{
	if (!S.cf->local)
		return acl_key((const struct sockaddr *)&cl->sa, key);
	memset(key, 0, 16);
	memcpy(key, &cl->uid, sizeof(cl->uid));
	return AF_UNIX;
}

static unsigned ip_hash(int family, const unsigned char *key)
{
	unsigned h = (unsigned)family;
	int i;

	for (i = 0; i < 16; i++)
		h = h * 31 + key[i];
	return h % IP_BUCKETS;
}

/* Count a client in; 0 when its key has its N already (or there is no
 * memory to count it). */
static int ip_take(const struct client *cl, struct ipcount **out)
{
	unsigned char key[16];
	int family = client_key(cl, key);
	unsigned h = ip_hash(family, key);
	struct ipcount *e;

	for (e = S.ipt[h]; e; e = e->next)
		if (e->family == family && !memcmp(e->key, key, 16))
			break;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return 0;
		e->family = family;
		e->bucket = h;
		memcpy(e->key, key, 16);
		e->next = S.ipt[h];
		S.ipt[h] = e;
	}
	if (e->n >= S.cf->per)
		return 0;
	e->n++;
	*out = e;
	return 1;
}

static void ip_release(struct ipcount *e)
{
	struct ipcount **pp;

	if (!e || --e->n > 0)
		return;
	for (pp = &S.ipt[e->bucket]; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	free(e);
}

static int id_listed(const struct idlist *l, long id)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return 1;
	return 0;
}

/* A reset for a TCP client: refused, or no good PROXY header. */
static const struct linger rst = { 1, 0 };
static void reset_close(int fd)
{
	if (!S.cf->local)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
}

/* Admission: a client refused is closed at once. A TCP client is reset, so
 * that it cannot mistake the refusal for an empty reply. */
static int admit(int fd, const struct client *cl, struct ipcount **ip)
{
	const struct serve *c = S.cf;
	const char *why = NULL;
	char name[ADDR_STRLEN];

	*ip = NULL;
	if (c->acl.n && !acl_permits(&c->acl, (const struct sockaddr *)&cl->sa))
		why = "not allowed (--allow/--deny)";
	else if ((c->users.n || c->groups.n) && !id_listed(&c->users, cl->uid) &&
	    !id_listed(&c->groups, cl->gid))
		why = "not allowed (--allow-user/--allow-group)";
	else if (c->per && !ip_take(cl, ip))
		why = c->local ? "too many connections from this user (--per-user)" :
		    "too many connections from this address (--per-ip)";
	if (!why)
		return 1;
	if (log_level >= LOG_VERBOSE) {
		client_name(cl, name, sizeof(name));
		log_verbose("refused %s: %s", name, why);
	}
	reset_close(fd);
	return 0;
}

/* Watch the listener only while we may take another client. */
static void update_listener(void)
{
	int want = S.lfd >= 0 && (!S.cf->max || S.active < S.cf->max) && !S.pause_until;

	if (want == S.listening)
		return;
	if (loop_set(S.lp, S.lfd, want ? LOOP_IN : 0, &S.lfd) < 0)
		xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
	S.listening = want;
}

static void ended(struct ipcount *ip)
{
	ip_release(ip);
	S.active--;
	S.pause_until = 0; /* out of fds: one is free now */
	if (!S.active)
		S.idle_since = loop_now();
	if (S.cf->count && S.accepted >= S.cf->count && !S.active)
		exit(EXIT_OK);
	update_listener();
}

/* -v: what a connection moved, when it ends (or the server stops). */
static void conn_log(const struct conn *c)
{
	int64_t ms = loop_now() - c->start;
	uint64_t in, out;

	if (c->linger || c->hdr || log_level < LOG_VERBOSE)
		return;
	if (!c->fw) {
		log_transfer(c->peer, c->in, c->out, ms);
		return;
	}
	fwd_counts(c->fw, &in, &out);
	log_msg("%s -> %s: %llu bytes in, %llu bytes out, %lld.%03lld s", c->peer,
	    S.cf->to.text, (unsigned long long)in, (unsigned long long)out,
	    (long long)(ms / 1000), (long long)(ms % 1000));
}

/* Off the loop and its list. Its memory waits in S.dead until the events
 * in hand are handled: one of them may still name it. */
static void conn_drop(struct conn *c)
{
	lru_unlink(c);
	c->dead = 1;
	c->next = S.dead;
	S.dead = c;
}

static void bury(void)
{
	while (S.dead) {
		struct conn *c = S.dead;

		S.dead = c->next;
		free(c->pend);
		free(c->hdr);
		free(c);
	}
}

/* why: NULL for a clean end; otherwise said with -v, and a relay or a
 * connection still in its PROXY header is reset. */
static void conn_close(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_verbose("%s: %s", c->peer, why);
	conn_log(c);
	if (c->fw) {
		fwd_close(c->fw, why != NULL);
	} else {
		if (why && c->hdr && !S.cf->local)
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		loop_close(S.lp, c->fd);
	}
	conn_drop(c);
	ended(c->ip);
}

/* Send what is pending; 0 when all is sent, 1 when the client is not taking
 * more yet, -1 when the connection is gone (and closed). */
static int conn_flush(struct conn *c)
{
	while (c->poff < c->plen) {
		ssize_t n = write(c->fd, c->pend + c->poff, c->plen - c->poff);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			conn_close(c, log_strerror(errno));
			return -1;
		}
		c->poff += (size_t)n;
		c->out += (uint64_t)n;
	}
	free(c->pend);
	c->pend = NULL;
	c->plen = c->poff = 0;
	return 0;
}

/* --print through a pipe of our own: its len bytes on to stdout. Where
 * stdout takes no splice (an O_APPEND file, some terminals), they are copied,
 * and from then on everything is. */
static void print_pipe(size_t len)
{
	while (len) {
		ssize_t m = io_splice(S.opipe[0], 1, len, 0);

		if (m < 0 && errno == EINVAL) {
			S.splice = 0;
			while (len && (m = io_read(S.opipe[0], S.buf, len < sizeof(S.buf) ?
			    len : sizeof(S.buf))) > 0) {
				if (io_write_all(1, S.buf, (size_t)m) < 0)
					xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
				len -= (size_t)m;
			}
			if (!len)
				return;
		}
		if (m <= 0)
			xdie(EXIT_NET, "write stdout: %s", log_strerror(m < 0 ? errno : EIO));
		len -= (size_t)m;
	}
}

static void conn_readable(struct conn *c)
{
	int spliced = S.splice && !c->linger;
	ssize_t n;

	if (spliced) { /* --print: socket -> pipe in the kernel (stdout's, or ours) */
		n = io_splice(c->fd, S.splice == 2 ? S.opipe[1] : 1, 1 << 20, S.splice == 2);
		if (n > 0 && S.splice == 2)
			print_pipe((size_t)n);
		if (n < 0 && (errno == EPIPE || errno == EBADF))
			xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
	} else {
		n = io_read(c->fd, S.buf, sizeof(S.buf));
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			conn_close(c, log_strerror(errno));
		return;
	}
	if (n == 0) {
		c->eof = 1;
		if (!c->pend)
			conn_close(c, NULL);
		else /* the rest of the echo first, then close */
			loop_set(S.lp, c->fd, LOOP_OUT, &c->end[0]);
		return;
	}
	c->in += (uint64_t)n;
	if (c->linger)
		return;
	if (S.lists[L_IDLE].ms)
		lru_touch(c);
	if (S.cf->mode == SERVE_PRINT) {
		if (!spliced && io_write_all(1, S.buf, (size_t)n) < 0)
			xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
		return;
	}
	if (S.cf->mode != SERVE_ECHO)
		return;
	/* Try to echo at once; queue only what the client would not take. */
	c->pend = S.buf;
	c->plen = (size_t)n;
	c->poff = 0;
	for (;;) {
		ssize_t w = write(c->fd, S.buf + c->poff, c->plen - c->poff);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			c->pend = NULL;
			conn_close(c, log_strerror(errno));
			return;
		}
		if (w > 0) {
			c->poff += (size_t)w;
			c->out += (uint64_t)w;
			if (c->poff < c->plen)
				continue;
		}
		break;
	}
	if (c->poff == c->plen) {
		c->pend = NULL;
		c->plen = c->poff = 0;
		return;
	}
	c->pend = malloc(c->plen - c->poff);
	if (!c->pend) {
		conn_close(c, "out of memory");
		return;
	}
	memcpy(c->pend, S.buf + c->poff, c->plen - c->poff);
	c->plen -= c->poff;
	c->poff = 0;
	/* Stop reading this client until it takes its echo. */
	loop_set(S.lp, c->fd, LOOP_OUT, &c->end[0]);
}

static void start(int fd, const struct client *cl, struct ipcount *ip);
static void spawn(int fd, const struct client *cl, struct ipcount *ip);

/* --accept-proxy: the header's addresses stand for the socket's. */
static void hdr_apply(struct client *cl, const struct pp_addr *a)
{
	if (!a->family)
		return;
	memcpy(&cl->sa, &a->src, sizeof(cl->sa));
	cl->salen = a->family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	memcpy(&cl->la, &a->dst, sizeof(cl->la));
	cl->has_la = 1;
}

static void hdr_event(struct conn *c)
{
	struct hdr *h = c->hdr;
	struct ipcount *ip;
	struct client cl;
	int rc = pp_read(c->fd, &h->r), fd = c->fd;

	if (rc == 0)
		return;
	if (rc < 0) {
		conn_close(c, h->r.why); /* pp_read always says why */
		return;
	}
	cl = h->cl;
	hdr_apply(&cl, &h->r.a);
	loop_set(S.lp, fd, 0, NULL);
	conn_drop(c);
	if (admit(fd, &cl, &ip))
		start(fd, &cl, ip);
	else
		ended(NULL);
}

static void relay_event(struct conn *c, int side, unsigned ev)
{
	char why[ADDR_STRLEN + 96];

	switch (fwd_event(c->fw, side, ev)) {
	case FWD_CONNECTED:
		lru_unlink(c);
		list_append(&S.lists[L_IDLE].head, c);
		break;
	case FWD_MOVED:
		if (S.lists[L_IDLE].ms)
			lru_touch(c);
		break;
	case FWD_END:
		conn_close(c, NULL);
		break;
	case FWD_ABORT:
		conn_close(c, fwd_why(c->fw, why, sizeof(why)));
		break;
	}
}

static void conn_event(struct conn *c, int side, unsigned ev)
{
	if (c->dead)
		return;
	if (c->hdr) {
		hdr_event(c);
		return;
	}
	if (c->fw) {
		relay_event(c, side, ev);
		return;
	}
	if (c->pend) {
		int rc;

		if (!(ev & LOOP_OUT))
			return;
		rc = conn_flush(c);
		if (rc != 0)
			return;
		if (S.lists[L_IDLE].ms)
			lru_touch(c);
		if (c->eof) {
			conn_close(c, NULL);
			return;
		}
		loop_set(S.lp, c->fd, LOOP_IN, &c->end[0]);
		return;
	}
	if (ev & LOOP_IN)
		conn_readable(c);
}

/* A connection's record, in timed list l; NULL (the client dropped) when
 * there is no memory for it. */
static struct conn *conn_alloc(int fd, const struct client *cl, struct ipcount *ip, int l)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		log_warn("out of memory: dropping a client");
		reset_close(fd);
		ended(ip);
		return NULL;
	}
	c->fd = fd;
	c->ip = ip;
	c->end[0].c = c->end[1].c = c;
	c->end[1].side = 1;
	if (cl && log_level >= LOG_VERBOSE) {
		client_name(cl, c->peer, sizeof(c->peer));
		if (l != L_HEADER)
			log_verbose("connection from %s", c->peer);
		c->start = loop_now();
	}
	list_append(&S.lists[l].head, c);
	return c;
}

/* Sent small writes go out at once: echo and relays are conversations. */
static void nodelay(int fd)
{
	int one = 1;

	if (!S.cf->local)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void conn_new(int fd, const struct client *cl, struct ipcount *ip)
{
	struct conn *c = conn_alloc(fd, cl, ip, L_IDLE);

	if (!c)
		return;
	if (S.cf->mode == SERVE_ECHO)
		nodelay(fd);
	if (loop_set(S.lp, fd, LOOP_IN | LOOP_NEW, &c->end[0]) < 0) {
		log_warn("event loop: %s", log_strerror(errno));
		conn_close(c, NULL);
	}
}

/* --accept-proxy: every client's header first, read as it comes. */
static void hdr_new(int fd, const struct client *cl)
{
	struct conn *c = conn_alloc(fd, cl, NULL, L_HEADER);

	if (!c)
		return;
	if (!(c->hdr = calloc(1, sizeof(*c->hdr)))) {
		conn_close(c, "out of memory");
		return;
	}
	c->hdr->cl = *cl;
	if (loop_set(S.lp, fd, LOOP_IN | LOOP_NEW, &c->end[0]) < 0)
		conn_close(c, log_strerror(errno));
}

/* Out of descriptors: a client left in the backlog would make every wait
 * return at once. Stop watching until a connection ends, or for a moment
 * (another process may free what we lack). */
static void pause_accepting(const char *what, int err)
{
	int64_t now = loop_now();

	if (now - S.warned_at >= 1000 || !S.warned_at) {
		log_warn("%s: %s; pausing", what, log_strerror(err));
		S.warned_at = now;
	}
	S.pause_until = now + 100;
	update_listener();
}

/* The client side of a PROXY header sent on: who, and where it came to. */
static size_t proxy_header(int fd, const struct client *cl, unsigned char *out)
{
	struct sockaddr_storage la;
	socklen_t ll = sizeof(la);

	if (cl->has_la)
		la = cl->la;
	else if (getsockname(fd, (struct sockaddr *)&la, &ll) < 0)
		memset(&la, 0, sizeof(la));
	return pp_build(S.cf->to.proxy, (const struct sockaddr *)&cl->sa,
	    (const struct sockaddr *)&la, out);
}

static void relay_new(int fd, const struct client *cl, struct ipcount *ip)
{
	struct conn *c = conn_alloc(fd, cl, ip, L_CONNECT);
	unsigned char hdr[PP_MAX];
	char why[ADDR_STRLEN + 96];
	size_t hlen = 0;
	int rc, err;

	if (!c)
		return;
	if (S.cf->to.proxy)
		hlen = proxy_header(fd, cl, hdr);
	nodelay(fd);
	rc = fwd_open(&c->fw, &S.cf->to, S.lp, fd, &c->end[0], &c->end[1], hdr, hlen);
	if (!c->fw) {
		conn_close(c, "out of memory");
		return;
	}
	if (rc == FWD_ABORT) {
		err = fwd_err(c->fw);
		conn_close(c, fwd_why(c->fw, why, sizeof(why)));
		if (err == EMFILE || err == ENFILE)
			pause_accepting("connect", err);
	} else if (rc == FWD_CONNECTED) {
		lru_unlink(c);
		list_append(&S.lists[L_IDLE].head, c);
	}
}

static void start(int fd, const struct client *cl, struct ipcount *ip)
{
	if (S.cf->mode == SERVE_EXEC)
		spawn(fd, cl, ip);
	else if (S.cf->mode == SERVE_FORWARD)
		relay_new(fd, cl, ip);
	else
		conn_new(fd, cl, ip);
}

/* PROGRAM's environment: the server's, less PROTO and the ucspi variables
 * (TCP..., UNIX...) and what a supervisor gave the server (LISTEN_*,
 * NOTIFY_SOCKET), then those this connection sets. Built here rather than
 * with setenv(), which in a static build costs more than the rest of spawn(). */
extern char **environ;
static int is_ucspi_var(const char *e)
{
	return !strncmp(e, "PROTO=", 6) || !strncmp(e, "TCP", 3) || !strncmp(e, "UNIX", 4) ||
	    !strncmp(e, "LISTEN_PID=", 11) || !strncmp(e, "LISTEN_FDS=", 11) ||
	    !strncmp(e, "LISTEN_FDNAMES=", 15) || !strncmp(e, "NOTIFY_SOCKET=", 14);
}

static char **child_env(int fd, const struct client *cl)
{
	static char buf[4][ADDR_STRLEN + 32];
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	char **env, **e, ip[ADDR_STRLEN];
	int n = 0, i;

	for (e = environ; *e; e++)
		n++;
	if (!(env = malloc((size_t)(n + 7) * sizeof(*env))))
		return NULL;
	for (n = 0, e = environ; *e; e++)
		if (!is_ucspi_var(*e))
			env[n++] = *e;
	if (S.cf->local) {
		static const char *const k[] = { "UNIXREMOTEEUID", "UNIXREMOTEEGID", "UNIXREMOTEPID" };
		long v[3];

		v[0] = cl->uid;
		v[1] = cl->gid;
		v[2] = cl->pid;
		env[n++] = "PROTO=UNIX";
		env[n++] = (char *)S.cf->localvar;
		for (i = 0; i < 3; i++)
			if (v[i] >= 0) {
				fmt_snprintf(buf[i], sizeof(buf[0]), "%s=%ld", k[i], v[i]);
				env[n++] = buf[i];
			}
	} else {
		env[n++] = "PROTO=TCP";
		for (i = 0; i < 4; i += 2) {
			const struct sockaddr *sa = (const struct sockaddr *)&cl->sa;

			if (i) {
				if (cl->has_la)
					local = cl->la;
				else if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0)
					break;
				sa = (struct sockaddr *)&local;
			}
			addr_ip(sa, ip, sizeof(ip));
			fmt_snprintf(buf[i], sizeof(buf[0]), "TCP%sIP=%s", i ? "LOCAL" : "REMOTE", ip);
			fmt_snprintf(buf[i + 1], sizeof(buf[0]), "TCP%sPORT=%d", i ? "LOCAL" : "REMOTE",
			    addr_port(sa));
			env[n++] = buf[i];
			env[n++] = buf[i + 1];
		}
	}
	env[n] = NULL;
	return env;
}

static void spawn(int fd, const struct client *cl, struct ipcount *ip)
{
	char name[ADDR_STRLEN];
	pid_t pid = fork();

	if (pid < 0) {
		log_warn("fork: %s", log_strerror(errno));
		close(fd);
		ended(ip);
		return;
	}
	if (pid == 0) {
		struct sigaction sa;
		char **env;
		sigset_t none;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGCHLD, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0) {
			log_msg("dup2: %s", log_strerror(errno));
			_exit(126);
		}
		if (fd > 1)
			close(fd);
		sock_set_nonblock(0, 0);
		if (!(env = child_env(0, cl))) {
			log_msg("exec %s: %s", S.cf->prog[0], log_strerror(ENOMEM));
			_exit(126);
		}
		environ = env;
		execvp(S.cf->prog[0], S.cf->prog);
		log_msg("exec %s: %s", S.cf->prog[0], log_strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (S.nkids == S.capkids) {
		int cap = S.capkids ? S.capkids * 2 : 16;
		struct kid *k = realloc(S.kids, (size_t)cap * sizeof(*k));

		if (!k)
			xdie(EXIT_NET, "out of memory");
		S.kids = k;
		S.capkids = cap;
	}
	S.kids[S.nkids].pid = pid;
	S.kids[S.nkids].ip = ip;
	S.kids[S.nkids++].fd = fd;
	if (log_level >= LOG_VERBOSE) {
		client_name(cl, name, sizeof(name));
		log_verbose("%s: started pid %ld", name, (long)pid);
	}
}

/* The program has ended; close its connection the way a careful server does.
 * Closing a socket with unread input makes the kernel send a reset, and a
 * client that gets one may lose the reply it has not read yet. So: send FIN,
 * then read and drop what the client still sends until it closes, for up to
 * LINGER_MS. The connection counts as open until then. */
#define LINGER_MS 2000
static void linger(int fd, struct ipcount *ip)
{
	struct conn *c;

	if (shutdown(fd, SHUT_WR) < 0) {
		close(fd);
		ended(ip);
		return;
	}
	if (!(c = conn_alloc(fd, NULL, ip, L_LINGER)))
		return;
	c->linger = 1;
	if (loop_set(S.lp, fd, LOOP_IN, &c->end[0]) < 0)
		conn_close(c, NULL);
}

static void reap(void)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct ipcount *ip;
		int fd;

		for (i = 0; i < S.nkids; i++)
			if (S.kids[i].pid == pid)
				break;
		if (i == S.nkids)
			continue;
		fd = S.kids[i].fd;
		ip = S.kids[i].ip;
		S.kids[i] = S.kids[--S.nkids];
		if (WIFEXITED(status))
			log_verbose("pid %ld exited %d", (long)pid, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_verbose("pid %ld killed by signal %d", (long)pid, WTERMSIG(status));
		linger(fd, ip);
	}
}

NORETURN static void stop(void)
{
	struct conn *c;
	int i;

	for (i = 0; i < S.nkids; i++)
		kill(S.kids[i].pid, SIGTERM);
	log_verbose("stopping");
	super_stopping();
	/* Everything read was written already: say how much, for each client. */
	for (c = S.lists[L_IDLE].head.next; c && c != &S.lists[L_IDLE].head; c = c->next)
		conn_log(c);
	exit(EXIT_OK);
}

static void on_signals(void)
{
	unsigned char sig[64];
	ssize_t n, i;

	while ((n = read(S.sigfd, sig, sizeof(sig))) > 0)
		for (i = 0; i < n; i++) {
			if (sig[i] == SIGCHLD)
				reap();
			else
				stop();
		}
}

/* One client from the backlog, with who it is; -1 with errno when none. */
static int take(struct client *cl)
{
	int fd;

	cl->salen = sizeof(cl->sa);
	cl->has_la = 0;
	fd = sock_accept(S.lfd, &cl->sa, &cl->salen);
	if (fd >= 0 && S.cf->local)
		peer_creds(fd, cl);
	return fd;
}

/* Take every client waiting in the backlog, as far as the limits allow. */
static void on_listener(void)
{
	while (S.listening) {
		struct client cl;
		struct ipcount *ip;
		int fd = take(&cl);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accepting("accept", errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EPROTO && errno != EINTR) {
				log_warn("accept: %s", log_strerror(errno));
			}
			if (errno != ECONNABORTED && errno != EPROTO && errno != EINTR)
				return;
			continue;
		}
		/* With --accept-proxy the header says who the client is. */
		if (!S.cf->accept_proxy && !admit(fd, &cl, &ip))
			continue;
		S.active++;
		S.accepted++;
		if (S.cf->count && S.accepted >= S.cf->count) {
			/* No more clients: let others be refused, not hang in a backlog. */
			loop_set(S.lp, S.lfd, 0, NULL);
			close(S.lfd);
			S.lfd = -1;
			S.listening = 0;
		}
		if (S.cf->accept_proxy)
			hdr_new(fd, &cl);
		else
			start(fd, &cl, ip);
		update_listener();
	}
}

static int64_t next_timeout(int64_t now)
{
	int64_t t = -1;
	int l;

	for (l = 0; l < 4; l++) {
		const struct timed *tl = &S.lists[l];
		int64_t d;

		if (!tl->ms || tl->head.next == &tl->head)
			continue;
		d = tl->head.next->last + tl->ms - now;
		if (d < 0)
			d = 0;
		if (t < 0 || d < t)
			t = d;
	}
	if (S.cf->accept_timeout && !S.active) {
		int64_t a = S.idle_since + S.cf->accept_timeout - now;

		if (a < 0)
			a = 0;
		if (t < 0 || a < t)
			t = a;
	}
	if (S.pause_until) {
		int64_t p = S.pause_until - now;

		if (p < 0)
			p = 0;
		if (t < 0 || p < t)
			t = p;
	}
	return t;
}

static void on_timers(int64_t now)
{
	int l;

	if (S.pause_until && now >= S.pause_until) {
		S.pause_until = 0;
		update_listener();
	}
	for (l = 0; l < 4; l++) {
		struct timed *tl = &S.lists[l];

		while (tl->ms && tl->head.next != &tl->head && tl->head.next->last + tl->ms <= now)
			conn_close(tl->head.next, tl->why);
	}
	if (S.cf->accept_timeout && !S.active && now >= S.idle_since + S.cf->accept_timeout) {
		log_verbose("no client for %lld ms", (long long)S.cf->accept_timeout);
		exit(S.accepted ? EXIT_OK : EXIT_TIMEOUT);
	}
}

NORETURN static void serve_loop(void)
{
	struct loop_event ev[256];

	for (;;) {
		int n, i;

		n = loop_wait(S.lp, ev, 256, next_timeout(loop_now()));
		if (n < 0)
			xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
		for (i = 0; i < n; i++) {
			if (ev[i].data == &S.sigfd) {
				on_signals();
			} else if (ev[i].data == &S.lfd) {
				on_listener();
			} else {
				struct end *e = ev[i].data;

				conn_event(e->c, e->side, ev[i].events);
			}
		}
		on_timers(loop_now());
		bury();
	}
}

/* -i --accept-proxy: the one client's header, within the header's time. */
static int stdio_header(int fd, struct client *cl)
{
	struct pp_reader r;
	int64_t end = loop_now() + S.lists[L_HEADER].ms;
	char name[ADDR_STRLEN];
	int rc;

	memset(&r, 0, sizeof(r));
	if (sock_set_nonblock(fd, 1) < 0)
		return -1;
	while ((rc = pp_read(fd, &r)) == 0) {
		struct pollfd p;
		int64_t left = end - loop_now();

		p.fd = fd;
		p.events = POLLIN;
		if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR)) {
			r.why = S.lists[L_HEADER].why;
			break;
		}
	}
	if (rc == 1) {
		hdr_apply(cl, &r.a);
		return 0;
	}
	if (log_level >= LOG_VERBOSE) {
		client_name(cl, name, sizeof(name));
		log_verbose("%s: %s", name, r.why);
	}
	return -1;
}

/* -i: wait for one client (or the accept timeout, or a signal), relay it. */
static int serve_stdio(void)
{
	struct client cl;
	struct relay r;
	char where[ADDR_STRLEN];
	struct ipcount *ip;
	int fd, rc;
	int64_t t0;

	for (;;) {
		struct loop_event ev[2];
		int n, i;

		if (loop_set(S.lp, S.lfd, LOOP_IN, &S.lfd) < 0)
			xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
		n = loop_wait(S.lp, ev, 2, next_timeout(loop_now()));
		if (n < 0)
			xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
		for (i = 0; i < n; i++)
			if (ev[i].data == &S.sigfd)
				on_signals();
		on_timers(loop_now());
		fd = take(&cl);
		if (fd >= 0 && S.cf->accept_proxy && stdio_header(fd, &cl) < 0) {
			reset_close(fd);
			continue;
		}
		if (fd >= 0 && admit(fd, &cl, &ip))
			break;
		if (fd >= 0)
			continue;
		if (errno == EMFILE || errno == ENFILE)
			xdie(EXIT_NET, "accept: %s", log_strerror(errno));
	}
	close(S.lfd); /* other clients are not served */
	client_name(&cl, where, sizeof(where));
	log_verbose("connection from %s", where);
	memset(&r, 0, sizeof(r));
	r.net = fd;
	r.in = 0;
	r.out = 1;
	r.stop = S.sigfd;
	r.crlf = S.cf->crlf;
	r.hex = S.cf->hexdump;
	r.idle_ms = S.cf->idle;
	r.peer = where;
	t0 = loop_now();
	rc = io_relay(&r);
	log_transfer(where, r.rcvd, r.sent, loop_now() - t0);
	close(fd);
	return rc;
}

/* A program per connection deserves a second thought where anyone may reach
 * it, or where it runs as root. */
static void warn_exec(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned char key[16];
	int family;

	if (!S.cf->local && getsockname(S.lfd, (struct sockaddr *)&ss, &sl) == 0) {
		family = acl_key((struct sockaddr *)&ss, key);
		if (!(family == AF_INET && key[0] == 127) &&
		    !(family == AF_INET6 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)key)))
			log_warn("%s listens on %s, open to other hosts: -b 127.0.0.1 keeps "
			    "it local", S.cf->prog[0], S.cf->where);
	}
	if (geteuid() == 0)
		log_warn("%s runs as root for every client: --user NAME runs it as NAME",
		    S.cf->prog[0]);
}

/* Set up before listening: raised fd limit, the loop, the signal pipe. */
void serve_init(struct serve *c)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGCHLD };

	S.cf = c;
	if (c->per && !(S.ipt = calloc(IP_BUCKETS, sizeof(*S.ipt))))
		xdie(EXIT_NET, "out of memory");
	sock_raise_nofile();
	S.lp = loop_new();
	if (!S.lp)
		xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
	S.sigfd = loop_signals(sigs, 3);
	if (S.sigfd < 0 || loop_set(S.lp, S.sigfd, LOOP_IN, &S.sigfd) < 0)
		xdie(EXIT_NET, "signals: %s", log_strerror(errno));
}

int serve_run(struct serve *c, int lfd)
{
	static char connect_why[ADDR_STRLEN + 64], header_why[64];
	int i;

	if (c->mode == SERVE_FORWARD)
		fmt_snprintf(connect_why, sizeof(connect_why), "connect %s: %s", c->to.text,
		    log_strerror(ETIMEDOUT));
	fmt_snprintf(header_why, sizeof(header_why), "no PROXY header within %lld ms",
	    (long long)(c->idle && c->idle < HEADER_MS ? c->idle : HEADER_MS));
	S.lfd = lfd;
	if (sock_set_nonblock(lfd, 1) < 0)
		xdie(EXIT_NET, "listen %s: %s", c->where, log_strerror(errno));
	xpriv_drop(&c->priv);
	if (c->mode == SERVE_EXEC)
		warn_exec();
	for (i = 0; i < 4; i++)
		S.lists[i].head.prev = S.lists[i].head.next = &S.lists[i].head;
	S.lists[L_IDLE].ms = c->mode == SERVE_EXEC ? 0 : c->idle;
	S.lists[L_IDLE].why = "idle timeout";
	S.lists[L_LINGER].ms = LINGER_MS;
	S.lists[L_CONNECT].ms = c->to.timeout;
	S.lists[L_CONNECT].why = connect_why;
	S.lists[L_HEADER].ms = c->idle && c->idle < HEADER_MS ? c->idle : HEADER_MS;
	S.lists[L_HEADER].why = header_why;
	S.idle_since = loop_now();
	if (c->mode == SERVE_PRINT)
		S.splice = io_can_splice(1) ? 1 : io_splice_pipe(S.opipe) == 0 ? 2 : 0;
	if (c->mode == SERVE_STDIO)
		return serve_stdio();
	update_listener();
	serve_loop();
}
