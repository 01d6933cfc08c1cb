/* sock.c - listening and connecting sockets over every resolved address.
 * Helpers return -1 with errno; only the x functions report and exit. */
#if defined(__linux__) && !defined(SOCKIT_PORTABLE)
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK, SOCK_CLOEXEC */
#define HAVE_ACCEPT4 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit.h"

/* Close fd after a failure, keeping the failure's errno; returns -1. */
static int close_fail(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

int sock_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

int sock_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

int sock_open(int family, int type)
{
	int fd;

#ifdef HAVE_ACCEPT4
	fd = socket(family, type | SOCK_CLOEXEC, 0);
#else
	fd = socket(family, type, 0);
	if (fd >= 0 && sock_set_cloexec(fd) < 0)
		return close_fail(fd);
#endif
	return fd;
}

int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len)
{
	int fd;

	*len = sizeof(*peer);
#ifdef HAVE_ACCEPT4
	do
		fd = accept4(lfd, (struct sockaddr *)peer, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
#else
	do
		fd = accept(lfd, (struct sockaddr *)peer, len);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 && (sock_set_cloexec(fd) < 0 || sock_set_nonblock(fd, 1) < 0))
		return close_fail(fd);
#endif
	return fd;
}

/* One listening (or, for UDP, bound) socket on sa. v6only: -1 leaves the default. */
static int bind_one(const struct sockaddr *sa, socklen_t len, int type, int v6only)
{
	int fd, one = 1;

	fd = sock_open(sa->sa_family, type);
	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only >= 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto fail;
	if (bind(fd, sa, len) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	return close_fail(fd);
}

/* Listen on host (NULL: every address, dual-stack where the system has IPv6).
 * Exits with the documented status on failure; where names the bound address. */
int xlisten(const char *host, int port, int family, int type, char *where, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, err = 0;

	if (!host) {
		if (family != AF_INET) {
			struct sockaddr_in6 s6;

			memset(&s6, 0, sizeof(s6));
			s6.sin6_family = AF_INET6;
			s6.sin6_addr = in6addr_any;
			s6.sin6_port = htons((unsigned short)port);
			fd = bind_one((struct sockaddr *)&s6, sizeof(s6), type,
			    family == AF_INET6);
			err = errno;
			snprintf(where, size, "[::]:%d", port);
			/* No IPv6 here: fall back to IPv4, unless -6 asked for it. */
			if (fd < 0 && family == AF_UNSPEC &&
			    (err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL))
				fd = -2;
		}
		if (family == AF_INET || fd == -2) {
			struct sockaddr_in s4;

			memset(&s4, 0, sizeof(s4));
			s4.sin_family = AF_INET;
			s4.sin_addr.s_addr = htonl(INADDR_ANY);
			s4.sin_port = htons((unsigned short)port);
			fd = bind_one((struct sockaddr *)&s4, sizeof(s4), type, -1);
			err = errno;
			snprintf(where, size, "0.0.0.0:%d", port);
		}
	} else {
		struct addrinfo *res = xresolve(host, port, family, type, 1), *ai;

		for (ai = res; ai; ai = ai->ai_next) {
			addr_format(ai->ai_addr, where, size);
			fd = bind_one(ai->ai_addr, ai->ai_addrlen, type,
			    family == AF_INET6 ? 1 : -1);
			if (fd >= 0)
				break;
			err = errno;
		}
		freeaddrinfo(res);
	}
	if (fd < 0)
		xdie(EXIT_NET, "%s %s: %s", type == SOCK_STREAM ? "listen" : "bind", where,
		    log_strerror(err));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format((struct sockaddr *)&ss, where, size);
	return fd;
}

void xwrite_port_file(const char *path, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char tmp[4096], line[16];
	int tfd, n;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		xdie(EXIT_NET, "getsockname: %s", log_strerror(errno));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp))
		xdie(EXIT_USAGE, "port file name too long");
	n = snprintf(line, sizeof(line), "%d\n", addr_port((struct sockaddr *)&ss));
	/* Write a temporary file and rename it, so a reader never sees half a number. */
	tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (tfd < 0)
		xdie(EXIT_NET, "port file %s: %s", tmp, log_strerror(errno));
	if (io_write_all(tfd, line, n) < 0 || close(tfd) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		xdie(EXIT_NET, "port file %s: %s", path, log_strerror(e));
	}
}

/* Non-blocking connect, waited for with poll until the deadline. */
static int connect_one(const struct addrinfo *ai, const char *source, int64_t deadline)
{
	int fd, e, rc;

	fd = sock_open(ai->ai_family, ai->ai_socktype);
	if (fd < 0)
		return -1;
	if (source) {
		struct addrinfo *src = NULL, *s;

		/* No source address of this family: this target cannot be used. */
		errno = EADDRNOTAVAIL;
		if (addr_resolve(source, 0, ai->ai_family, ai->ai_socktype, 1, &src))
			goto fail;
		for (s = src; s; s = s->ai_next)
			if (bind(fd, s->ai_addr, s->ai_addrlen) == 0)
				break;
		e = errno;
		freeaddrinfo(src);
		errno = e;
		if (!s)
			goto fail;
	}
	if (ai->ai_socktype != SOCK_STREAM) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
			goto fail;
		return fd;
	}
	if (sock_set_nonblock(fd, 1) < 0)
		goto fail;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (rc < 0) {
		struct pollfd pfd;
		socklen_t sl = sizeof(e);

		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			int64_t left = deadline ? deadline - loop_now() : -1;

			if (deadline && left <= 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			rc = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
			if (rc > 0)
				break;
			if (rc < 0 && errno != EINTR)
				goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
			goto fail;
		if (e) {
			errno = e;
			goto fail;
		}
	}
	return fd;
fail:
	return close_fail(fd);
}

int sock_connect(struct addrinfo *ai, const char *source, int64_t timeout_ms,
                 char *where, size_t size)
{
	int64_t deadline = timeout_ms ? loop_now() + timeout_ms : 0;
	int fd = -1, err = ECONNREFUSED;

	for (; ai; ai = ai->ai_next) {
		addr_format(ai->ai_addr, where, size);
		fd = connect_one(ai, source, deadline);
		if (fd >= 0)
			return fd;
		err = errno;
		if (err == ETIMEDOUT && deadline && loop_now() >= deadline)
			break;
	}
	errno = err;
	return -1;
}

/* The exit status a failed network call stands for. */
int exit_for_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return EXIT_REFUSED;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	default:
		return EXIT_NET;
	}
}
