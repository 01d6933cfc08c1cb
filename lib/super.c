/* super.c - started by a supervisor: the listening socket it hands over (PORT
 * or PATH "-": systemd's LISTEN_FDS on fd 3, else fd 0 as inetd's wait mode
 * and s6-tcpserverd give it), and readiness: s6's notification fd, systemd's
 * NOTIFY_SOCKET (sd_notify's datagram, without libsystemd). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockit.h"

static int notify_fd = -1;

static long env_num(const char *name)
{
	const char *s = getenv(name);
	int n;

	return s && opt_parse_int(s, 0, INT_MAX, &n) == 0 ? n : -1;
}

/* "TCP", "UDP", "Unix stream", "Unix datagram", ... */
static const char *sock_kind(int family, int type)
{
	if (family == AF_UNIX)
		return type == SOCK_STREAM ? "Unix stream" : type == SOCK_DGRAM ? "Unix datagram" :
		    "Unix";
	if (family != AF_INET && family != AF_INET6)
		return "non-IP";
	return type == SOCK_STREAM ? "TCP" : type == SOCK_DGRAM ? "UDP" : "raw IP";
}

static const char *kind_of(mode_t m)
{
	return S_ISFIFO(m) ? "a pipe" : S_ISREG(m) ? "a file" : S_ISCHR(m) ? "a device" :
	    S_ISDIR(m) ? "a directory" : "of another kind";
}

int xinherit(int type, int local, char *where, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), tl;
	struct stat sb;
	const char *want = sock_kind(local ? AF_UNIX : AF_INET, type);
	int fd = 0, t = 0, acc = 0, family;

	if (env_num("LISTEN_PID") == (long)getpid() && env_num("LISTEN_FDS") >= 1)
		fd = 3;
	if (fstat(fd, &sb) < 0)
		xdie(EXIT_USAGE, "-: fd %d is not open (the socket comes on fd 3 with "
		    "LISTEN_FDS, or on stdin)", fd);
	if (!S_ISSOCK(sb.st_mode))
		xdie(EXIT_USAGE, "-: fd %d is %s, not a %s socket", fd, kind_of(sb.st_mode), want);
	tl = sizeof(t);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		xdie(EXIT_USAGE, "-: fd %d: %s", fd, log_strerror(errno));
	family = ss.ss_family;
	if ((local ? family != AF_UNIX : family != AF_INET && family != AF_INET6) || t != type)
		xdie(EXIT_USAGE, "-: fd %d is a %s socket, not %s", fd, sock_kind(family, t), want);
	if (local ? sl <= offsetof(struct sockaddr_un, sun_path) :
	    !addr_port((struct sockaddr *)&ss))
		xdie(EXIT_USAGE, "-: fd %d is a %s socket that is not bound", fd, want);
	tl = sizeof(acc);
#ifdef SO_ACCEPTCONN
	if (type == SOCK_STREAM && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &tl) < 0)
		acc = 0;
#endif
	if (type == SOCK_STREAM && !acc && listen(fd, SOCK_BACKLOG) < 0)
		xdie(EXIT_NET, "-: listen on fd %d: %s", fd, log_strerror(errno));
	if (local)
		unix_format((struct sockaddr *)&ss, where, size);
	else
		addr_format((struct sockaddr *)&ss, where, size);
	/* Off fd 0, which becomes /dev/null again; never inherited by a PROGRAM. */
	if (fd == 0) {
		int nfd = fcntl(0, F_DUPFD, 3), null;

		if (nfd < 0 || sock_set_cloexec(nfd) < 0)
			xdie(EXIT_NET, "-: %s", log_strerror(errno));
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0)
			xdie(EXIT_NET, "/dev/null: %s", log_strerror(errno));
		if (null > 0)
			close(null);
		fd = nfd;
	} else if (sock_set_cloexec(fd) < 0) {
		xdie(EXIT_NET, "-: %s", log_strerror(errno));
	}
	return fd;
}

void xnotify_fd(const char *s)
{
	notify_fd = xparse_int("notify-fd", s, 0, INT_MAX);
	if (fcntl(notify_fd, F_GETFD) < 0)
		xusage("--notify-fd %d: not open", notify_fd);
	if (notify_fd <= 2)
		xusage("--notify-fd %d: that is stdin, stdout or stderr", notify_fd);
	sock_set_cloexec(notify_fd);
}

/* One datagram to NOTIFY_SOCKET, if there is one (a path, or @abstract). */
static void sd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t n;
	int fd;

	if (!path || !path[0] || (n = strlen(path)) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = 0;
	if ((fd = sock_open(AF_UNIX, SOCK_DGRAM)) < 0)
		return;
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		log_warn("NOTIFY_SOCKET %s: %s", path, log_strerror(errno));
	close(fd);
}

void super_ready(const char *where)
{
	char msg[ADDR_STRLEN + 1200];

	if (notify_fd >= 0) {
		if (io_write_all(notify_fd, "\n", 1) < 0)
			log_warn("--notify-fd %d: %s", notify_fd, log_strerror(errno));
		close(notify_fd);
		notify_fd = -1;
	}
	fmt_snprintf(msg, sizeof(msg), "READY=1\nSTATUS=listening on %s\n", where);
	sd_notify(msg);
}

void super_stopping(void)
{
	sd_notify("STOPPING=1\n");
}
