/* unix.c - Unix-domain sockets: a PATH or an @NAME (Linux's abstract
 * namespace) as an address, paths longer than sun_path reached through their
 * directory, and unix-serve's rules for what is at PATH: a live socket is
 * left alone, a stale one removed, anything else never touched; the socket
 * appears at PATH only once it listens, and PATH is removed at exit only if
 * it is still the socket we made. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockit.h"

#define SUN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

/* A message for an address that cannot be made: it names the limit. */
static NORETURN void too_long(const char *path)
{
	xusage("%s: too long for a Unix socket (its last part, or an @NAME, must be "
	    "under %d bytes)", path, (int)SUN_MAX);
}

/* PATH as given: empty, "@" alone, or one that cannot be reached is a usage
 * error. */
void xunix_check(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!*path || !strcmp(path, "@"))
		xusage("bad path '%s': want a file path or @NAME", path);
	if (strlen(path) >= SUN_MAX &&
	    (path[0] == '@' || !slash || strlen(slash + 1) >= SUN_MAX || strlen(path) >= 4096))
		too_long(path);
}

/* After a Unix applet's options: no -4/-6, and a sound PATH; returns it. */
const char *xunix_operand(const struct opt_state *st, int argc, char **argv)
{
	if (st->family)
		xusage("-4 and -6 are for IP: a Unix socket has neither");
	if (argc <= st->ind)
		xusage("missing PATH");
	if (strcmp(argv[st->ind], "-")) /* "-": the socket a supervisor handed over */
		xunix_check(argv[st->ind]);
	return argv[st->ind];
}

/* The sockaddr of name (a path that fits, or @NAME); -1 if it does not fit. */
static int fill(struct sockaddr_un *sun, socklen_t *len, const char *name)
{
	size_t n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= SUN_MAX)
		return -1;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@')
		sun->sun_path[0] = 0; /* abstract: the NUL and the name, no terminator */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] != '@'));
	return 0;
}

/* bind or connect fd to path. A path too long for sun_path works when its
 * last component fits: the call is made from its directory (and the working
 * directory restored), never cut short. -1 with errno. */
int unix_call(int fd, const char *path, int do_bind)
{
	struct sockaddr_un sun;
	socklen_t len;
	const char *slash = strrchr(path, '/');
	char *dir;
	int here = -1, rc, e;

	if (fill(&sun, &len, path) < 0) {
		if (path[0] == '@' || !slash || fill(&sun, &len, slash + 1) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!dir)
			return -1;
		here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rc = here < 0 ? -1 : chdir(dir);
		e = errno;
		free(dir);
		if (rc < 0) {
			if (here >= 0)
				close(here);
			errno = e;
			return -1;
		}
	}
	rc = do_bind ? bind(fd, (struct sockaddr *)&sun, len) :
	    connect(fd, (struct sockaddr *)&sun, len);
	e = errno;
	if (here >= 0) {
		if (fchdir(here) < 0)
			xdie(EXIT_NET, "cannot return to the working directory: %s",
			    log_strerror(errno));
		close(here);
	}
	errno = e;
	return rc;
}

/* What unix-serve (PATH) or unix-send -s (its PATH) made: removed at exit
 * if PATH is still the socket we made. */
static struct {
	const char *path;
	dev_t dev;
	ino_t ino;
	pid_t pid;
} made;

static void remove_made(void)
{
	struct stat sb;

	if (made.path && getpid() == made.pid && lstat(made.path, &sb) == 0 &&
	    sb.st_dev == made.dev && sb.st_ino == made.ino)
		unlink(made.path);
}

static void remember(const char *path)
{
	struct stat sb;

	if (path[0] == '@' || lstat(path, &sb) < 0)
		return;
	if (!made.path)
		atexit(remove_made);
	made.path = path;
	made.dev = sb.st_dev;
	made.ino = sb.st_ino;
	made.pid = getpid();
}

/* A connected socket of type to path within timeout_ms (0: no limit), bound
 * to source first if there is one (NULL), or autobound to an abstract name
 * (""): a datagram client must have a name to get replies. -1 with errno;
 * both paths were checked by xunix_check. */
int unix_connect(const char *path, int type, const char *source, int64_t timeout_ms)
{
	struct timeval tv;
	struct stat sb;
	int fd = sock_open(AF_UNIX, type), e, rc;

	if (fd < 0)
		return -1;
	if (source && !*source) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) < 0) /* autobind */
			goto fail;
	} else if (source) {
		if (unix_call(fd, source, 1) < 0)
			goto fail;
		remember(source);
	}
	/* A full backlog makes a stream connect wait, as long as SO_SNDTIMEO. */
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000 * 1000);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rc = unix_call(fd, path, 0);
	if (rc < 0 && errno == EAGAIN && timeout_ms)
		errno = ETIMEDOUT;
	/* Linux refuses a connect to a file that is not a socket: say so. */
	if (rc < 0 && errno == ECONNREFUSED && path[0] != '@' && stat(path, &sb) == 0 &&
	    !S_ISSOCK(sb.st_mode))
		errno = ENOTSOCK;
	if (rc < 0)
		goto fail;
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
fail:
	e = errno;
	close(fd);
	if (source && *source && made.path == source) { /* the next try binds it again */
		remove_made();
		made.path = NULL;
	}
	errno = e;
	return -1;
}

/* The existing-PATH rules: 0 when PATH is free (or was a stale socket, now
 * removed); exits 1 otherwise. */
static void check_existing(const char *path, int type)
{
	struct stat sb;
	int fd;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return;
		xdie(EXIT_NET, "%s: %s", path, log_strerror(errno));
	}
	if (!S_ISSOCK(sb.st_mode))
		xdie(EXIT_NET, "%s: exists and is not a socket", path);
	fd = sock_open(AF_UNIX, type);
	if (fd < 0)
		xdie(EXIT_NET, "socket: %s", log_strerror(errno));
	/* A datagram socket "connects" to a live peer too, and a live socket of
	 * the other type says EPROTOTYPE; a stale file refuses. */
	if (unix_call(fd, path, 0) == 0 || errno == EPROTOTYPE)
		xdie(EXIT_NET, "%s: %s", path, log_strerror(EADDRINUSE));
	if (errno != ECONNREFUSED)
		xdie(EXIT_NET, "%s: %s", path, log_strerror(errno));
	close(fd);
	if (unlink(path) < 0 && errno != ENOENT)
		xdie(EXIT_NET, "%s: stale socket: %s", path, log_strerror(errno));
	log_verbose("%s: removed a stale socket", path);
}

/* unix-serve's socket: bound under a temporary name beside PATH, given its
 * mode and owner, listening (stream), then linked into place, so that it
 * never replaces a file that came in the meantime and never appears before
 * it works. An @NAME is bound as it is. */
int xunix_listen(const char *path, int type, int mode, const struct priv *owner)
{
	char tmp[4200];
	const char *slash = strrchr(path, '/');
	int fd = sock_open(AF_UNIX, type), dirlen = slash ? (int)(slash - path + 1) : 0;

	if (fd < 0)
		xdie(EXIT_NET, "socket: %s", log_strerror(errno));
	if (path[0] == '@') {
		if (unix_call(fd, path, 1) < 0)
			xdie(EXIT_NET, "bind %s: %s", path, log_strerror(errno));
		if (type == SOCK_STREAM && listen(fd, SOCK_BACKLOG) < 0)
			xdie(EXIT_NET, "listen %s: %s", path, log_strerror(errno));
		return fd;
	}
	check_existing(path, type);
	/* A short last part, so that it fits wherever PATH's does. */
	fmt_snprintf(tmp, sizeof(tmp), "%.*s.sk%ld", dirlen, path, (long)getpid());
	if (unix_call(fd, tmp, 1) < 0)
		xdie(EXIT_NET, "bind %s: %s", path, log_strerror(errno));
	if ((mode >= 0 && chmod(tmp, (mode_t)mode) < 0) ||
	    (owner->name && chown(tmp, owner->uid, owner->gid) < 0) ||
	    (type == SOCK_STREAM && listen(fd, SOCK_BACKLOG) < 0) ||
	    link(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		xdie(EXIT_NET, "%s: %s", path, log_strerror(e == EEXIST ? EADDRINUSE : e));
	}
	unlink(tmp);
	remember(path);
	return fd;
}

/* --mode OCTAL: 1 to 4 octal digits. */
int xunix_mode(const char *s)
{
	int v = 0, n = 0;

	for (; *s >= '0' && *s <= '7' && n < 5; s++, n++)
		v = v * 8 + (*s - '0');
	if (*s || !n || n > 4)
		xusage("bad --mode: want octal permission bits, like 660 or 0600");
	return v;
}

/* A Unix peer's address as unix-serve -u --from shows it: its bound path,
 * @NAME for an abstract one, "-" for an unbound sender. The sockaddr was
 * zeroed before it was filled in. */
void unix_format(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	const char *p = sun->sun_path;

	if (p[0])
		fmt_snprintf(buf, size, "%.*s", (int)SUN_MAX, p);
	else if (p[1])
		fmt_snprintf(buf, size, "@%.*s", (int)SUN_MAX - 1, p + 1);
	else
		fmt_snprintf(buf, size, "-");
}
