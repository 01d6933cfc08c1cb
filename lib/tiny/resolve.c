/* resolve.c - the static build's getaddrinfo: numeric addresses, /etc/hosts,
 * then DNS over UDP to the nameservers of /etc/resolv.conf; and /etc/services
 * for getservbyname. musl's getaddrinfo with its stdio, qsort and sorting by
 * route costs 17 KiB; this, under 5.
 *
 * It follows musl where the two could differ: resolv.conf's nameserver (up
 * to 3; 127.0.0.1 if none), search or domain, and options ndots:, timeout:
 * and attempts: (defaults 1, 5 s, 2); the timeout is for the whole lookup,
 * the query sent again every timeout/attempts seconds; a name with fewer
 * dots than ndots is tried with each search domain first, then as it is.
 * /etc/hosts is searched first; if it has the name (case does not matter)
 * DNS is not asked. For both families, IPv6 addresses come first when the
 * host has a route to them (a UDP connect tells), as with RFC 6724's
 * default precedence; otherwise IPv4 first. No TCP fallback for a
 * truncated reply: what it holds is used, as musl 1.2.3 does. */
#define _GNU_SOURCE /* EAI_NODATA (glibc), if_nametoindex */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tiny.h"

#define MAXADDRS 48
#define MAXNS 3

struct found {
	int family;
	unsigned char a[16];
	unsigned scope;
};
struct want {
	const char *name;
	int family;               /* AF_UNSPEC, AF_INET or AF_INET6 */
	struct found *f;
	int n;
};

static void add(struct want *w, int family, const void *a, unsigned scope)
{
	if (w->n >= MAXADDRS || (w->family && w->family != family))
		return;
	w->f[w->n].family = family;
	memcpy(w->f[w->n].a, a, family == AF_INET ? 4 : 16);
	w->f[w->n++].scope = scope;
}

/* inet_aton's forms, as getaddrinfo takes them: 1 to 4 parts, each decimal,
 * 0octal or 0xhex; the last fills the bytes that are left. */
static int aton(const char *s, unsigned char *out)
{
	uint64_t v[4];
	int n = 0, i;

	for (;;) {
		int base = 10, digits = 0;

		if (*s == '0') {
			base = 8;
			if (s[1] == 'x' || s[1] == 'X') {
				base = 16;
				s += 2;
			}
		}
		v[n] = 0;
		for (;; s++, digits++) {
			int d = opt_hexval((unsigned char)*s);

			if (d < 0 || d >= base)
				break;
			if ((v[n] = v[n] * (unsigned)base + (unsigned)d) > 0xffffffff)
				return 0;
		}
		if (!digits && base != 8)
			return 0;
		n++;
		if (!*s)
			break;
		if (*s++ != '.' || n == 4)
			return 0;
	}
	for (i = 0; i < n - 1; i++)
		if (v[i] > 255)
			return 0;
	if (v[n - 1] >> (8 * (5 - n)))
		return 0;
	for (i = 0; i < n - 1; i++)
		out[i] = (unsigned char)v[i];
	for (i = 3; i >= n - 1; i--) {
		out[i] = (unsigned char)v[n - 1];
		v[n - 1] >>= 8;
	}
	return 1;
}

/* A numeric address, IPv6 with an optional %scope (a name or a number).
 * Returns its family, or 0 if s is not one. */
static int numeric(const char *s, unsigned char *a, unsigned *scope)
{
	char buf[64];
	const char *pct = strchr(s, '%');
	size_t len = pct ? (size_t)(pct - s) : strlen(s);
	int id;

	*scope = 0;
	if (!pct && aton(s, a))
		return AF_INET;
	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (!addr_pton(AF_INET6, buf, a))
		return 0;
	/* glibc's rule, so that both builds agree: an interface name is a
	 * scope only of a link-local address (fe80::/10, ff01::/16, ff02::/16);
	 * a number is one of any. */
	if (pct) {
		int ll = (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		    (a[0] == 0xff && ((a[1] & 15) == 1 || (a[1] & 15) == 2));

		if (opt_parse_int(pct + 1, 0, INT_MAX, &id) == 0)
			*scope = (unsigned)id;
		else if (!ll || !(*scope = if_nametoindex(pct + 1)))
			return 0;
	}
	return AF_INET6;
}

static int hosts_line(char *line, void *arg)
{
	struct want *w = arg;
	char *p = line, *addr = file_word(&p), *name;
	unsigned char a[16];
	unsigned scope;
	int fam;

	if (!addr)
		return 0;
	while ((name = file_word(&p)))
		if (!strcasecmp(name, w->name)) {
			if ((fam = numeric(addr, a, &scope)))
				add(w, fam, a, scope);
			break;
		}
	return 0;
}

/* resolv.conf */
struct conf {
	struct sockaddr_in6 ns[MAXNS];  /* IPv4 servers as v4-mapped */
	int nns, ndots, timeout, attempts;
	char search[256];
};

static void conf_num(const char *opt, const char *name, int max, int *v)
{
	size_t n = strlen(name);
	int x;

	if (!strncmp(opt, name, n) && opt_parse_int(opt + n, 0, INT_MAX, &x) == 0)
		*v = x > max ? max : x;
}

static int conf_line(char *line, void *arg)
{
	struct conf *c = arg;
	char *p = line, *key = file_word(&p), *v;

	if (!key)
		return 0;
	if (!strcmp(key, "nameserver") && (v = file_word(&p)) && c->nns < MAXNS) {
		struct sockaddr_in6 *sa = &c->ns[c->nns];
		unsigned char a[16];
		unsigned scope;
		int fam = numeric(v, a, &scope);

		if (!fam)
			return 0;
		memset(sa, 0, sizeof(*sa));
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(53);
		sa->sin6_scope_id = scope;
		if (fam == AF_INET) {
			sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
			memcpy(sa->sin6_addr.s6_addr + 12, a, 4);
		} else {
			memcpy(sa->sin6_addr.s6_addr, a, 16);
		}
		c->nns++;
	} else if (!strcmp(key, "options")) {
		while ((v = file_word(&p))) {
			conf_num(v, "ndots:", 15, &c->ndots);
			conf_num(v, "timeout:", 60, &c->timeout);
			conf_num(v, "attempts:", 10, &c->attempts);
		}
	} else if (!strcmp(key, "search") || !strcmp(key, "domain")) {
		size_t len = 0;

		c->search[0] = 0;
		while ((v = file_word(&p)) && len + strlen(v) + 2 < sizeof(c->search)) {
			fmt_snprintf(c->search + len, sizeof(c->search) - len, "%s%s",
			    len ? " " : "", v);
			len = strlen(c->search);
		}
	}
	return 0;
}

/* A query for name (len bytes) and type into q; its length, or 0 if the name
 * cannot be one (an empty label, a label over 63 bytes, over 253 in all). */
static int mkquery(unsigned char *q, const char *name, size_t len, int type, unsigned id)
{
	unsigned char *p = q + 13, *lab = q + 12;
	size_t i;

	if (len > 1 && name[len - 1] == '.') /* "example.com." from a search line */
		len--;
	if (!len || len > 253)
		return 0;
	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 1; /* RD */
	q[5] = 1; /* one question */
	for (i = 0; i <= len; i++, p++) {
		if (i == len || name[i] == '.') {
			size_t l = (size_t)(p - lab - 1);

			if (!l || l > 63)
				return 0;
			*lab = (unsigned char)l;
			lab = p;
		} else {
			*p = (unsigned char)name[i];
		}
	}
	*lab = 0;
	p[0] = 0;
	p[1] = (unsigned char)type;
	p[2] = 0;
	p[3] = 1; /* IN */
	return (int)(p + 4 - q);
}

/* Skip a name in a message; the offset after it, or -1. */
static int skipname(const unsigned char *m, int len, int i)
{
	while (i < len) {
		if (m[i] >= 0xc0)
			return i + 2 <= len ? i + 2 : -1;
		if (m[i] > 63)
			return -1;
		if (!m[i])
			return i + 1;
		i += m[i] + 1;
	}
	return -1;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Adds the addresses in the answer section of r, a reply of rlen bytes to
 * the query q of qlen; -1 if r does not answer q, else its rcode (0; 3: no
 * such name). tests/fuzz/dns.c feeds it. */
static int dns_parse(const unsigned char *r, int rlen, const unsigned char *q, int qlen,
    struct want *w)
{
	int i, n, an;

	if (rlen < qlen || rlen < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80) ||
	    r[4] != 0 || r[5] != 1)
		return -1;
	for (i = 12; i < qlen; i++) /* the question, as asked (case aside) */
		if (lower(r[i]) != lower(q[i]))
			return -1;
	if ((r[3] & 15) != 0)
		return r[3] & 15;
	an = r[6] << 8 | r[7];
	for (i = qlen, n = 0; n < an; n++) {
		int type, rdlen;

		if ((i = skipname(r, rlen, i)) < 0 || i + 10 > rlen)
			break;
		type = r[i] << 8 | r[i + 1];
		rdlen = r[i + 8] << 8 | r[i + 9];
		i += 10;
		if (i + rdlen > rlen)
			break;
		if (r[i - 8] == 0 && r[i - 7] == 1) { /* class IN */
			if (type == 1 && rdlen == 4)
				add(w, AF_INET, r + i, 0);
			else if (type == 28 && rdlen == 16)
				add(w, AF_INET6, r + i, 0);
		}
		i += rdlen;
	}
	return 0;
}

/* Server s as a socket of family fam addresses it (IPv4 servers are kept
 * v4-mapped); its length, 0 if that socket cannot reach it. */
static socklen_t ns_addr(const struct conf *c, int s, int fam, struct sockaddr_in6 *out)
{
	const struct sockaddr_in6 *ns = &c->ns[s];
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	*out = *ns;
	if (fam == AF_INET6)
		return sizeof(*out);
	if (!IN6_IS_ADDR_V4MAPPED(&ns->sin6_addr))
		return 0;
	memset(out, 0, sizeof(*out));
	s4->sin_family = AF_INET;
	s4->sin_port = ns->sin6_port;
	memcpy(&s4->sin_addr, ns->sin6_addr.s6_addr + 12, 4);
	return sizeof(*s4);
}

/* A reply counts only from a server we asked: its port and address. */
static int from_ns(const struct conf *c, int fam, const struct sockaddr_in6 *from)
{
	struct sockaddr_in6 ns;
	int s;

	for (s = 0; s < c->nns; s++)
		if (ns_addr(c, s, fam, &ns) && ns.sin6_port == from->sin6_port &&
		    !(fam == AF_INET6 ? memcmp(&ns.sin6_addr, &from->sin6_addr, 16) :
		      memcmp(&((struct sockaddr_in *)&ns)->sin_addr,
		          &((const struct sockaddr_in *)from)->sin_addr, 4)))
			return 1;
	return 0;
}

/* Ask the nameservers for name (len bytes): 0 with the addresses in w, or an
 * EAI_ code. */
static int ask(const struct conf *c, const char *name, size_t len, struct want *w)
{
	unsigned char q[2][280], r[1232];
	int qlen[2], done[2] = { 0, 0 }, rcode[2] = { -1, -1 }, nq = 0, fd, i, fam;
	int64_t end, next = 0, step;
	unsigned id = (unsigned)loop_now() ^ (unsigned)getpid() << 8;
	struct sockaddr_in6 sa;

	for (i = 0; i < 2; i++) /* A, AAAA */
		if (w->family != (i ? AF_INET : AF_INET6)) {
			qlen[nq] = mkquery(q[nq], name, len, i ? 28 : 1, id + (unsigned)nq);
			if (!qlen[nq++])
				return EAI_NONAME;
		}
	/* One socket: IPv6, with IPv4 servers v4-mapped, unless there is none. */
	fam = AF_INET6;
	if ((fd = sock_open(AF_INET6, SOCK_DGRAM)) >= 0) {
		int off = 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	} else {
		fam = AF_INET;
		fd = sock_open(AF_INET, SOCK_DGRAM);
	}
	if (fd < 0)
		return EAI_SYSTEM;
	end = loop_now() + (int64_t)c->timeout * 1000;
	step = (int64_t)c->timeout * 1000 / (c->attempts ? c->attempts : 1);
	while (!(done[0] && (nq < 2 || done[1]))) {
		int64_t t = loop_now();
		struct pollfd pfd = { fd, POLLIN, 0 };
		socklen_t sl = sizeof(sa);
		ssize_t n;

		if (t >= end)
			break;
		if (t >= next) { /* (again) to every server, both queries */
			int k;

			for (i = 0; i < c->nns; i++) {
				socklen_t len = ns_addr(c, i, fam, &sa);

				for (k = 0; k < nq && len; k++)
					if (!done[k])
						sendto(fd, q[k], (size_t)qlen[k], 0,
						    (struct sockaddr *)&sa, len);
			}
			next = t + step;
		}
		if (poll(&pfd, 1, (int)((next < end ? next : end) - t)) <= 0)
			continue;
		n = recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&sa, &sl);
		if (n <= 0 || !from_ns(c, fam, &sa))
			continue;
		for (i = 0; i < nq; i++) {
			int rc;

			if (done[i])
				continue;
			rc = dns_parse(r, (int)n, q[i], qlen[i], w);
			if (rc == 0 || rc == 3) { /* other rcodes: another server may know */
				done[i] = 1;
				rcode[i] = rc;
			}
		}
	}
	close(fd);
	if (w->n) /* one family's addresses: enough, though the other's query failed */
		return 0;
	for (i = 0; i < nq; i++)
		if (!done[i])
			return EAI_AGAIN;
	for (i = 0; i < nq; i++)
		if (rcode[i] == 3)
			return EAI_NONAME;
	return EAI_NODATA;
}

/* The name with each search domain, then as it is. */
static int dns(struct want *w)
{
	struct conf c;
	char fq[256];
	const char *name = w->name, *d;
	size_t len = strlen(name), dots = 0, i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.ndots = 1;
	c.timeout = 5;
	c.attempts = 2;
	file_lines("/etc/resolv.conf", conf_line, &c);
	if (!c.nns) {
		c.ns[0].sin6_family = AF_INET6;
		c.ns[0].sin6_port = htons(53);
		c.ns[0].sin6_addr.s6_addr[10] = c.ns[0].sin6_addr.s6_addr[11] = 0xff;
		c.ns[0].sin6_addr.s6_addr[12] = 127;
		c.ns[0].sin6_addr.s6_addr[15] = 1;
		c.nns = 1;
	}
	for (i = 0; i < len; i++)
		dots += name[i] == '.';
	if (len && name[len - 1] == '.') {
		len--;
	} else if (dots < (size_t)c.ndots) {
		for (d = c.search; *d; ) {
			size_t dl = strcspn(d, " ");

			if (fmt_snprintf(fq, sizeof(fq), "%.*s.%.*s", (int)len, name, (int)dl, d) <
			    (int)sizeof(fq)) {
				rc = ask(&c, fq, strlen(fq), w);
				if (rc != EAI_NONAME && rc != EAI_NODATA)
					return rc;
			}
			d += dl;
			d += *d == ' ';
		}
	}
	return ask(&c, name, len, w);
}

/* RFC 6724's default precedence, for the order of the addresses found. */
static int precedence(const struct found *f)
{
	const unsigned char *a = f->a;
	static const unsigned char one[16] = { [15] = 1 };

	if (f->family == AF_INET)
		return 35;
	if (!memcmp(a, one, 16))
		return 50;
	if (a[0] == 0x20 && a[1] == 0x02)
		return 30;
	if (a[0] == 0x20 && a[1] == 0x01 && !a[2] && !a[3])
		return 5;
	if ((a[0] & 0xfe) == 0xfc)
		return 3;
	if ((a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) || (a[0] == 0x3f && a[1] == 0xfe))
		return 1;
	return 40;
}

static void to_sockaddr(const struct found *f, int port, struct sockaddr_in6 *s6)
{
	memset(s6, 0, sizeof(*s6));
	if (f->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)s6;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, f->a, 4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		memcpy(&s6->sin6_addr, f->a, 16);
		s6->sin6_scope_id = f->scope;
	}
}

static socklen_t salen(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* A destination the host has a route to: a UDP socket connects to it. */
static int reachable(const struct found *f)
{
	struct sockaddr_in6 sa;
	int fd = socket(f->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	to_sockaddr(f, 65535, &sa);
	ok = connect(fd, (struct sockaddr *)&sa, salen(f->family)) == 0;
	close(fd);
	return ok;
}

struct tiny_ai {
	struct addrinfo ai;
	struct sockaddr_in6 sa;
};

int tiny_getaddrinfo(const char *host, int port, int family, int socktype,
    struct addrinfo **res)
{
	struct found f[MAXADDRS];
	int key[MAXADDRS];
	struct want w = { host, family, f, 0 };
	struct tiny_ai *out;
	unsigned char a[16];
	unsigned scope;
	int fam, i, j, rc = 0;

	if (!host || !*host)
		return EAI_NONAME;
	if ((fam = numeric(host, a, &scope))) {
		add(&w, fam, a, scope);
	} else {
		for (i = 0; host[i]; i++)
			if (!((unsigned char)host[i] >= 0x80 || host[i] == '.' || host[i] == '-' ||
			      host[i] == '_' || (host[i] >= '0' && host[i] <= '9') ||
			      ((host[i] | 0x20) >= 'a' && (host[i] | 0x20) <= 'z')))
				return EAI_NONAME;
		file_lines("/etc/hosts", hosts_line, &w);
		if (!w.n)
			rc = dns(&w);
	}
	if (!w.n)
		return rc ? rc : EAI_NONAME;
	for (i = 0; i < w.n; i++) /* a stable insertion sort, best first */
		key[i] = (w.n > 1 && reachable(&f[i])) << 8 | precedence(&f[i]);
	for (i = 1; i < w.n; i++)
		for (j = i; j > 0 && key[j] > key[j - 1]; j--) {
			struct found t = f[j];
			int k = key[j];

			f[j] = f[j - 1];
			key[j] = key[j - 1];
			f[j - 1] = t;
			key[j - 1] = k;
		}
	if (!(out = calloc((size_t)w.n, sizeof(*out))))
		return EAI_MEMORY;
	for (i = 0; i < w.n; i++) {
		to_sockaddr(&f[i], port, &out[i].sa);
		out[i].ai.ai_family = f[i].family;
		out[i].ai.ai_socktype = socktype;
		out[i].ai.ai_protocol = socktype == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		out[i].ai.ai_addrlen = salen(f[i].family);
		out[i].ai.ai_addr = (struct sockaddr *)&out[i].sa;
		out[i].ai.ai_next = i + 1 < w.n ? &out[i + 1].ai : NULL;
	}
	*res = &out[0].ai;
	return 0;
}


struct serv {
	const char *name, *proto;
	int port;
};

static int serv_line(char *line, void *arg)
{
	struct serv *s = arg;
	char *p = line, *name = file_word(&p), *pp = file_word(&p), *slash, *alias;
	int port;

	if (!name || !pp || !(slash = strchr(pp, '/')) || strcmp(slash + 1, s->proto))
		return 0;
	*slash = 0;
	if (opt_parse_int(pp, 0, 65535, &port) < 0)
		return 0;
	for (alias = name; alias; alias = file_word(&p))
		if (!strcmp(alias, s->name)) {
			s->port = port;
			return 1;
		}
	return 0;
}

int tiny_service(const char *name, const char *proto)
{
	struct serv s = { name, proto, -1 };

	file_lines("/etc/services", serv_line, &s);
	return s.port;
}
