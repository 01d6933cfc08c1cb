/* tcp-serve - TCP server: echo (event-driven, one process), print, discard,
 * relay one client to stdio, or run a program per connection (UCSPI style). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/sockit.h"

static const char usage[] =
"usage: sockit tcp-serve [OPTIONS] PORT [PROGRAM [ARG...]]\n"
"\n"
"Serve TCP clients on PORT (0: any free port) until killed. Mode, one of:\n"
"      --echo             send every byte back to its client (the default)\n"
"  -o, --print            write received bytes to stdout\n"
"      --discard          read and drop received bytes\n"
"  -i, --stdio            relay one client to stdin/stdout, then exit (nc -l)\n"
"  PROGRAM [ARG...]       run PROGRAM per connection, stdin/stdout on the socket\n"
"      --sh CMD           run /bin/sh -c CMD per connection\n"
"\n"
"  -b, --bind ADDR        listen on ADDR only (default: all, IPv6 and IPv4)\n"
"  -c, --max-clients N    at most N connections at once; others wait\n"
"                         (default 40 with PROGRAM, 16384 otherwise)\n"
"      --per-ip N         at most N connections at once from one address;\n"
"                         more are closed at once\n"
"      --allow CIDR       let in clients in CIDR (ADDR or ADDR/LEN); once one\n"
"                         --allow is given, no other client is let in\n"
"      --deny CIDR        close clients in CIDR at once; of the rules that match\n"
"                         a client, the longest prefix decides\n"
"      --user USER[:GROUP] after binding, run as USER (and GROUP)\n"
"  -n, --count N          exit 0 once N connections were accepted and ended\n"
"      --once             same as -n 1\n"
"  -w, --timeout SECS     close a connection idle for SECS (built-in modes)\n"
"      --accept-timeout SECS\n"
"                         stop when SECS pass with no client: exit 0 if one\n"
"                         was served, 4 if none came\n"
"      --port-file FILE   write the bound port to FILE once listening\n"
"  -X, --hexdump          with -i: show received data as 'hexdump -C' does\n"
"      --crlf             with -i: send stdin's LF line ends as CRLF\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only (IPv4 clients are refused)\n"
"  -v, --verbose          log listening address, clients and byte counts\n"
"  -q, --quiet            no diagnostics but fatal errors\n"
"  -h, --help             this text\n"
"\n"
"PROGRAM gets PROTO=TCP, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT.\n";

enum { O_ECHO = 1, O_PRINT, O_DISCARD, O_STDIO, O_SH, O_BIND, O_MAX, O_COUNT, O_ONCE,
	O_TIMEOUT, O_ACCEPT_TIMEOUT, O_PORTFILE, O_HEXDUMP, O_CRLF, O_PERIP, O_ALLOW, O_DENY,
	O_USER };

static const struct opt_def opts[] = {
	{ 0, "echo", 0, O_ECHO },
	{ 'o', "print", 0, O_PRINT },
	{ 0, "discard", 0, O_DISCARD },
	{ 'i', "stdio", 0, O_STDIO },
	{ 0, "sh", 1, O_SH },
	{ 'b', "bind", 1, O_BIND },
	{ 'c', "max-clients", 1, O_MAX },
	{ 'n', "count", 1, O_COUNT },
	{ 0, "once", 0, O_ONCE },
	{ 'w', "timeout", 1, O_TIMEOUT },
	{ 0, "accept-timeout", 1, O_ACCEPT_TIMEOUT },
	{ 0, "port-file", 1, O_PORTFILE },
	{ 'X', "hexdump", 0, O_HEXDUMP },
	{ 0, "crlf", 0, O_CRLF },
	{ 0, "per-ip", 1, O_PERIP },
	{ 0, "allow", 1, O_ALLOW },
	{ 0, "deny", 1, O_DENY },
	{ 0, "user", 1, O_USER },
	OPT_COMMON
};

enum mode { M_ECHO, M_PRINT, M_DISCARD, M_STDIO, M_EXEC };

/* Without -c: a process per connection is costly, as tcpserver knows (its
 * default is 40); a built-in connection costs about a kilobyte. */
#define DEFAULT_MAX_EXEC 40
#define DEFAULT_MAX 16384

/* --per-ip: open connections per client address, in a small hash table. */
struct ipcount {
	struct ipcount *next;
	int family, n;
	unsigned bucket;
	unsigned char key[16];
};
#define IP_BUCKETS 4096

/* A client of a built-in mode. Output that the client would not take at once
 * waits in pend; its socket is not read until pend is gone, so memory per
 * client is bounded by one read. */
struct conn {
	int fd;
	unsigned eof, linger;
	struct conn *prev, *next;     /* by last activity, oldest first */
	int64_t last, start;
	char *pend;
	size_t plen, poff;
	uint64_t in, out;
	struct ipcount *ip;           /* --per-ip: counted here */
	char peer[ADDR_STRLEN];
};

static struct {
	enum mode mode;
	int max, count, hexdump, crlf, family, per_ip;
	int splice;                   /* --print to a pipe: splice(2) */
	int64_t idle, accept_timeout;
	const char *bind, *portfile;
	char **prog;                  /* argv for execvp */
	struct loop *lp;
	int lfd, sigfd;
	int listening;                /* the listener is watched */
	int active;                   /* open connections or live children */
	int accepted;
	int64_t idle_since;           /* when active last became 0 */
	int64_t pause_until;          /* out of fds: accept again at this time */
	struct conn lru;              /* sentinel of the activity list */
	struct conn lingering;        /* sentinel: PROGRAM connections closing */
	struct kid {
		pid_t pid;
		int fd;               /* the server's copy of the connection */
		struct ipcount *ip;
	} *kids;
	struct acl acl;
	struct priv priv;
	struct ipcount **ipt;
	int64_t warned_at;            /* out of fds: when we last said so */
	int nkids, capkids;
	char buf[65536];              /* one read buffer for every client */
} S;

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
	list_append(&S.lru, c);
}

static unsigned ip_hash(int family, const unsigned char *key)
{
	unsigned h = (unsigned)family;
	int i;

	for (i = 0; i < 16; i++)
		h = h * 31 + key[i];
	return h % IP_BUCKETS;
}

/* Count a client of --per-ip in; 0 when its address has its N already (or
 * there is no memory to count it). */
static int ip_take(const struct sockaddr *sa, struct ipcount **out)
{
	unsigned char key[16];
	int family = acl_key(sa, key);
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
	if (e->n >= S.per_ip)
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

/* --allow/--deny and --per-ip: a client refused is closed at once. */
static int admit(int fd, const struct sockaddr *peer, struct ipcount **ip)
{
	static const struct linger rst = { 1, 0 };
	const char *why = NULL;

	*ip = NULL;
	if (S.acl.n && !acl_permits(&S.acl, peer))
		why = "not allowed (--allow/--deny)";
	else if (S.per_ip && !ip_take(peer, ip))
		why = "too many connections from this address (--per-ip)";
	if (!why)
		return 1;
	log_verbose_peer("refused", peer, ": %s", why);
	/* A reset, not an orderly close: the client must not mistake the
	 * refusal for an empty reply. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	return 0;
}

/* Watch the listener only while we may take another client. */
static void update_listener(void)
{
	int want = S.lfd >= 0 && (!S.max || S.active < S.max) && !S.pause_until;

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
	if (S.count && S.accepted >= S.count && !S.active)
		exit(EXIT_OK);
	update_listener();
}

static void conn_close(struct conn *c, const char *why)
{
	struct ipcount *ip;

	if (why)
		log_verbose("%s: %s", c->peer, why);
	if (!c->linger)
		log_transfer(c->peer, c->in, c->out, loop_now() - c->start);
	loop_set(S.lp, c->fd, 0, NULL);
	close(c->fd);
	lru_unlink(c);
	free(c->pend);
	ip = c->ip;
	free(c);
	ended(ip);
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

static void conn_readable(struct conn *c)
{
	ssize_t n;

	if (S.splice && !c->linger) { /* --print into a pipe: socket -> pipe in the kernel */
		n = io_splice(c->fd, 1, 1 << 20, 0);
		if (n < 0 && errno == EPIPE)
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
			loop_set(S.lp, c->fd, LOOP_OUT, c);
		return;
	}
	c->in += (uint64_t)n;
	if (c->linger)
		return;
	if (S.idle)
		lru_touch(c);
	if (S.mode == M_PRINT) {
		if (!S.splice && io_write_all(1, S.buf, (size_t)n) < 0)
			xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
		return;
	}
	if (S.mode != M_ECHO)
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
	loop_set(S.lp, c->fd, LOOP_OUT, c);
}

static void conn_event(struct conn *c, unsigned ev)
{
	if (c->pend) {
		int rc;

		if (!(ev & LOOP_OUT))
			return;
		rc = conn_flush(c);
		if (rc != 0)
			return;
		if (S.idle)
			lru_touch(c);
		if (c->eof) {
			conn_close(c, NULL);
			return;
		}
		loop_set(S.lp, c->fd, LOOP_IN, c);
		return;
	}
	if (ev & LOOP_IN)
		conn_readable(c);
}

static void conn_new(int fd, const struct sockaddr *peer, struct ipcount *ip)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		log_warn("out of memory: dropping a client");
		close(fd);
		ended(ip);
		return;
	}
	c->fd = fd;
	c->ip = ip;
	if (log_level >= LOG_VERBOSE) {
		addr_format(peer, c->peer, sizeof(c->peer));
		c->start = loop_now();
	}
	c->prev = c->next = c;
	lru_touch(c);
	if (S.mode == M_ECHO) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (loop_set(S.lp, fd, LOOP_IN, c) < 0) {
		log_warn("event loop: %s", log_strerror(errno));
		conn_close(c, NULL);
	}
}

/* PROGRAM's environment: the server's, less the ucspi-tcp variables, then
 * those this connection sets. Built here rather than with setenv(), which in
 * a static build costs more than the rest of spawn(). */
extern char **environ;
static const char *const tcpvars[] = { "PROTO", "TCPREMOTEIP", "TCPREMOTEPORT",
	"TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEHOST", "TCPREMOTEINFO", "TCPLOCALHOST" };
#define NTCPVARS (sizeof(tcpvars) / sizeof(tcpvars[0]))

static int is_tcpvar(const char *e)
{
	size_t i, n;

	for (i = 0; i < NTCPVARS; i++) {
		n = strlen(tcpvars[i]);
		if (!strncmp(e, tcpvars[i], n) && e[n] == '=')
			return 1;
	}
	return 0;
}

/* "TCP...IP=" and "TCP...PORT=" of sa, tcpvars[var] and the one after, in
 * buf[var - 1] and buf[var]. */
static void env_addr(char **env, int *n, char (*buf)[ADDR_STRLEN + 24], int var,
    const struct sockaddr *sa)
{
	char ip[ADDR_STRLEN];

	addr_ip(sa, ip, sizeof(ip));
	fmt_snprintf(buf[var - 1], sizeof(buf[0]), "%s=%s", tcpvars[var], ip);
	fmt_snprintf(buf[var], sizeof(buf[0]), "%s=%d", tcpvars[var + 1], addr_port(sa));
	env[(*n)++] = buf[var - 1];
	env[(*n)++] = buf[var];
}

static char **child_env(int fd, const struct sockaddr *peer)
{
	static char buf[4][ADDR_STRLEN + 24];
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	char **env, **e;
	int n = 0;

	for (e = environ; *e; e++)
		n++;
	if (!(env = malloc((size_t)(n + 6) * sizeof(*env))))
		return NULL;
	for (n = 0, e = environ; *e; e++)
		if (!is_tcpvar(*e))
			env[n++] = *e;
	env[n++] = "PROTO=TCP";
	env_addr(env, &n, buf, 1, peer);
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0)
		env_addr(env, &n, buf, 3, (struct sockaddr *)&local);
	env[n] = NULL;
	return env;
}

static void spawn(int fd, const struct sockaddr *peer, struct ipcount *ip)
{
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
		if (!(env = child_env(0, peer))) {
			log_msg("exec %s: %s", S.prog[0], log_strerror(ENOMEM));
			_exit(126);
		}
		environ = env;
		execvp(S.prog[0], S.prog);
		log_msg("exec %s: %s", S.prog[0], log_strerror(errno));
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
	log_verbose_peer("", peer, ": started pid %ld", (long)pid);
}

/* The program has ended; close its connection the way a careful server does.
 * Closing a socket with unread input makes the kernel send a reset, and a
 * client that gets one may lose the reply it has not read yet. So: send FIN,
 * then read and drop what the client still sends until it closes, for up to
 * LINGER_MS. The connection counts as open until then. */
#define LINGER_MS 2000
static void linger(int fd, struct ipcount *ip)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c || shutdown(fd, SHUT_WR) < 0 || loop_set(S.lp, fd, LOOP_IN, c) < 0) {
		free(c);
		close(fd);
		ended(ip);
		return;
	}
	c->fd = fd;
	c->ip = ip;
	c->linger = 1;
	list_append(&S.lingering, c);
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
	/* Everything read was written already: say how much, for each client. */
	for (c = S.lru.next; c && c != &S.lru; c = c->next)
		log_transfer(c->peer, c->in, c->out, loop_now() - c->start);
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

/* Take every client waiting in the backlog, as far as the limits allow. */
static void on_listener(void)
{
	while (S.listening) {
		struct sockaddr_storage peer;
		struct ipcount *ip;
		socklen_t pl;
		int fd = sock_accept(S.lfd, &peer, &pl);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of fds: leaving the client in the backlog would make
				 * every wait return at once. Stop watching until a
				 * connection ends, or for a moment (another process may
				 * free what we lack). */
				int64_t now = loop_now();

				if (now - S.warned_at >= 1000 || !S.warned_at) {
					log_warn("accept: %s; pausing", log_strerror(errno));
					S.warned_at = now;
				}
				S.pause_until = now + 100;
				update_listener();
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EPROTO && errno != EINTR) {
				log_warn("accept: %s", log_strerror(errno));
			}
			if (errno != ECONNABORTED && errno != EPROTO && errno != EINTR)
				return;
			continue;
		}
		if (!admit(fd, (struct sockaddr *)&peer, &ip))
			continue;
		S.active++;
		S.accepted++;
		if (S.count && S.accepted >= S.count) {
			/* No more clients: let others be refused, not hang in a backlog. */
			loop_set(S.lp, S.lfd, 0, NULL);
			close(S.lfd);
			S.lfd = -1;
			S.listening = 0;
		}
		if (S.mode == M_EXEC) {
			spawn(fd, (struct sockaddr *)&peer, ip);
		} else {
			log_verbose_peer("connection from", (struct sockaddr *)&peer, "%s", "");
			conn_new(fd, (struct sockaddr *)&peer, ip);
		}
		update_listener();
	}
}

static int64_t next_timeout(int64_t now)
{
	int64_t t = -1;

	if (S.lingering.next != &S.lingering) {
		t = S.lingering.next->last + LINGER_MS - now;
		if (t < 0)
			t = 0;
	}
	if (S.idle && S.lru.next != &S.lru) {
		int64_t i = S.lru.next->last + S.idle - now;

		if (i < 0)
			i = 0;
		if (t < 0 || i < t)
			t = i;
	}
	if (S.accept_timeout && !S.active) {
		int64_t a = S.idle_since + S.accept_timeout - now;

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
	if (S.pause_until && now >= S.pause_until) {
		S.pause_until = 0;
		update_listener();
	}
	while (S.idle && S.lru.next != &S.lru && S.lru.next->last + S.idle <= now)
		conn_close(S.lru.next, "idle timeout");
	while (S.lingering.next != &S.lingering && S.lingering.next->last + LINGER_MS <= now)
		conn_close(S.lingering.next, NULL);
	if (S.accept_timeout && !S.active && now >= S.idle_since + S.accept_timeout) {
		log_verbose("no client for %lld ms", (long long)S.accept_timeout);
		exit(S.accepted ? EXIT_OK : EXIT_TIMEOUT);
	}
}

NORETURN static void serve(void)
{
	struct loop_event ev[256];

	for (;;) {
		int n, i;

		n = loop_wait(S.lp, ev, 256, next_timeout(loop_now()));
		if (n < 0)
			xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
		for (i = 0; i < n; i++) {
			if (ev[i].data == &S.sigfd)
				on_signals();
			else if (ev[i].data == &S.lfd)
				on_listener();
			else
				conn_event(ev[i].data, ev[i].events);
		}
		on_timers(loop_now());
	}
}

/* -i: wait for one client (or the accept timeout, or a signal), relay it. */
static int serve_stdio(void)
{
	struct sockaddr_storage peer;
	struct relay r;
	char where[ADDR_STRLEN];
	struct ipcount *ip;
	socklen_t pl;
	int fd, rc;
	int64_t t0;

	sock_set_nonblock(S.lfd, 1);
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
		fd = sock_accept(S.lfd, &peer, &pl);
		if (fd >= 0 && admit(fd, (struct sockaddr *)&peer, &ip))
			break;
		if (fd >= 0)
			continue;
		if (errno == EMFILE || errno == ENFILE)
			xdie(EXIT_NET, "accept: %s", log_strerror(errno));
	}
	close(S.lfd); /* other clients are not served */
	addr_format((struct sockaddr *)&peer, where, sizeof(where));
	log_verbose("connection from %s", where);
	memset(&r, 0, sizeof(r));
	r.net = fd;
	r.in = 0;
	r.out = 1;
	r.stop = S.sigfd;
	r.crlf = S.crlf;
	r.hex = S.hexdump;
	r.idle_ms = S.idle;
	r.peer = where;
	t0 = loop_now();
	rc = io_relay(&r);
	log_transfer(where, r.rcvd, r.sent, loop_now() - t0);
	close(fd);
	return rc;
}

/* A program per connection deserves a second thought where anyone may reach
 * it, or where it runs as root. */
static void warn_exec(const char *where)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned char key[16];
	int family;

	if (getsockname(S.lfd, (struct sockaddr *)&ss, &sl) == 0) {
		family = acl_key((struct sockaddr *)&ss, key);
		if (!(family == AF_INET && key[0] == 127) &&
		    !(family == AF_INET6 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)key)))
			log_warn("%s listens on %s, open to other hosts: -b 127.0.0.1 keeps "
			    "it local", S.prog[0], where);
	}
	if (geteuid() == 0)
		log_warn("%s runs as root for every client: --user NAME runs it as NAME",
		    S.prog[0]);
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

int tcp_serve_main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGCHLD };
	static char *sh[] = { "sh", "-c", NULL, NULL };
	struct opt_state st;
	char hostbuf[1024], where[ADDR_STRLEN];
	const char *modeopt = NULL;
	int id, port, nmodes = 0;

	S.lfd = -1;
	opt_init(&st, argc, argv, usage);
	while ((id = opt_next(&st, opts)) != 0) {
		switch (id) {
		case O_ECHO: case O_PRINT: case O_DISCARD: case O_STDIO: case O_SH:
			if (nmodes++)
				xusage("%s and %s are two modes: choose one", modeopt, st.name);
			modeopt = st.name == st.namebuf ? "-o" : st.name;
			if (st.name == st.namebuf)
				modeopt = id == O_PRINT ? "-o" : "-i";
			S.mode = id == O_PRINT ? M_PRINT : id == O_DISCARD ? M_DISCARD :
			    id == O_STDIO ? M_STDIO : id == O_SH ? M_EXEC : M_ECHO;
			if (id == O_SH) {
				sh[2] = (char *)st.arg;
				S.prog = sh;
			}
			break;
		case O_BIND: S.bind = st.arg; break;
		case O_MAX: S.max = xparse_int("max-clients", st.arg, 1, INT_MAX); break;
		case O_COUNT: S.count = xparse_int("count", st.arg, 1, INT_MAX); break;
		case O_ONCE: S.count = 1; break;
		case O_TIMEOUT: S.idle = xparse_secs("timeout", st.arg); break;
		case O_ACCEPT_TIMEOUT:
			S.accept_timeout = xparse_secs("accept-timeout", st.arg);
			break;
		case O_PORTFILE: S.portfile = st.arg; break;
		case O_HEXDUMP: S.hexdump = 1; break;
		case O_CRLF: S.crlf = 1; break;
		case O_PERIP: S.per_ip = xparse_int("per-ip", st.arg, 1, INT_MAX); break;
		case O_ALLOW: xacl_add(&S.acl, st.arg, 1); break;
		case O_DENY: xacl_add(&S.acl, st.arg, 0); break;
		case O_USER: xpriv_lookup(&S.priv, st.arg); break;
		}
	}
	S.family = st.family;
	argc -= st.ind;
	argv += st.ind;
	if (argc < 1)
		xusage("missing PORT");
	port = xparse_port(argv[0], "tcp", 1);
	if (argc > 1) {
		if (nmodes)
			xusage("%s and PROGRAM are two modes: choose one", modeopt);
		S.mode = M_EXEC;
		S.prog = argv + 1;
	}
	if (S.mode == M_EXEC)
		check_program(S.prog[0]);
	if (S.mode == M_STDIO && (S.count || S.max || S.per_ip))
		xusage("-i serves one client: no -n, --once, -c or --per-ip with it");
	if ((S.hexdump || S.crlf) && S.mode != M_STDIO)
		xusage("%s goes with -i only", S.hexdump ? "-X" : "--crlf");
	if (S.mode == M_EXEC && S.idle)
		log_warn("-w has no effect on PROGRAM connections: the program owns them");
	if (S.bind)
		S.bind = xparse_host(S.bind, hostbuf, sizeof(hostbuf));
	if (!S.max && S.mode != M_STDIO)
		S.max = S.mode == M_EXEC ? DEFAULT_MAX_EXEC : DEFAULT_MAX;
	if (S.per_ip && !(S.ipt = calloc(IP_BUCKETS, sizeof(*S.ipt))))
		xdie(EXIT_NET, "out of memory");

	sock_raise_nofile();
	S.lp = loop_new();
	if (!S.lp)
		xdie(EXIT_NET, "event loop: %s", log_strerror(errno));
	S.sigfd = loop_signals(sigs, 3);
	if (S.sigfd < 0 || loop_set(S.lp, S.sigfd, LOOP_IN, &S.sigfd) < 0)
		xdie(EXIT_NET, "signals: %s", log_strerror(errno));
	S.lfd = xlisten(S.bind, port, S.family, SOCK_STREAM, 1, where, sizeof(where));
	if (sock_set_nonblock(S.lfd, 1) < 0)
		xdie(EXIT_NET, "listen %s: %s", where, log_strerror(errno));
	log_verbose("listening on %s", where);
	if (S.portfile)
		xwrite_port_file(S.portfile, S.lfd);
	xpriv_drop(&S.priv);
	if (S.mode == M_EXEC)
		warn_exec(where);
	S.lru.prev = S.lru.next = &S.lru;
	S.lingering.prev = S.lingering.next = &S.lingering;
	S.idle_since = loop_now();
	if (S.mode == M_EXEC)
		S.idle = 0;
	if (S.mode == M_PRINT)
		S.splice = io_can_splice(1);
	if (S.mode == M_STDIO)
		return serve_stdio();
	update_listener();
	serve();
}
