/* main.c - dispatch: "sockit APPLET ..." or a link named after the applet;
 * and the binary's own options: --list, --help, --version, --install DIR. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/sockit.h"

struct applet {
	const char *name, *summary;
	int (*main)(int, char **);
};

static const struct applet applets[] = {
#define APPLET(id, name, summary) { name, summary, id##_main },
#include "applets/applets.def"
#undef APPLET
};
#define NAPPLETS (sizeof(applets) / sizeof(applets[0]))

static const struct applet *find(const char *name)
{
	size_t i;

	for (i = 0; i < NAPPLETS; i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

static int out_err; /* the first write error on stdout */

static void say(int fd, const char *s)
{
	if (io_write_all(fd, s, strlen(s)) < 0 && !out_err)
		out_err = errno;
}

static void usage(int fd)
{
	char line[160];
	size_t i;

	say(fd, "usage: sockit APPLET [OPTIONS] ARGS...\n"
	    "       APPLET [OPTIONS] ARGS...   (through a link named after the applet)\n"
	    "       sockit --list | --help | --version\n"
	    "       sockit --install DIR       (a symlink per applet in DIR)\n\n"
	    "Applets (sockit APPLET --help for each):\n");
	for (i = 0; i < NAPPLETS; i++) {
		fmt_snprintf(line, sizeof(line), "  %-11s %s\n", applets[i].name, applets[i].summary);
		say(fd, line);
	}
	say(fd, "\nExit status: 0 ok, 1 network or I/O error, 2 usage error,\n"
	    "3 name not resolved, 4 timed out, 5 connection refused.\n");
}

static int done(void)
{
	/* "sockit --list > /dev/full" must not claim success. */
	if (out_err) {
		log_msg("write stdout: %s", log_strerror(out_err));
		return EXIT_NET;
	}
	return EXIT_OK;
}

/* busybox --install -s: DIR/APPLET -> this binary, for every applet. A link
 * there already is replaced; anything else is left alone and is an error. */
static int install(const char *argv0, const char *dir)
{
	char self[PATH_MAX], link[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct stat st;
	size_t i;

	if (n > 0) {
		self[n] = 0;
	} else if (argv0[0] == '/') { /* no /proc: argv[0], made absolute */
		fmt_snprintf(self, sizeof(self), "%s", argv0);
	} else if (!strchr(argv0, '/') || !getcwd(link, sizeof(link)) ||
	    (size_t)fmt_snprintf(self, sizeof(self), "%s/%s", link, argv0) >= sizeof(self)) {
		xdie(EXIT_NET, "--install: cannot tell where this binary is");
	}
	if (stat(dir, &st) < 0)
		xdie(EXIT_NET, "--install %s: %s", dir, log_strerror(errno));
	if (!S_ISDIR(st.st_mode))
		xdie(EXIT_NET, "--install %s: %s", dir, log_strerror(ENOTDIR));
	for (i = 0; i < NAPPLETS; i++) {
		if ((size_t)fmt_snprintf(link, sizeof(link), "%s/%s", dir, applets[i].name) >= sizeof(link))
			xdie(EXIT_USAGE, "--install %s: name too long", dir);
		if (lstat(link, &st) == 0) {
			if (!S_ISLNK(st.st_mode))
				xdie(EXIT_NET, "--install: %s exists and is not a link", link);
			if (unlink(link) < 0)
				xdie(EXIT_NET, "--install: %s: %s", link, log_strerror(errno));
		}
		if (symlink(self, link) < 0)
			xdie(EXIT_NET, "--install: %s: %s", link, log_strerror(errno));
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct applet *ap;
	const char *base = strrchr(argv[0] ? argv[0] : "", '/');
	size_t i;

	log_init_process();
	base = base ? base + 1 : (argv[0] ? argv[0] : "");
	ap = find(base);
	if (!ap) {
		if (argc < 2) {
			usage(2);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			if (argc == 2) {
				usage(1);
				return done();
			}
		} else if (!strcmp(argv[1], "--version")) {
			if (argc == 2) {
				say(1, "sockit " SOCKIT_VERSION "\n");
				return done();
			}
		} else if (!strcmp(argv[1], "--install")) {
			if (argc == 3)
				return install(argv[0], argv[2]);
			xusage(argc < 3 ? "--install needs a DIR" : "--install takes one DIR");
		} else if (!strcmp(argv[1], "--list")) {
			if (argc == 2) {
				for (i = 0; i < NAPPLETS; i++) {
					say(1, applets[i].name);
					say(1, "\n");
				}
				return done();
			}
		} else if (argv[1][0] == '-') {
			xusage("unknown option '%s'", argv[1]);
		} else {
			ap = find(argv[1]);
			if (!ap)
				xusage("unknown applet '%s'", argv[1]);
			argv++;
			argc--;
		}
		if (!ap)
			xusage("'%s' takes no arguments", argv[1]);
	}
	log_applet = ap->name;
	return ap->main(argc, argv);
}
