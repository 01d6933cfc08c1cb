/* log.c - diagnostics: one line on stderr, "sockit APPLET: ...", with -v/-q levels. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef SOCKIT_FUZZ
#include <setjmp.h>
#endif

#include "sockit.h"

const char *log_applet;
int log_level = LOG_NORMAL;

static void vsay(const char *fmt, va_list ap, const char *tail)
{
	char line[1024];
	int n;

	if (log_applet)
		n = fmt_snprintf(line, sizeof(line), "sockit %s: ", log_applet);
	else
		n = fmt_snprintf(line, sizeof(line), "sockit: ");
	fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = strlen(line);
	if (tail)
		n += fmt_snprintf(line + n, sizeof(line) - n, "%s", tail);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write, so lines from concurrent processes do not interleave. */
	io_write_all(2, line, n);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap, NULL);
	va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap, NULL);
	va_end(ap);
}

/* -v: "WHAT ADDR:PORT" and the rest of the line as fmt says; the address is
 * formatted only when it will be shown. */
void log_verbose_peer(const char *what, const struct sockaddr *sa, const char *fmt, ...)
{
	char addr[ADDR_STRLEN], rest[512];
	va_list ap;

	if (log_level < LOG_VERBOSE)
		return;
	addr_format(sa, addr, sizeof(addr));
	va_start(ap, fmt);
	fmt_vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	log_msg("%s%s%s%s", what, *what ? " " : "", addr, rest);
}

/* Every exit of an x function goes here; the fuzz harnesses (tests/fuzz/)
 * turn it into a jump back to themselves. */
#ifdef SOCKIT_FUZZ
jmp_buf fuzz_exit;
void xexit(int status)
{
	longjmp(fuzz_exit, status + 1);
}
#else
void xexit(int status)
{
	exit(status);
}
#endif

void xdie(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap, NULL);
	va_end(ap);
	xexit(status);
}

void xusage(const char *fmt, ...)
{
	char hint[96];
	va_list ap;

	if (log_applet)
		fmt_snprintf(hint, sizeof(hint), " (see 'sockit %s --help')", log_applet);
	else
		fmt_snprintf(hint, sizeof(hint), " (see 'sockit --help')");
	va_start(ap, fmt);
	vsay(fmt, ap, hint);
	va_end(ap);
	xexit(EXIT_USAGE);
}

/* The reasons sockit reports, worded as glibc words them, in lower case: the
 * same text whatever the libc. reason_texts holds the text of each errno in
 * reason_codes, in order, each ended by a NUL. The static build needs no
 * strerror (2 KiB of musl's) then; it names any other errno by number. */
static const unsigned short reason_codes[] = {
	ECONNREFUSED, ETIMEDOUT, ECONNRESET, EADDRINUSE, EADDRNOTAVAIL,
	EHOSTUNREACH, ENETUNREACH, EPIPE, ENOSPC, EACCES, EMFILE, ENOENT, EPERM,
	ENOTDIR, EISDIR, EEXIST, EINVAL, ENOMEM, ENOBUFS, EAFNOSUPPORT,
	EPROTONOSUPPORT, EMSGSIZE, EBADF, EIO, ENFILE, EROFS, ENODEV, ENXIO, ELOOP,
	ENAMETOOLONG, ENOTCONN, ECONNABORTED, EHOSTDOWN, ENETDOWN, EAGAIN, EINTR,
	ENOEXEC, ETXTBSY, E2BIG, ENOTSOCK, EOPNOTSUPP, ENOPROTOOPT, EDQUOT, EFBIG,
	ENOTTY, ECHILD, ESRCH
};
static const char reason_texts[] =
	"connection refused\0"
	"connection timed out\0"
	"connection reset by peer\0"
	"address already in use\0"
	"cannot assign requested address\0"
	"no route to host\0"
	"network is unreachable\0"
	"broken pipe\0"
	"no space left on device\0"
	"permission denied\0"
	"too many open files\0"
	"no such file or directory\0"
	"operation not permitted\0"
	"not a directory\0"
	"is a directory\0"
	"file exists\0"
	"invalid argument\0"
	"cannot allocate memory\0"
	"no buffer space available\0"
	"address family not supported by protocol\0"
	"protocol not supported\0"
	"message too long\0"
	"bad file descriptor\0"
	"input/output error\0"
	"too many open files in system\0"
	"read-only file system\0"
	"no such device\0"
	"no such device or address\0"
	"too many levels of symbolic links\0"
	"file name too long\0"
	"transport endpoint is not connected\0"
	"software caused connection abort\0"
	"host is down\0"
	"network is down\0"
	"resource temporarily unavailable\0"
	"interrupted system call\0"
	"exec format error\0"
	"text file busy\0"
	"argument list too long\0"
	"socket operation on non-socket\0"
	"operation not supported\0"
	"protocol not available\0"
	"disk quota exceeded\0"
	"file too large\0"
	"inappropriate ioctl for device\0"
	"no child processes\0"
	"no such process\0";

/* -v at the end of a connection: bytes each way, seconds, rate. */
void log_transfer(const char *peer, uint64_t in, uint64_t out, int64_t ms)
{
	uint64_t tenths;

	if (log_level < LOG_VERBOSE)
		return;
	/* MB/s in tenths, in integers: fmt.c has no floating point. */
	tenths = ms > 0 ? (in + out) / (uint64_t)ms / 100 : 0;
	log_msg("closed %s: %llu bytes in, %llu bytes out, %lld.%03lld s, %llu.%llu MB/s", peer,
	    (unsigned long long)in, (unsigned long long)out, (long long)(ms / 1000),
	    (long long)(ms % 1000), (unsigned long long)(tenths / 10),
	    (unsigned long long)(tenths % 10));
}

/* A libc's message as the middle of our line: "No such host" -> "no such host"
 * (an acronym such as "IPv6 ..." stays as it is). */
const char *log_lower(const char *msg)
{
	static char buf[128];

	fmt_snprintf(buf, sizeof(buf), "%s", msg);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] += 'a' - 'A';
	return buf;
}

const char *log_strerror(int err)
{
	const char *t = reason_texts;
	size_t i;

	for (i = 0; i < sizeof(reason_codes) / sizeof(reason_codes[0]); i++, t += strlen(t) + 1)
		if (reason_codes[i] == err)
			return t;
#ifdef SOCKIT_TINY
	{
		static char buf[24];

		fmt_snprintf(buf, sizeof(buf), "error %d", err);
		return buf;
	}
#else
	return log_lower(strerror(err));
#endif
}

void log_init_process(void)
{
	struct sigaction sa;
	int fd;

	/* A closed 0, 1 or 2 would be reused by the first socket we open, and a
	 * message meant for stderr would then go to a client. A closed stdout
	 * stays an error: /dev/null opened for reading makes every write to it
	 * fail with EBADF, as it would have, instead of discarding the data. */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int nfd = open("/dev/null", fd == 1 ? O_RDONLY : O_RDWR);

			if (nfd < 0)
				_exit(EXIT_NET);
			if (nfd != fd) { /* cannot happen: open takes the lowest free fd */
				dup2(nfd, fd);
				close(nfd);
			}
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}
