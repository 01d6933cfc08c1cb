/* priv.c - --user USER[:GROUP]: a server started as root binds its port, then
 * becomes USER (with USER's primary group, or GROUP) before it serves anyone. */
#define _DEFAULT_SOURCE /* setgroups: not POSIX, but on every system we build for */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "sockit.h"

/* 0 and the ids if the user database has NAME. The static build reads
 * /etc/passwd and /etc/group itself (lib/tiny/passwd.c). */
static int lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
#ifdef SOCKIT_TINY
	return tiny_user(name, uid, gid);
#else
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
#endif
}

static int lookup_group(const char *name, gid_t *gid)
{
#ifdef SOCKIT_TINY
	return tiny_group(name, gid);
#else
	struct group *gr = getgrnam(name);

	if (!gr)
		return -1;
	*gid = gr->gr_gid;
	return 0;
#endif
}

/* A user's (or group's) id from its name or number; -1 if there is none. */
long priv_id(const char *name, int group)
{
	uid_t uid;
	gid_t gid;
	int id;

	if (group ? lookup_group(name, &gid) == 0 : lookup_user(name, &uid, &gid) == 0)
		return group ? (long)gid : (long)uid;
	return opt_parse_int(name, 0, INT_MAX, &id) == 0 ? id : -1;
}

/* USER and GROUP are names or numeric ids; opt names the option (--user,
 * --owner) in messages. */
void xpriv_lookup(struct priv *p, const char *opt, const char *spec)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	long id;
	gid_t gid;

	if (!ulen || ulen >= sizeof(user) || (colon && !colon[1]))
		xusage("bad %s '%s': want USER or USER:GROUP", opt, spec);
	memcpy(user, spec, ulen);
	user[ulen] = 0;
	p->name = spec;
	if (lookup_user(user, &p->uid, &p->gid) < 0) {
		if ((id = priv_id(user, 0)) < 0)
			xusage("%s %s: no such user", opt, user);
		p->uid = (uid_t)id;
		p->gid = (gid_t)id;
	}
	if (colon) {
		if ((id = priv_id(colon + 1, 1)) < 0)
			xusage("%s %s: no such group '%s'", opt, spec, colon + 1);
		gid = (gid_t)id;
		p->gid = gid;
	}
}

void xpriv_drop(const struct priv *p)
{
	if (!p->name)
		return;
	/* Groups first: once the uid is gone, so is the right to change them. */
	if (setgroups(1, &p->gid) < 0 || setgid(p->gid) < 0 || setuid(p->uid) < 0)
		xdie(EXIT_NET, "--user %s: %s", p->name, log_strerror(errno));
	/* A system where root could take root back would make this a pretence. */
	if (p->uid != 0 && setuid(0) == 0)
		xdie(EXIT_NET, "--user %s: could not drop root", p->name);
	log_verbose("running as uid %ld gid %ld", (long)p->uid, (long)p->gid);
}
