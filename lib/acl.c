/* acl.c - --allow / --deny CIDR rules for the servers. The rule with the
 * longest prefix that matches a client decides (a deny on a tie); a client no
 * rule matches is let in unless some --allow was given. IPv4 rules match IPv4
 * clients, v4-mapped ones included; IPv6 rules match IPv6 clients. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

/* "ADDR" or "ADDR/LEN", ADDR an IPv4 or IPv6 literal (IPv6 may stand in
 * brackets: "[::1]/128"). Host bits past LEN are cleared. -1 on bad text. */
int acl_parse(const char *s, struct acl_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strrchr(s, '/'), *a = s;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max, i;

	if (alen >= 2 && s[0] == '[' && s[alen - 1] == ']') {
		a = s + 1;
		alen -= 2;
	}
	if (!alen || alen >= sizeof(buf))
		return -1;
	memcpy(buf, a, alen);
	buf[alen] = 0;
	memset(r, 0, sizeof(*r));
	if (addr_pton(AF_INET, buf, r->addr)) {
		if (a != s)
			return -1; /* brackets are for IPv6 */
		r->family = AF_INET;
		max = 32;
	} else if (addr_pton(AF_INET6, buf, r->addr)) {
		r->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	r->bits = max;
	if (slash && opt_parse_int(slash + 1, 0, max, &r->bits) < 0)
		return -1;
	/* ::ffff:a.b.c.d/N is the IPv4 rule a.b.c.d/N-96. */
	if (r->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)r->addr) &&
	    r->bits >= 96) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->bits -= 96;
	}
	for (i = 0; i < 16; i++) {
		int keep = r->bits - 8 * i;

		if (keep <= 0)
			r->addr[i] = 0;
		else if (keep < 8)
			r->addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
	return 0;
}

void xacl_add(struct acl *acl, const char *s, int allow)
{
	struct acl_rule r;

	if (acl_parse(s, &r) < 0)
		xusage("bad %s '%s': want ADDR or ADDR/LEN, IPv4 or IPv6", allow ? "--allow" : "--deny", s);
	r.allow = allow;
	if (acl->n == acl->cap) {
		int cap = acl->cap ? acl->cap * 2 : 8;
		struct acl_rule *nr = realloc(acl->rules, (size_t)cap * sizeof(*nr));

		if (!nr)
			xdie(EXIT_NET, "out of memory");
		acl->rules = nr;
		acl->cap = cap;
	}
	acl->rules[acl->n++] = r;
	if (allow)
		acl->nallow++;
}

/* The client's address as a rule would name it: family and 4 or 16 bytes. */
int acl_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, a->s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(key, a->s6_addr, 16);
		return AF_INET6;
	}
	return 0;
}

static int matches(const struct acl_rule *r, int family, const unsigned char *key)
{
	int full = r->bits / 8, rest = r->bits % 8;

	if (r->family != family || memcmp(r->addr, key, (size_t)full))
		return 0;
	return !rest || !((r->addr[full] ^ key[full]) & (0xff << (8 - rest)));
}

/* 1: the client may come in; 0: it is refused. */
int acl_permits(const struct acl *acl, const struct sockaddr *sa)
{
	unsigned char key[16];
	int family = acl_key(sa, key), best = -1, allow = acl->nallow == 0, i;

	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *r = &acl->rules[i];

		if (!matches(r, family, key))
			continue;
		if (r->bits > best || (r->bits == best && !r->allow)) {
			best = r->bits;
			allow = r->allow;
		}
	}
	return allow;
}
