/* files.c - the line-by-line reading of /etc files that the static build's
 * resolver and user lookup need, without stdio. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tiny.h"

#define LINE_MAX_LEN 1024

int file_lines(const char *path, int (*fn)(char *line, void *arg), void *arg)
{
	char buf[LINE_MAX_LEN + 1];
	size_t fill = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0, eof = 0, skip = 0;

	if (fd < 0)
		return -1;
	while (!rc && (!eof || fill)) {
		char *nl;

		if (!eof && fill < LINE_MAX_LEN) {
			ssize_t n = io_read(fd, buf + fill, LINE_MAX_LEN - fill);

			if (n < 0) {
				rc = -1;
				break;
			}
			eof = n == 0;
			fill += (size_t)n;
		}
		nl = memchr(buf, '\n', fill);
		if (!nl && !eof && fill < LINE_MAX_LEN)
			continue;
		if (!nl)
			nl = buf + (fill < LINE_MAX_LEN ? fill : LINE_MAX_LEN);
		*nl = 0;
		if (!skip)
			rc = fn(buf, arg);
		/* a cut line: what follows, up to its newline, is not a line */
		skip = nl == buf + LINE_MAX_LEN;
		if (nl < buf + fill)
			nl++;
		fill -= (size_t)(nl - buf);
		memmove(buf, nl, fill);
	}
	close(fd);
	return rc;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

char *file_word(char **p)
{
	char *s = *p, *w;

	while (blank(*s))
		s++;
	if (!*s || *s == '#')
		return NULL;
	for (w = s; *s && !blank(*s) && *s != '#'; s++)
		;
	if (*s == '#')
		*s = 0; /* "name#comment": the comment ends the line */
	else if (*s)
		*s++ = 0;
	*p = s;
	return w;
}

char *file_field(char **p)
{
	char *s = *p, *e = strchr(s, ':');

	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}
