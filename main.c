/* main.c - dispatch only: "sockit APPLET ..." or a link named after the applet. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
	    "       sockit --list | --help | --version\n\n"
	    "Applets (sockit APPLET --help for each):\n");
	for (i = 0; i < NAPPLETS; i++) {
		snprintf(line, sizeof(line), "  %-11s %s\n", applets[i].name, applets[i].summary);
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
