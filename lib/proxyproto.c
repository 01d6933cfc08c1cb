/* proxyproto.c - the PROXY protocol (HAProxy's doc/proxy-protocol.txt),
 * versions 1 (text) and 2 (binary): build a header for --send-proxy, and read
 * one off a new connection for --accept-proxy without taking a byte past it. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "sockit.h"

static const unsigned char sig2[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* An address as the header carries it: IPv4 (v4-mapped IPv6 too) or IPv6. */
static int pp_family(const struct sockaddr *sa, unsigned char ip[16])
{
	int f = acl_key(sa, ip);

	return f == AF_INET || f == AF_INET6 ? f : 0;
}

size_t pp_build(int version, const struct sockaddr *src, const struct sockaddr *dst,
                unsigned char *out)
{
	unsigned char s[16], d[16];
	int f = pp_family(src, s), fd = pp_family(dst, d);
	size_t alen;

	if (!fd)
		f = 0;
	if (f && fd != f) { /* only from a PROXY header that mixed them: all IPv6 */
		unsigned char *v4 = f == AF_INET ? s : d;

		memmove(v4 + 12, v4, 4);
		memset(v4, 0, 10);
		v4[10] = v4[11] = 0xff;
		f = AF_INET6;
	}
	if (version == 1) {
		char sa[ADDR_STRLEN], da[ADDR_STRLEN];

		if (!f)
			return (size_t)fmt_snprintf((char *)out, PP_MAX, "PROXY UNKNOWN\r\n");
		addr_ntop(f, s, sa, sizeof(sa));
		addr_ntop(f, d, da, sizeof(da));
		return (size_t)fmt_snprintf((char *)out, PP_MAX, "PROXY TCP%c %s %s %d %d\r\n",
		    f == AF_INET ? '4' : '6', sa, da, addr_port(src), addr_port(dst));
	}
	memcpy(out, sig2, 12);
	out[12] = f ? 0x21 : 0x20;          /* version 2; PROXY, or LOCAL */
	out[13] = f == AF_INET ? 0x11 : f == AF_INET6 ? 0x21 : 0x00;
	alen = f == AF_INET ? 4 : f == AF_INET6 ? 16 : 0;
	out[14] = 0;
	out[15] = (unsigned char)(alen ? 2 * alen + 4 : 0);
	if (alen) {
		unsigned sp = (unsigned)addr_port(src), dp = (unsigned)addr_port(dst);

		memcpy(out + 16, s, alen);
		memcpy(out + 16 + alen, d, alen);
		out[16 + 2 * alen] = (unsigned char)(sp >> 8);
		out[17 + 2 * alen] = (unsigned char)sp;
		out[18 + 2 * alen] = (unsigned char)(dp >> 8);
		out[19 + 2 * alen] = (unsigned char)dp;
	}
	return 16 + (alen ? 2 * alen + 4 : 0);
}

/* The length of the header that b[0..n) begins: -1 when it cannot be one,
 * 0 when more bytes are needed to tell. */
long pp_length(const unsigned char *b, size_t n)
{
	size_t i;

	if (n && b[0] == 'P') {
		for (i = 0; i < n && i < 6; i++)
			if (b[i] != (unsigned char)"PROXY "[i])
				return -1;
		for (i = 6; i + 1 < n && i + 1 < PP_V1MAX; i++)
			if (b[i] == '\r' && b[i + 1] == '\n')
				return (long)i + 2;
		return n >= PP_V1MAX ? -1 : 0;
	}
	for (i = 0; i < n && i < 12; i++)
		if (b[i] != sig2[i])
			return -1;
	if (n < 16)
		return 0;
	if ((b[12] & 0xf0) != 0x20 || (b[12] & 0x0f) > 1)
		return -1;
	return 16 + ((long)b[14] << 8 | b[15]);
}

/* A decimal port of the v1 text: 0-65535, digits only. */
static int v1_port(const char *s, size_t len)
{
	size_t i;
	long v = 0;

	if (!len || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 65535 ? -1 : (int)v;
}

static void set_addr(struct sockaddr_storage *ss, int family, const void *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, ip, 4);
		a->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, ip, 16);
		a->sin6_port = htons((uint16_t)port);
	}
}

/* "PROXY TCP4 SRC DST SPORT DPORT\r\n", fields one space apart. */
static const char *parse_v1(const char *b, size_t n, struct pp_addr *a)
{
	const char *f[4], *end = b + n - 2;
	size_t flen[4];
	unsigned char ip[2][16];
	char text[ADDR_STRLEN];
	int i, family, port[2];

	if (n >= 15 && !memcmp(b + 6, "UNKNOWN", 7) && (b[13] == ' ' || b[13] == '\r'))
		return NULL; /* the rest of the line is to be ignored */
	if (n < 11 || memcmp(b + 6, "TCP", 3) || (b[9] != '4' && b[9] != '6') || b[10] != ' ')
		return "bad PROXY v1 protocol";
	family = b[9] == '4' ? AF_INET : AF_INET6;
	b += 11;
	for (i = 0; i < 4; i++) {
		const char *sp = b;

		while (sp < end && *sp != ' ')
			sp++;
		f[i] = b;
		flen[i] = (size_t)(sp - b);
		if ((i < 3) != (sp < end) || !flen[i])
			return "bad PROXY v1 line";
		b = sp + 1;
	}
	for (i = 0; i < 2; i++) {
		if (flen[i] >= sizeof(text))
			return "bad PROXY v1 address";
		memcpy(text, f[i], flen[i]);
		text[flen[i]] = 0;
		if (!addr_pton(family, text, ip[i]))
			return "bad PROXY v1 address";
		if ((port[i] = v1_port(f[i + 2], flen[i + 2])) < 0)
			return "bad PROXY v1 port";
	}
	a->family = family;
	set_addr(&a->src, family, ip[0], port[0]);
	set_addr(&a->dst, family, ip[1], port[1]);
	return NULL;
}

/* What a v2 family's address block takes: INET, INET6, UNIX; UNSPEC none. */
static size_t v2_addrlen(unsigned char fam)
{
	static const unsigned char len[4] = { 0, 12, 36, 216 };

	return len[(fam >> 4) & 3];
}

/* The TLVs after v2's addresses: a type, a 16-bit length, that many bytes.
 * They are walked as they are read (a header may be longer than what is
 * kept), so that a length that lies is caught at the header's end. */
static void tlv_walk(struct pp_reader *r, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, r->got++) {
		if (r->got < r->tlv_start)
			continue;
		if (r->tlv_skip) {
			r->tlv_skip--;
		} else if (++r->tlv_hdr == 2) {
			r->tlv_len = p[i];
		} else if (r->tlv_hdr == 3) {
			r->tlv_hdr = 0;
			r->tlv_skip = (size_t)r->tlv_len << 8 | p[i];
		}
	}
}

/* Once the length is known: the fixed part must make sense, and a PROXY
 * header's address block must fit in it. */
static const char *v2_known(struct pp_reader *r)
{
	const unsigned char *b = r->b;
	size_t alen = v2_addrlen(b[13]);

	if ((b[13] >> 4) > 3 || (b[13] & 0x0f) > 2)
		return "bad PROXY v2 address family";
	if ((b[12] & 0x0f) == 1 && (size_t)r->len < 16 + alen)
		return "PROXY v2 addresses longer than the header";
	r->tlv_start = 16 + alen;
	return NULL;
}

static const char *parse_v2(struct pp_reader *r)
{
	const unsigned char *b = r->b, *pt;
	size_t alen = (b[13] >> 4) == 1 ? 4 : 16;
	int family = alen == 4 ? AF_INET : AF_INET6;

	if (r->tlv_hdr || r->tlv_skip)
		return "PROXY v2 TLV longer than its header";
	/* LOCAL, and the families not relayed (UNSPEC, UNIX): the socket's own
	 * addresses stand. */
	if ((b[12] & 0x0f) == 0 || (b[13] >> 4) == 0 || (b[13] >> 4) == 3)
		return NULL;
	pt = b + 16 + 2 * alen;
	r->a.family = family;
	set_addr(&r->a.src, family, b + 16, pt[0] << 8 | pt[1]);
	set_addr(&r->a.dst, family, b + 16 + alen, pt[2] << 8 | pt[3]);
	return NULL;
}

int pp_feed(struct pp_reader *r, const unsigned char *p, size_t n, size_t *used)
{
	size_t i = 0;

	*used = 0;
	while (i < n && (!r->len || r->got < (size_t)r->len)) {
		size_t want;

		if (!r->len) {
			/* A byte at a time until the length is known: at most
			 * PP_V1MAX of them, none past a v1 line's end. */
			r->b[r->got++] = p[i++];
			r->len = pp_length(r->b, r->got);
			if (r->len < 0)
				r->why = "not a PROXY protocol header";
			else if (r->len && r->b[0] != 'P')
				r->why = v2_known(r);
			if (r->why)
				return -1;
			continue;
		}
		want = (size_t)r->len - r->got;
		if (want > n - i)
			want = n - i;
		if (r->got < PP_MAX)
			memcpy(r->b + r->got, p + i,
			    want < PP_MAX - r->got ? want : PP_MAX - r->got);
		tlv_walk(r, p + i, want);
		i += want;
	}
	*used = i;
	if (!r->len || r->got < (size_t)r->len)
		return 0;
	r->why = r->b[0] == 'P' ? parse_v1((const char *)r->b, r->got, &r->a) : parse_v2(r);
	return r->why ? -1 : 1;
}

int pp_read(int fd, struct pp_reader *r)
{
	for (;;) {
		unsigned char buf[512];
		size_t used, want = r->len ? (size_t)r->len - r->got : PP_V1MAX - r->got;
		int peek = !r->len, rc;
		ssize_t n;

		/* Until the length is known, look before taking: a v1 line may
		 * end anywhere, and what follows it is the client's. */
		if (want > sizeof(buf))
			want = sizeof(buf);
		do
			n = recv(fd, buf, want, peek ? MSG_PEEK : 0);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			r->why = n ? log_strerror(errno) : "closed before its PROXY header ended";
			return -1;
		}
		rc = pp_feed(r, buf, (size_t)n, &used);
		if (rc >= 0 && peek && used) {
			ssize_t m;

			do
				m = recv(fd, buf, used, 0);
			while (m < 0 && errno == EINTR);
			if (m != (ssize_t)used) {
				r->why = m < 0 ? log_strerror(errno) : "short read";
				return -1;
			}
		}
		if (rc)
			return rc;
	}
}
