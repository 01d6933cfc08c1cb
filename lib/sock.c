/* sock.c - listening and connecting sockets over every resolved address.
 * Helpers return -1 with errno; only the x functions report and exit. */
#ifdef __linux__
#define _GNU_SOURCE /* accept4, SOCK_CLOEXEC, in6_pktinfo, group_req */
#ifndef SOCKIT_PORTABLE
#define HAVE_ACCEPT4 1
#endif
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
static int bind_one(const struct sockaddr *sa, socklen_t len, int type, int v6only, int reuse)
{
	int fd, one = 1;

	fd = sock_open(sa->sa_family, type);
	if (fd < 0)
		return -1;
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only >= 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto fail;
	if (bind(fd, sa, len) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, SOCK_BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	return close_fail(fd);
}

/* Listen on host (NULL: every address, dual-stack where the system has IPv6).
 * Exits with the documented status on failure; where names the bound address. */
int xlisten(const char *host, int port, int family, int type, int reuse,
            char *where, size_t size)
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
			    family == AF_INET6, reuse);
			err = errno;
			fmt_snprintf(where, size, "[::]:%d", port);
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
			fd = bind_one((struct sockaddr *)&s4, sizeof(s4), type, -1, reuse);
			err = errno;
			fmt_snprintf(where, size, "0.0.0.0:%d", port);
		}
	} else {
		struct addrinfo *res = xresolve(host, port, family, type, 1), *ai;

		for (ai = res; ai; ai = ai->ai_next) {
			addr_format(ai->ai_addr, where, size);
			fd = bind_one(ai->ai_addr, ai->ai_addrlen, type,
			    family == AF_INET6 ? 1 : -1, reuse);
			if (fd >= 0)
				break;
			err = errno;
		}
		addr_free(res);
	}
	if (fd < 0)
		xdie(EXIT_NET, "%s %s: %s", type == SOCK_STREAM ? "listen" : "bind", where,
		    log_strerror(err));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format((struct sockaddr *)&ss, where, size);
	return fd;
}

/* SPEC's rule: a new or regular FILE is replaced atomically (a temporary file
 * beside it, then rename), so a reader never sees half a number; anything
 * else (a symlink, a FIFO, a terminal, /dev/stdout) is written in place, never
 * replaced. The temporary name is short, so that any FILE that fits fits. */
void xwrite_port_file(const char *path, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct stat sb;
	char tmp[PATH_MAX], line[16];
	const char *slash = strrchr(path, '/');
	int tfd, n, dirlen = slash ? (int)(slash - path + 1) : 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		xdie(EXIT_NET, "getsockname: %s", log_strerror(errno));
	n = fmt_snprintf(line, sizeof(line), "%d\n", addr_port((struct sockaddr *)&ss));
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		tfd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
		if (tfd < 0 || fstat(tfd, &sb) < 0 || (S_ISREG(sb.st_mode) && ftruncate(tfd, 0) < 0) ||
		    io_write_all(tfd, line, (size_t)n) < 0 || close(tfd) < 0)
			xdie(EXIT_NET, "port file %s: %s", path, log_strerror(errno));
		return;
	}
	/* O_EXCL: a file of that name that is not ours is never overwritten. */
	errno = ENAMETOOLONG;
	if ((size_t)fmt_snprintf(tmp, sizeof(tmp), "%.*s.sockit%ld", dirlen, path,
	    (long)getpid()) >= sizeof(tmp) ||
	    (tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		xdie(EXIT_NET, "port file %s: %s", path, log_strerror(errno));
	if (io_write_all(tfd, line, (size_t)n) < 0 || close(tfd) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		xdie(EXIT_NET, "port file %s: %s", path, log_strerror(e));
	}
}

/* Non-blocking connect, waited for with poll until the deadline. */
static int connect_one(const struct addrinfo *ai, const struct sock_opts *o, int64_t deadline)
{
	const char *source = o ? o->source : NULL;
	int fd, e, rc, one = 1;

	fd = sock_open(ai->ai_family, ai->ai_socktype);
	if (fd < 0)
		return -1;
	if (o && o->broadcast &&
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0)
		goto fail;
	if (o && o->ttl >= 0 && sock_set_ttl(fd, ai->ai_family, o->ttl) < 0)
		goto fail;
	if (o && o->ifindex && sock_set_mcast_if(fd, ai->ai_family, o->ifindex) < 0)
		goto fail;
	if (source || (o && o->sport)) {
		struct addrinfo *src = NULL, *s;
		int sport = o->sport;

		if (!source) /* -p alone: any address of the family */
			source = ai->ai_family == AF_INET6 ? "::" : "0.0.0.0";
		if (sport && ai->ai_socktype == SOCK_STREAM)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* No source address of this family: this target cannot be used. */
		errno = EADDRNOTAVAIL;
		if (addr_resolve(source, sport, ai->ai_family, ai->ai_socktype, 1, &src))
			goto fail;
		for (s = src; s; s = s->ai_next)
			if (bind(fd, s->ai_addr, s->ai_addrlen) == 0)
				break;
		e = errno;
		addr_free(src);
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

int sock_connect(struct addrinfo *ai, const struct sock_opts *o, int64_t timeout_ms,
                 char *where, size_t size)
{
	int64_t deadline = timeout_ms ? loop_now() + timeout_ms : 0;
	int fd = -1, err = ECONNREFUSED;

	for (; ai; ai = ai->ai_next) {
		addr_format(ai->ai_addr, where, size);
		fd = connect_one(ai, o, deadline);
		if (fd >= 0)
			return fd;
		err = errno;
		if (err == ETIMEDOUT && deadline && loop_now() >= deadline)
			break;
		if (err == EADDRINUSE && o && o->sport) { /* -p: in use, for every address */
			size_t l = strlen(where);

			fmt_snprintf(where + l, size - l, " from port %d", o->sport);
			break;
		}
	}
	errno = err;
	return -1;
}

/* Datagrams: learn the address each one was sent to, so that a reply can come
 * from it (a client with a connected socket drops replies from elsewhere). */
void sock_want_dst(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1, family = AF_INET;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		family = ss.ss_family;

#ifdef IP_PKTINFO
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
#endif
#ifdef IPV6_RECVPKTINFO
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
#endif
	(void)one;
	(void)family;
}

union cmsgbuf {
	struct cmsghdr align;
	unsigned char buf[128];
};

ssize_t sock_recv_dgram(int fd, void *buf, size_t len, struct dgram *d)
{
	struct iovec iov;
	struct msghdr mh;
	union cmsgbuf cb;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&d->from, 0, sizeof(d->from)); /* a Unix sender's name ends in zeros */
	iov.iov_base = buf;
	iov.iov_len = len;
	mh.msg_name = &d->from;
	mh.msg_namelen = sizeof(d->from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	d->fromlen = mh.msg_namelen;
	d->truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	d->dst_family = 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
#ifdef IP_PKTINFO
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->dst_family = AF_INET;
			d->dst4 = pi.ipi_addr;
		}
#endif
#ifdef IPV6_RECVPKTINFO
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->dst_family = AF_INET6;
			d->dst6 = pi.ipi6_addr;
			d->ifindex = pi.ipi6_ifindex;
		}
#endif
	}
	return n;
}

/* Send buf back to d's sender, from the address d was sent to where known. */
ssize_t sock_send_reply(int fd, const void *buf, size_t len, const struct dgram *d)
{
	struct iovec iov;
	struct msghdr mh;
	union cmsgbuf cb;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	mh.msg_name = (void *)&d->from;
	mh.msg_namelen = d->fromlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
#ifdef IP_PKTINFO
	if (d->dst_family == AF_INET) {
		struct cmsghdr *cm;
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = d->dst4;
		mh.msg_control = cb.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
#endif
#ifdef IPV6_RECVPKTINFO
	if (d->dst_family == AF_INET6) {
		struct cmsghdr *cm;
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = d->dst6;
		pi.ipi6_ifindex = d->ifindex;
		mh.msg_control = cb.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
#endif
	do
		n = sendmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Join multicast group g on interface ifindex (0: the system's choice). */
int sock_join_group(int fd, const struct sockaddr *g, socklen_t glen, unsigned ifindex)
{
#ifdef MCAST_JOIN_GROUP
	struct group_req gr;

	memset(&gr, 0, sizeof(gr));
	gr.gr_interface = ifindex;
	memcpy(&gr.gr_group, g, glen);
	return setsockopt(fd, g->sa_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
	    MCAST_JOIN_GROUP, &gr, sizeof(gr));
#else
	if (g->sa_family == AF_INET6) {
		struct ipv6_mreq mr;

		mr.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)g)->sin6_addr;
		mr.ipv6mr_interface = ifindex;
		return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr));
	} else {
		struct ip_mreq mr;

		(void)glen;
		if (ifindex) {
			errno = ENOTSUP; /* naming the interface needs MCAST_JOIN_GROUP */
			return -1;
		}
		mr.imr_multiaddr = ((const struct sockaddr_in *)g)->sin_addr;
		mr.imr_interface.s_addr = htonl(INADDR_ANY);
		return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
	}
#endif
}

/* Hop limit for unicast and multicast datagrams alike. */
/* The interface multicast datagrams leave by (udp-send --iface). */
int sock_set_mcast_if(int fd, int family, unsigned ifindex)
{
	if (family == AF_INET6) {
		int i = (int)ifindex;

		return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &i, sizeof(i));
	}
#ifdef __linux__
	{
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_ifindex = (int)ifindex;
		return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr));
	}
#else
	errno = ENOTSUP; /* naming an IPv4 interface by index needs ip_mreqn */
	return -1;
#endif
}

int sock_set_ttl(int fd, int family, int ttl)
{
	/* 0 is for multicast only (this host): unicast has no such hop limit. */
	if (family == AF_INET6) {
		if ((ttl && setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl)) < 0)
			return -1;
		return 0;
	}
	{
		unsigned char mttl = (unsigned char)ttl;

		if ((ttl && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &mttl, sizeof(mttl)) < 0)
			return -1;
	}
	return 0;
}

int sock_is_multicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 28) == 14;
	return 0;
}

/* A server's connections are bounded by its descriptors: take all we may. */
void sock_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The exit status a failed network call stands for. */
int exit_for_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ENOENT: /* a Unix socket's PATH is not there: nothing listens */
		return EXIT_REFUSED;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case EMSGSIZE:
		return EXIT_USAGE;
	default:
		return EXIT_NET;
	}
}
