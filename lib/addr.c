/* addr.c - ports and hosts as users write them, getaddrinfo, and addresses shown
 * numerically ("127.0.0.1:80", "[::1]:80"; a v4-mapped address as plain IPv4). */
#ifdef __linux__
#define _GNU_SOURCE /* EAI_NODATA, EAI_ADDRFAMILY: glibc returns them */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

/* Decimal 1-65535 (0 too, for servers) or a service name; -1 otherwise. */
int addr_parse_port(const char *s, const char *proto, int allow_zero)
{
	const char *p;
	long v = 0;

	if (!*s)
		return -1;
	if (*s >= '0' && *s <= '9') {
		for (p = s; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (*p - '0');
			if (v > 65535)
				return -1;
		}
		if (*p || (v == 0 && !allow_zero))
			return -1;
		return (int)v;
	}
	for (p = s; *p; p++) /* a service name: letters, digits, '-', '_', '.' */
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return -1;
	{
#ifdef SOCKIT_TINY
		return tiny_service(s, proto);
#else
		struct servent *se = getservbyname(s, proto);

		if (!se)
			return -1;
		return ntohs((unsigned short)se->s_port);
#endif
	}
}

/* "[::1]" -> "::1"; NULL for an empty host or unbalanced brackets. */
const char *addr_strip_host(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);

	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']' || len - 2 >= size ||
		    memchr(s + 1, '[', len - 2) || memchr(s + 1, ']', len - 2))
			return NULL;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = 0;
		return buf;
	}
	if (!len || len >= size || strchr(s, ']') || strchr(s, '['))
		return NULL;
	memcpy(buf, s, len + 1);
	return buf;
}

int addr_resolve(const char *host, int port, int family, int socktype, int passive,
                 struct addrinfo **res)
{
#ifdef SOCKIT_TINY
	(void)passive;
	return tiny_getaddrinfo(host, port, family, socktype, res);
#else
	struct addrinfo hints;
	char serv[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	fmt_snprintf(serv, sizeof(serv), "%d", port);
	return getaddrinfo(host, serv, &hints, res);
#endif
}

void addr_free(struct addrinfo *ai)
{
#ifdef SOCKIT_TINY
	free(ai); /* one block */
#else
	freeaddrinfo(ai);
#endif
}

/* One wording in every build (glibc and musl word these differently). */
static const char *gai_text(int rc)
{
	switch (rc) {
	case EAI_NONAME: return "name does not resolve";
	case EAI_AGAIN: return "temporary failure in name resolution";
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return "no address associated with hostname";
	}
	return "name resolution failed";
}

struct addrinfo *xresolve(const char *host, int port, int family, int socktype, int passive)
{
	struct addrinfo *res = NULL;
	int rc = addr_resolve(host, port, family, socktype, passive, &res);

	if (rc == EAI_SYSTEM)
		xdie(EXIT_RESOLVE, "resolve %s: %s", host, log_strerror(errno));
	if (rc)
		xdie(EXIT_RESOLVE, "resolve %s: %s%s", host, gai_text(rc),
		    family == AF_INET ? " (IPv4 only, -4)" :
		    family == AF_INET6 ? " (IPv6 only, -6)" : "");
	return res;
}

int xparse_port(const char *s, const char *proto, int allow_zero)
{
	int port = addr_parse_port(s, proto, allow_zero);

	if (port < 0)
		xusage("bad port '%s': want %s65535 or a service name", s,
		    allow_zero ? "0-" : "1-");
	return port;
}

const char *xparse_host(const char *s, char *buf, size_t size)
{
	const char *h = addr_strip_host(s, buf, size);

	if (!h)
		xusage("bad host '%s'", s);
	return h;
}

/* inet_pton: IPv4 as four decimal bytes, no leading zeros; IPv6 as eight
 * groups of up to four hex digits, one "::" for a run of zero groups, the
 * last 32 bits in IPv4 form if wanted. 1 and the bytes in out, or 0 (out
 * untouched). */
static int pton4(const char *s, unsigned char *out)
{
	unsigned char a[4];
	int n = 0, v = -1;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (v == 0 || (v = (v < 0 ? 0 : v * 10) + (*s - '0')) > 255)
				return 0;
		} else if ((*s == '.' || !*s) && v >= 0 && n < 4) {
			a[n++] = (unsigned char)v;
			v = -1;
			if (!*s && n == 4)
				memcpy(out, a, 4);
			if (!*s)
				return n == 4;
		} else {
			return 0;
		}
	}
}

int addr_pton(int family, const char *s, void *out)
{
	unsigned char a[16];
	const char *tok = s;
	int n = 0, gap = -1, digits = 0, d;
	unsigned v = 0;
	char c;

	if (family == AF_INET)
		return pton4(s, out);
	if (*s == ':' && *++s != ':') /* a leading ':' only as "::" */
		return 0;
	while ((c = *s++)) {
		if ((d = opt_hexval((unsigned char)c)) >= 0) {
			if (++digits > 4)
				return 0;
			v = v << 4 | (unsigned)d;
		} else if (c == '.') {
			if (n > 12 || !pton4(tok, a + n))
				return 0;
			n += 4;
			digits = 0;
			break;
		} else if (c != ':') {
			return 0;
		} else if (!digits) {
			if (gap >= 0)
				return 0;
			gap = n;
			tok = s;
		} else {
			if (!*s || n > 14) /* no trailing single ':' */
				return 0;
			a[n++] = (unsigned char)(v >> 8);
			a[n++] = (unsigned char)v;
			digits = 0;
			v = 0;
			tok = s;
		}
	}
	if (digits) {
		if (n > 14)
			return 0;
		a[n++] = (unsigned char)(v >> 8);
		a[n++] = (unsigned char)v;
	}
	if (gap >= 0) {
		if (n == 16)
			return 0;
		memmove(a + 16 - (n - gap), a + gap, (size_t)(n - gap));
		memset(a + gap, 0, (size_t)(16 - n));
	} else if (n != 16) {
		return 0;
	}
	memcpy(out, a, 16);
	return 1;
}

/* inet_ntop's text: dotted IPv4; IPv6 as eight groups of lowercase hex with
 * the first longest run of two or more zero groups written "::" (RFC 5952). */
void addr_ntop(int family, const void *a, char *buf, size_t size)
{
	const unsigned char *b = a;
	int best = -1, bestlen = 1, i, k = 0;

	if (family == AF_INET) {
		fmt_snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return;
	}
	for (i = 0; i < 8; i++) {
		int j = i;

		while (j < 8 && !b[2 * j] && !b[2 * j + 1])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		if (j > i)
			i = j - 1;
	}
	if (size)
		buf[0] = 0;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			k += fmt_snprintf(buf + k, size > (size_t)k ? size - k : 0, i ? ":" : "::");
			i += bestlen - 1;
			continue;
		}
		k += fmt_snprintf(buf + k, size > (size_t)k ? size - k : 0, "%x%s",
		    (unsigned)(b[2 * i] << 8 | b[2 * i + 1]), i < 7 ? ":" : "");
	}
}

void addr_ip(const struct sockaddr *sa, char *buf, size_t size)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			addr_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, buf, size);
		else
			addr_ntop(AF_INET6, &s6->sin6_addr, buf, size);
	} else if (sa->sa_family == AF_INET) {
		addr_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, size);
	} else {
		fmt_snprintf(buf, size, "?");
	}
}

int addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return 0;
}

void addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_UNIX || sa->sa_family == AF_UNSPEC) { /* unnamed: "-" */
		unix_format(sa, buf, size);
		return;
	}
	addr_ip(sa, ip, sizeof(ip));
	if (strchr(ip, ':'))
		fmt_snprintf(buf, size, "[%s]:%d", ip, addr_port(sa));
	else
		fmt_snprintf(buf, size, "%s:%d", ip, addr_port(sa));
}
