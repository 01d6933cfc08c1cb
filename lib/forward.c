/* forward.c - --to TARGET: a client's connection relayed to a connection of
 * its own to TARGET, in the server's event loop. The relay rule holds: two
 * independent directions, a FIN passed on as shutdown(SHUT_WR) once all that
 * came before it is written, a reset passed on as a reset. Each direction
 * holds at most one read (64 KiB) and is not read while that waits, so a
 * slow reader slows its sender instead of growing the server. On Linux the
 * bytes go socket -> pipe -> socket by splice(2), the pipes taken from a
 * small pool and handed back as soon as they are empty. */
#if defined(__linux__) && !defined(SOCKIT_PORTABLE)
#define _GNU_SOURCE /* splice, pipe2 */
#define HAVE_SPLICE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit.h"

#define FWD_CHUNK 65536

/* One direction: from fd[d] to fd[!d]. What was read and not yet written
 * waits in buf (read/write) or in a pipe (splice). */
struct half {
	char *buf;
	size_t off, len;
	int pipe[2];                /* -1: none held */
	size_t inpipe;
	int eof, shut;
	int bulk;                   /* the last read filled the buffer: splice */
	uint64_t bytes;             /* read from fd[d] */
};

struct fwd {
	const struct fwd_target *t;
	struct loop *lp;
	int fd[2];                  /* FWD_CLIENT, FWD_TARGET */
	void *data[2];              /* what the loop reports them with */
	unsigned want[2];           /* the events asked for */
	int connecting, retried;    /* retried: a target socket was replaced */
	const struct addrinfo *next; /* TCP: the next address to try */
	struct half h[2];
	char where[ADDR_STRLEN];    /* the target address tried last */
	const char *why;            /* after FWD_ABORT */
	int err;
};

/* The pool of pipes for splice: bounded so that a burst of slow readers
 * cannot take the descriptors that connections need; a direction with no
 * pipe free does read/write instead. */
#define POOL_MAX 256
#define POOL_KEEP 32
static struct {
	int free[POOL_KEEP][2];
	int nfree, total;
} pool;
static char rbuf[FWD_CHUNK];    /* every read/write direction reads here first */

static int pool_get(int p[2])
{
#ifdef HAVE_SPLICE
	if (pool.nfree) {
		pool.nfree--;
		p[0] = pool.free[pool.nfree][0];
		p[1] = pool.free[pool.nfree][1];
		return 0;
	}
	if (pool.total < POOL_MAX && pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0) {
		pool.total++;
		return 0;
	}
#endif
	p[0] = p[1] = -1;
	return -1;
}

/* An empty pipe back to the pool; one that may hold bytes is closed. */
static void pool_put(int p[2], int empty)
{
	if (p[0] < 0)
		return;
	if (empty && pool.nfree < POOL_KEEP) {
		pool.free[pool.nfree][0] = p[0];
		pool.free[pool.nfree][1] = p[1];
		pool.nfree++;
	} else {
		close(p[0]);
		close(p[1]);
		pool.total--;
	}
	p[0] = p[1] = -1;
}

/* TARGET: HOST:PORT, [IPV6]:PORT, a path with a '/', or @NAME. */
void xfwd_target(struct fwd_target *t, const char *s)
{
	char hostbuf[1024], hbuf[1024], *host;
	const char *colon;
	size_t hl;

	t->text = s;
	if (s[0] == '@' || strchr(s, '/')) {
		xunix_check(s);
		t->path = s;
		return;
	}
	colon = strrchr(s, ':');
	if (!colon)
		xusage("bad --to '%s': HOST:PORT, [IPV6]:PORT, a path with a '/' or @NAME", s);
	hl = (size_t)(colon - s);
	if (hl >= sizeof(hostbuf))
		xusage("bad --to '%s': host too long", s);
	memcpy(hostbuf, s, hl);
	hostbuf[hl] = 0;
	if (hostbuf[0] != '[' && strchr(hostbuf, ':'))
		xusage("bad --to '%s': an IPv6 address goes in brackets, [%s]:PORT", s, hostbuf);
	host = (char *)xparse_host(hostbuf, hbuf, sizeof(hbuf));
	t->ai = xresolve(host, xparse_port(colon + 1, "tcp", 0), AF_UNSPEC, SOCK_STREAM, 0);
}

static int abort_with(struct fwd *f, const char *what, int err)
{
	f->err = err;
	f->why = what;
	return FWD_ABORT;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void watch(struct fwd *f, int s, unsigned ev)
{
	if (f->want[s] == ev || f->fd[s] < 0)
		return;
	/* want 0: not in the loop (a new socket, or one taken out) */
	if (loop_set(f->lp, f->fd[s], ev | (f->want[s] ? 0 : LOOP_NEW), f->data[s]) < 0) {
		abort_with(f, "event loop", errno); /* the caller sees f->err */
		return;
	}
	f->want[s] = ev;
}

static int pending(const struct half *h)
{
	return h->len > h->off || h->inpipe;
}

/* What each socket waits for: input while its direction holds nothing, and
 * output while the other direction has bytes for it. */
static void rewatch(struct fwd *f)
{
	int s;

	for (s = 0; s < 2; s++) {
		unsigned ev = 0;

		if (f->connecting) {
			ev = s == FWD_TARGET ? LOOP_OUT : 0;
		} else {
			if (!f->h[s].eof && !pending(&f->h[s]))
				ev |= LOOP_IN;
			if (pending(&f->h[!s]))
				ev |= LOOP_OUT;
		}
		watch(f, s, ev);
	}
}

/* Start a connect to the next address: 0 under way (or done), -1 when no
 * address is left (f->why says why the last failed). */
static int try_connect(struct fwd *f)
{
	const struct fwd_target *t = f->t;

	for (;;) {
		int family, rc, e;

		if (f->fd[FWD_TARGET] >= 0) {
			f->retried = 1;
			loop_close(f->lp, f->fd[FWD_TARGET]);
			f->fd[FWD_TARGET] = -1;
			f->want[FWD_TARGET] = 0;
		}
		if (t->path) {
			if (f->where[0])
				return -1;
			fmt_snprintf(f->where, sizeof(f->where), "%s", t->path);
			family = AF_UNIX;
		} else {
			if (!f->next)
				return -1;
			addr_format(f->next->ai_addr, f->where, sizeof(f->where));
			family = f->next->ai_family;
		}
#ifdef SOCK_NONBLOCK
		f->fd[FWD_TARGET] = sock_open(family, SOCK_STREAM | SOCK_NONBLOCK);
		if (f->fd[FWD_TARGET] < 0) {
#else
		f->fd[FWD_TARGET] = sock_open(family, SOCK_STREAM);
		if (f->fd[FWD_TARGET] < 0 || sock_set_nonblock(f->fd[FWD_TARGET], 1) < 0) {
#endif
			abort_with(f, "socket", errno);
			return -1; /* out of descriptors: so is every other address */
		}
		if (t->path) {
			rc = unix_call(f->fd[FWD_TARGET], t->path, 0);
		} else {
			rc = connect(f->fd[FWD_TARGET], f->next->ai_addr, f->next->ai_addrlen);
			f->next = f->next->ai_next;
		}
		e = errno;
		if (rc == 0 || e == EINPROGRESS) {
			/* A relay forwards small writes as they come: no Nagle delay. */
			if (!t->path)
				nodelay(f->fd[FWD_TARGET]);
			f->connecting = rc != 0;
			f->err = 0; /* an address that failed before this one is forgotten */
			f->why = NULL;
			return 0;
		}
		abort_with(f, "connect", e == EAGAIN ? ECONNREFUSED : e);
	}
}

int fwd_open(struct fwd **fp, const struct fwd_target *t, struct loop *lp, int cfd,
             void *cdata, void *tdata, const unsigned char *hdr, size_t hlen)
{
	struct fwd *f = calloc(1, sizeof(*f));
	int d;

	*fp = f;
	if (!f)
		return FWD_ABORT;
	f->t = t;
	f->lp = lp;
	f->fd[FWD_CLIENT] = cfd;
	f->fd[FWD_TARGET] = -1;
	f->data[FWD_CLIENT] = cdata;
	f->data[FWD_TARGET] = tdata;
	f->next = t->ai;
	for (d = 0; d < 2; d++)
		f->h[d].pipe[0] = f->h[d].pipe[1] = -1;
	if (hlen) { /* the PROXY header goes first, as if the client had sent it */
		if (!(f->h[FWD_CLIENT].buf = malloc(hlen)))
			return abort_with(f, "connect", ENOMEM);
		memcpy(f->h[FWD_CLIENT].buf, hdr, hlen);
		f->h[FWD_CLIENT].len = hlen;
	}
	if (try_connect(f) < 0)
		return FWD_ABORT;
	rewatch(f);
	return f->err ? FWD_ABORT : f->connecting ? FWD_MORE : FWD_CONNECTED;
}

/* Write out what direction d holds: 1 all of it, 0 not yet (the receiver
 * is full), -1 failed (f->why). */
static int flush(struct fwd *f, struct half *h, int dst)
{
	while (h->inpipe) {
		ssize_t n = io_splice(h->pipe[0], dst, h->inpipe, 1);

		if (n < 0)
			return errno == EAGAIN ? 0 : (abort_with(f, "write", errno), -1);
		h->inpipe -= (size_t)n;
	}
	pool_put(h->pipe, 1);
	while (h->off < h->len) {
		ssize_t n = write(dst, h->buf + h->off, h->len - h->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 :
			    (abort_with(f, "write", errno), -1);
		h->off += (size_t)n;
	}
	free(h->buf);
	h->buf = NULL;
	h->off = h->len = 0;
	return 1;
}

/* Move direction d as far as it goes now: 1 when bytes moved, 0 when not,
 * -1 when the relay must be aborted. */
static int pump(struct fwd *f, int d)
{
	struct half *h = &f->h[d];
	int src = f->fd[d], dst = f->fd[!d], moved = 0, round;

	for (round = 0; round < 4; round++) {
		ssize_t n;
		int rc = flush(f, h, dst);

		if (rc <= 0)
			return rc < 0 ? -1 : moved;
		if (h->eof)
			break;
		/* Small messages go by read and write (two calls); a stream that
		 * fills whole reads goes by splice, until it trickles again. */
		if (h->bulk && pool_get(h->pipe) == 0) {
			n = io_splice(src, h->pipe[1], FWD_CHUNK, 1);
			if (n <= 0)
				pool_put(h->pipe, 1);
			if (n > 0)
				h->inpipe = (size_t)n;
			if (n > 0 && n < FWD_CHUNK / 8)
				h->bulk = 0;
		} else {
			n = io_read(src, rbuf, sizeof(rbuf));
			h->bulk = n == (ssize_t)sizeof(rbuf);
			if (n > 0) {
				/* Straight on if the receiver takes it; keep only the rest. */
				ssize_t w;

				do
					w = write(dst, rbuf, (size_t)n);
				while (w < 0 && errno == EINTR);
				if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
					return abort_with(f, "write", errno), -1;
				if (w < 0)
					w = 0;
				if (w < n) {
					if (!(h->buf = malloc((size_t)(n - w))))
						return abort_with(f, "read", ENOMEM), -1;
					memcpy(h->buf, rbuf + w, (size_t)(n - w));
					h->len = (size_t)(n - w);
				}
			}
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return abort_with(f, "read", errno), -1;
		}
		if (n == 0) {
			h->eof = 1;
			break;
		}
		h->bytes += (uint64_t)n;
		moved = 1;
		if (n < FWD_CHUNK / 2)
			break; /* most likely all there was: the loop says if not */
	}
	if (h->eof && !pending(h) && !h->shut) {
		/* With the other way ended too, the close that follows is the FIN. */
		if (!f->h[!d].shut && shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
			return abort_with(f, "shutdown", errno), -1;
		h->shut = 1;
	}
	return moved;
}

int fwd_event(struct fwd *f, int side, unsigned ev)
{
	int rc = FWD_MORE, d;

	if (f->connecting) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (side != FWD_TARGET)
			return FWD_MORE;
		if (getsockopt(f->fd[FWD_TARGET], SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (!err && f->retried) { /* an event for the socket this one replaced? */
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);

			if (getpeername(f->fd[FWD_TARGET], (struct sockaddr *)&ss, &sl) < 0)
				return errno == ENOTCONN ? FWD_MORE : abort_with(f, "connect", errno);
		}
		if (err) {
			abort_with(f, "connect", err);
			if (try_connect(f) < 0)
				return FWD_ABORT;
			rewatch(f);
			if (f->err || f->connecting)
				return f->err ? FWD_ABORT : FWD_MORE;
		}
		f->connecting = 0;
		ev = LOOP_OUT;
		rc = FWD_CONNECTED;
	}
	for (d = 0; d < 2; d++) {
		int r;

		/* Direction d reads fd[d] and writes fd[!d]. */
		if (!((side == d && (ev & LOOP_IN)) || (side != d && (ev & LOOP_OUT)) ||
		    rc == FWD_CONNECTED))
			continue;
		r = pump(f, d);
		if (r < 0)
			return FWD_ABORT;
		if (r > 0 && rc == FWD_MORE)
			rc = FWD_MOVED;
	}
	if (f->h[0].shut && f->h[1].shut)
		return FWD_END;
	rewatch(f);
	return f->err ? FWD_ABORT : rc;
}

void fwd_counts(const struct fwd *f, uint64_t *in, uint64_t *out)
{
	*in = f->h[FWD_CLIENT].bytes;
	*out = f->h[FWD_TARGET].bytes;
}

const char *fwd_why(const struct fwd *f, char *buf, size_t size)
{
	if (f->err)
		fmt_snprintf(buf, size, "%s %s: %s", f->why, f->where, log_strerror(f->err));
	else
		fmt_snprintf(buf, size, "%s", f->why ? f->why : "reset");
	return buf;
}

int fwd_err(const struct fwd *f)
{
	return f->err;
}

void fwd_close(struct fwd *f, int reset)
{
	static const struct linger rst = { 1, 0 };
	int s;

	if (!f)
		return;
	for (s = 0; s < 2; s++) {
		if (f->fd[s] < 0)
			continue;
		/* A reset, so that an abort never passes for a clean end (Unix
		 * sockets have none: the close is all they get). */
		if (reset)
			setsockopt(f->fd[s], SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		loop_close(f->lp, f->fd[s]);
		pool_put(f->h[s].pipe, !f->h[s].inpipe);
		free(f->h[s].buf);
	}
	free(f);
}
