/* loadgen.c - the load generator of bench/run.sh. Linux (epoll); loopback only.
 *
 *   loadgen rtt PORT N              N 1-byte round trips on one connection:
 *                                   prints "p50_us p99_us"
 *   loadgen rps PORT CONNS SECS     CONNS connections, 1-byte ping-pong each as
 *                                   fast as the server answers: prints requests/s
 *   loadgen cps PORT PAR SECS       connect, send 64 B, read the echo, close;
 *                                   PAR at once: prints connections/s
 *   loadgen idle PORT N SECS        hold N idle connections; prints "ready K"
 *                                   (K of them up), then waits SECS (or a signal)
 *   loadgen sink BYTES              read stdin: "ok" once BYTES came (then drain it
 *                                   to EOF), or "short N" at an early EOF
 *   loadgen spawn N PROG [ARG...]   run PROG N times: prints the median µs
 * PORT may be the path of a Unix socket (it has a '/'): the same loads over it.
 * Every mode is bounded by SECS or N and exits by itself. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int port;
static const char *path; /* a Unix socket instead of 127.0.0.1:port */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int conn(int nonblock)
{
	struct sockaddr_in a;
	int fd = socket(path ? AF_UNIX : AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	int one = 1;

	if (fd < 0)
		die("socket");
	if (path) {
		struct sockaddr_un u;

		memset(&u, 0, sizeof(u));
		u.sun_family = AF_UNIX;
		strncpy(u.sun_path, path, sizeof(u.sun_path) - 1);
		if (connect(fd, (struct sockaddr *)&u, sizeof(u)) < 0 && errno != EINPROGRESS &&
		    errno != EAGAIN) {
			close(fd);
			return -1;
		}
		return fd;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int rtt(int n)
{
	int64_t *t = malloc(sizeof(*t) * (size_t)n);
	int fd = conn(0), i;
	char c = 'x';

	if (fd < 0 || !t)
		die("connect");
	for (i = 0; i < n + 100; i++) { /* the first 100 warm up */
		int64_t t0 = now_us();

		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			die("round trip");
		if (i >= 100)
			t[i - 100] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp64);
	printf("%lld %lld\n", (long long)t[n / 2], (long long)t[n * 99 / 100]);
	return 0;
}

static int rps(int conns, double secs)
{
	int ep = epoll_create1(0), i, live = conns;
	int64_t end, start, done = 0;
	struct epoll_event ev, evs[512];
	char c = 'x';

	for (i = 0; i < conns; i++) {
		int fd = conn(0);

		if (fd < 0)
			die("connect");
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		if (write(fd, &c, 1) != 1)
			die("write");
	}
	start = now_us();
	end = start + (int64_t)(secs * 1e6);
	while (live && now_us() < end) {
		int n = epoll_wait(ep, evs, 512, 100);

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (read(fd, &c, 1) != 1) {
				close(fd);
				live--;
				continue;
			}
			done++;
			if (write(fd, &c, 1) != 1) {
				close(fd);
				live--;
			}
		}
	}
	printf("%.0f\n", (double)done * 1e6 / (double)(now_us() - start));
	return live == conns ? 0 : 1;
}

/* A connection's life: connecting, then sent 64 B and reading the echo. */
struct cs {
	int fd, got;
};

static int cps(int par, double secs)
{
	int ep = epoll_create1(0), i, errors = 0;
	struct cs *s = calloc((size_t)par, sizeof(*s));
	struct epoll_event ev, evs[512];
	int64_t start = now_us(), end = start + (int64_t)(secs * 1e6), done = 0;
	char buf[64];

	memset(buf, 'y', sizeof(buf));
	for (i = 0; i < par; i++) {
		s[i].fd = conn(1);
		if (s[i].fd < 0)
			die("connect");
		ev.events = EPOLLOUT;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, s[i].fd, &ev);
	}
	while (now_us() < end) {
		int n = epoll_wait(ep, evs, 512, 100);

		for (i = 0; i < n; i++) {
			struct cs *c = &s[evs[i].data.u32];
			int restart = 0;

			if (evs[i].events & EPOLLOUT) {
				if (write(c->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
					errors++;
					restart = 1;
				} else {
					ev.events = EPOLLIN;
					ev.data.u32 = evs[i].data.u32;
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			} else {
				char r[64];
				ssize_t k = read(c->fd, r, sizeof(r));

				if (k <= 0) {
					errors++;
					restart = 1;
				} else if ((c->got += (int)k) >= 64) {
					done++;
					restart = 1;
				}
			}
			if (restart) {
				close(c->fd);
				c->got = 0;
				c->fd = conn(1);
				if (c->fd < 0)
					die("connect");
				ev.events = EPOLLOUT;
				ev.data.u32 = evs[i].data.u32;
				epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
			}
		}
	}
	printf("%.0f\n", (double)done * 1e6 / (double)(now_us() - start));
	if (errors)
		fprintf(stderr, "loadgen: cps: %d failed connections\n", errors);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Connect N clients, PAR at a time (a slow server leaves them in its backlog
 * or drops SYNs), for 30 s at most; print "ready K" with K connected, then hold
 * them for SECS. */
static int idle(int n, double secs)
{
	int ep = epoll_create1(0), started = 0, up = 0, pending = 0;
	struct epoll_event ev, evs[256];
	struct rlimit rl;
	int64_t end = now_us() + 30000000;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGTERM, on_term);
	while (up < n && now_us() < end) {
		int k, i;

		while (started < n && pending < 64) {
			int fd = conn(1);

			if (fd < 0)
				die("connect");
			ev.events = EPOLLOUT;
			ev.data.fd = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			started++;
			pending++;
		}
		k = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < k; i++) {
			int err = 0;
			socklen_t el = sizeof(err);

			getsockopt(evs[i].data.fd, SOL_SOCKET, SO_ERROR, &err, &el);
			epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd, NULL);
			pending--;
			if (err) {
				close(evs[i].data.fd);
				started--; /* try again */
			} else {
				up++;
			}
		}
	}
	printf("ready %d\n", up);
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}

/* Read stdin until BYTES have come: "ok", or "short N" at an early EOF. */
static int sink(long long bytes)
{
	static char buf[1 << 20];
	long long got = 0;

	while (got < bytes) {
		ssize_t k = read(0, buf, sizeof(buf));

		if (k <= 0)
			break;
		got += k;
	}
	if (got < bytes) {
		printf("short %lld\n", got);
		return 1;
	}
	printf("ok\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0) /* the rest, so the writer ends in peace */
		;
	return 0;
}

static int spawn(int n, char **argv)
{
	int64_t *t = malloc(sizeof(*t) * (size_t)n);
	int i, null = open("/dev/null", O_WRONLY);

	for (i = 0; i < n; i++) {
		int64_t t0 = now_us();
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[0], argv);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp64);
	printf("%lld\n", (long long)t[n / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (argc < 4 && strcmp(argv[1], "sink"))) {
		fprintf(stderr, "usage: see the comment at the top of loadgen.c\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "sink"))
		return sink(atoll(argv[2]));
	if (!strcmp(argv[1], "spawn"))
		return spawn(atoi(argv[2]), argv + 3);
	port = atoi(argv[2]);
	if (strchr(argv[2], '/'))
		path = argv[2];
	if (!strcmp(argv[1], "rtt"))
		return rtt(atoi(argv[3]));
	if (argc < 5)
		return 2;
	if (!strcmp(argv[1], "rps"))
		return rps(atoi(argv[3]), atof(argv[4]));
	if (!strcmp(argv[1], "cps"))
		return cps(atoi(argv[3]), atof(argv[4]));
	if (!strcmp(argv[1], "idle"))
		return idle(atoi(argv[3]), atof(argv[4]));
	return 2;
}
