/* passwd.c - --user's lookups in the static build: /etc/passwd and
 * /etc/group read directly, as busybox does, instead of musl's getpwnam and
 * getgrnam (4 KiB with the stdio they bring). Like musl's, no NSS. */
#include <string.h>

#include "tiny.h"

struct want {
	const char *name;
	int passwd;             /* passwd: uid and gid follow; group: gid */
	long id, gid;
};

static long number(const char *s)
{
	int n;

	return opt_parse_int(s, 0, INT_MAX, &n) ? -1 : n;
}

static int match(char *line, void *arg)
{
	struct want *w = arg;
	char *p = line;

	if (strcmp(file_field(&p), w->name))
		return 0;
	file_field(&p);
	w->id = number(file_field(&p));
	if (w->passwd)
		w->gid = number(file_field(&p));
	return w->id >= 0 && w->gid >= 0;
}

int tiny_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct want w = { name, 1, -1, -1 };

	if (file_lines("/etc/passwd", match, &w) <= 0)
		return -1;
	*uid = (uid_t)w.id;
	*gid = (gid_t)w.gid;
	return 0;
}

int tiny_group(const char *name, gid_t *gid)
{
	struct want w = { name, 0, -1, 0 };

	if (file_lines("/etc/group", match, &w) <= 0)
		return -1;
	*gid = (gid_t)w.id;
	return 0;
}
