/* loop.c - the event loop the servers share, in the spirit of redis' ae.c:
 * watch an fd with a pointer, wait for events. epoll on Linux, poll elsewhere
 * (or with SOCKIT_PORTABLE); the callers cannot tell which. Also the monotonic
 * clock and the self-pipe that turns signals into readable bytes. */
#if defined(__linux__) && !defined(SOCKIT_PORTABLE)
#define USE_EPOLL 1
#include <sys/epoll.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockit.h"

int64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int clamp_timeout(int64_t ms)
{
	if (ms < 0)
		return -1;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

#ifdef USE_EPOLL

struct loop {
	int epfd;
};

struct loop *loop_new(void)
{
	struct loop *lp = malloc(sizeof(*lp));

	if (!lp)
		return NULL;
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd < 0) {
		free(lp);
		return NULL;
	}
	return lp;
}

/* A caller that knows the fd is new says LOOP_NEW (one call, ADD); else
 * try MOD, then ADD. */
int loop_set(struct loop *lp, int fd, unsigned events, void *data)
{
	struct epoll_event ev;

	if (!events) {
		if (epoll_ctl(lp->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = (events & LOOP_IN ? EPOLLIN : 0) | (events & LOOP_OUT ? EPOLLOUT : 0);
	ev.data.ptr = data;
	if (!(events & LOOP_NEW)) {
		if (epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	return epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* A closed descriptor leaves the epoll set by itself (we never dup them). */
int loop_close(struct loop *lp, int fd)
{
	(void)lp;
	return close(fd);
}

int loop_wait(struct loop *lp, struct loop_event *out, int max, int64_t timeout_ms)
{
	struct epoll_event ev[256];
	int n, i;

	if (max > 256)
		max = 256;
	n = epoll_wait(lp->epfd, ev, max, clamp_timeout(timeout_ms));
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		unsigned e = 0;

		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			e |= LOOP_IN;
		if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			e |= LOOP_OUT;
		out[i].data = ev[i].data.ptr;
		out[i].events = e;
	}
	return n;
}

#else /* poll */

struct loop {
	struct pollfd *pfd;
	void **data;
	int *slot;       /* fd -> index in pfd, or -1 */
	int n, cap, nslot;
	int next;        /* where the last wait stopped reporting: fairness */
};

struct loop *loop_new(void)
{
	return calloc(1, sizeof(struct loop));
}

static int grow(void **p, int *cap, int want, size_t size)
{
	int ncap = *cap ? *cap : 16;
	void *np;

	while (ncap < want)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	np = realloc(*p, (size_t)ncap * size);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int loop_set(struct loop *lp, int fd, unsigned events, void *data)
{
	int i;

	if (fd >= lp->nslot) {
		int old = lp->nslot;

		if (grow((void **)&lp->slot, &lp->nslot, fd + 1, sizeof(int)) < 0)
			return -1;
		for (i = old; i < lp->nslot; i++)
			lp->slot[i] = -1;
	}
	i = lp->slot[fd];
	if (!events) {
		if (i >= 0) { /* move the last entry into the hole */
			lp->n--;
			lp->pfd[i] = lp->pfd[lp->n];
			lp->data[i] = lp->data[lp->n];
			lp->slot[lp->pfd[i].fd] = i;
			lp->slot[fd] = -1;
		}
		return 0;
	}
	if (i < 0) {
		int cap = lp->cap;

		if (grow((void **)&lp->pfd, &cap, lp->n + 1, sizeof(struct pollfd)) < 0)
			return -1;
		cap = lp->cap;
		if (grow((void **)&lp->data, &cap, lp->n + 1, sizeof(void *)) < 0)
			return -1;
		lp->cap = cap;
		i = lp->n++;
		lp->slot[fd] = i;
		lp->pfd[i].fd = fd;
	}
	lp->pfd[i].events = (short)((events & LOOP_IN ? POLLIN : 0) |
	    (events & LOOP_OUT ? POLLOUT : 0));
	lp->pfd[i].revents = 0;
	lp->data[i] = data;
	return 0;
}

int loop_close(struct loop *lp, int fd)
{
	loop_set(lp, fd, 0, NULL);
	return close(fd);
}

int loop_wait(struct loop *lp, struct loop_event *out, int max, int64_t timeout_ms)
{
	int n, i, k = 0;

	n = poll(lp->pfd, (nfds_t)lp->n, clamp_timeout(timeout_ms));
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < lp->n && k < max && n > 0; i++) {
		int j = (lp->next + i) % lp->n;
		short r = lp->pfd[j].revents;
		unsigned e = 0;

		if (!r)
			continue;
		n--;
		if (r & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			e |= LOOP_IN;
		if (r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
			e |= LOOP_OUT;
		lp->pfd[j].revents = 0;
		out[k].data = lp->data[j];
		out[k].events = e;
		k++;
	}
	lp->next = lp->n ? (lp->next + i) % lp->n : 0;
	return k;
}

#endif

static int sig_wfd = -1;

static void on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;

	(void)!write(sig_wfd, &c, 1);
	errno = e;
}

/* Signals become bytes on a pipe the loop watches beside the sockets. */
int loop_signals(const int *sigs, int n)
{
	struct sigaction sa;
	int p[2], i;

	if (pipe(p) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (sock_set_cloexec(p[i]) < 0 || sock_set_nonblock(p[i], 1) < 0)
			return -1;
	sig_wfd = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < n; i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
	return p[0];
}
