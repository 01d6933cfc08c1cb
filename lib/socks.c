/* socks.c - the client side of a proxy for tcp-send --proxy: the URL, and the
 * handshakes of SOCKS5 (RFC 1928, with RFC 1929's username and password),
 * SOCKS4 and 4a, and HTTP CONNECT (Basic authentication). The replies are
 * read exactly, never a byte past them: what follows is the target's. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sockit.h"

static const char *const schemes[] = { "socks5", "socks5h", "socks4", "socks4a", "http" };

/* %XX decoded in place; -1 on a bad escape or an empty result. */
static int unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%') {
			int h = opt_hexval(s[1]), l = h < 0 ? -1 : opt_hexval(s[2]);

			if (l < 0)
				return -1;
			*o++ = (char)(h << 4 | l);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return 0;
}

int proxy_parse_url(const char *url, struct proxy *p)
{
	const char *s = strstr(url, "://"), *at, *hp, *end, *colon;
	char raw[sizeof(p->host)];
	size_t n;
	int i;

	memset(p, 0, sizeof(*p));
	p->kind = -1;
	if (!s)
		return -1;
	for (i = 0; i < 5; i++)
		if ((size_t)(s - url) == strlen(schemes[i]) && !strncmp(url, schemes[i], (size_t)(s - url)))
			p->kind = i;
	if (p->kind < 0)
		return -2;
	s += 3;
	end = s + strlen(s);
	if (end > s && end[-1] == '/')
		end--;
	at = memchr(s, '@', (size_t)(end - s));
	if (at) {
		const char *c = memchr(s, ':', (size_t)(at - s));

		if (!c) /* USER@ alone: no password */
			c = at;
		if ((size_t)(c - s) >= sizeof(p->user) || (c < at && (size_t)(at - c - 1) >= sizeof(p->pass)))
			return -1;
		memcpy(p->user, s, (size_t)(c - s));
		if (c < at)
			memcpy(p->pass, c + 1, (size_t)(at - c - 1));
		if (unescape(p->user) < 0 || unescape(p->pass) < 0 || !p->user[0])
			return -1;
		p->auth = 1;
		s = at + 1;
	}
	/* HOST, [IPV6], then :PORT or nothing */
	hp = s;
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(end - hp));

		if (!rb)
			return -1;
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon && *colon != ':')
			return -1;
	} else {
		colon = memchr(hp, ':', (size_t)(end - hp));
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return -1; /* an IPv6 address without brackets */
	}
	n = (size_t)((colon ? colon : end) - hp);
	if (!n || n >= sizeof(raw) || memchr(hp, '/', n) || memchr(hp, '@', n))
		return -1;
	memcpy(raw, hp, n);
	raw[n] = 0;
	if (!addr_strip_host(raw, p->host, sizeof(p->host))) /* "[::1]" -> "::1" */
		return -1;
	p->port = p->kind == PX_HTTP ? 8080 : 1080;
	if (colon) {
		char port[8];

		n = (size_t)(end - colon - 1);
		if (!n || n >= sizeof(port))
			return -1;
		memcpy(port, colon + 1, n);
		port[n] = 0;
		if ((p->port = addr_parse_port(port, "tcp", 0)) < 0)
			return -1;
	}
	if (p->auth && (p->kind == PX_SOCKS4 || p->kind == PX_SOCKS4A) && p->pass[0])
		return -1; /* SOCKS4 has a user id, no password */
	return 0;
}

void xproxy_url(struct proxy *p, const char *url)
{
	int rc = proxy_parse_url(url, p);

	if (rc == -2)
		xusage("--proxy %s: unknown scheme (socks5, socks5h, socks4, socks4a or http)", url);
	if (rc < 0)
		xusage("--proxy %s: bad URL: want SCHEME://[USER:PASS@]HOST[:PORT]", url);
}

/* Reads and writes of the handshake, within the deadline (0: none). */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd pfd;
	int rc;

	pfd.fd = fd;
	pfd.events = ev;
	do {
		int64_t left = deadline ? deadline - loop_now() : -1;

		if (deadline && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
	} while (rc < 0 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

/* Exactly n bytes written (out) or read; a close before them is EPROTO:
 * not the proxy's protocol. */
static int xfer(int fd, char *p, size_t n, int64_t deadline, int out)
{
	while (n) {
		ssize_t k = out ? write(fd, p, n) : read(fd, p, n);

		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (wait_fd(fd, out ? POLLOUT : POLLIN, deadline) < 0)
				return -1;
			continue;
		}
		if (k < 0)
			return -1;
		if (k == 0) {
			errno = EPROTO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int put(int fd, const void *b, size_t n, int64_t deadline)
{
	return xfer(fd, (char *)(uintptr_t)b, n, deadline, 1);
}

static int get(int fd, void *b, size_t n, int64_t deadline)
{
	return xfer(fd, b, n, deadline, 0);
}

long socks5_reply_len(const unsigned char *b, size_t n)
{
	if (n < 5)
		return 0;
	if (b[0] != 5 || b[2] != 0)
		return -1;
	switch (b[3]) {
	case 1: return 10;
	case 3: return 7 + (long)b[4];
	case 4: return 22;
	default: return b[1] ? 5 : -1; /* a failure may come without an address */
	}
}

const char *socks5_reason(int rep, int *err)
{
	static const char *const why[] = { "succeeded", "general failure",
		"connection not allowed by ruleset", "network unreachable", "host unreachable",
		"connection refused by target", "TTL expired", "command not supported",
		"address type not supported" };

	*err = rep == 5 ? ECONNREFUSED : rep == 6 ? ETIMEDOUT : EPROTO;
	return rep >= 0 && rep <= 8 ? why[rep] : "unknown error";
}

int http_status(const char *line, size_t n, const char **reason)
{
	int code = 0, i;

	/* "HTTP/1.x SSS reason" */
	if (n < 12 || memcmp(line, "HTTP/1.", 7) || line[7] < '0' || line[7] > '9' ||
	    line[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		code = code * 10 + (line[i] - '0');
	}
	if (n > 12 && line[12] != ' ')
		return -1;
	*reason = line + 9;
	return code;
}

/* Base64 for Basic authentication. */
static size_t b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
		    (i + 2 < n ? in[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = 0;
	return o;
}

static int fail(char *why, size_t size, int err, const char *fmt, const char *arg)
{
	fmt_snprintf(why, size, fmt, arg);
	errno = err;
	return -1;
}

static int socks5(int fd, const struct proxy *p, const char *host, int port,
                  const struct sockaddr *ta, int64_t dl, char *why, size_t size)
{
	unsigned char b[600], ip[16];
	size_t n, hl = strlen(host), ul = strlen(p->user), pl = strlen(p->pass);
	long len;
	int err;

	b[0] = 5;
	b[1] = 1;
	b[2] = p->auth ? 2 : 0;
	if (put(fd, b, 3, dl) < 0 || get(fd, b, 2, dl) < 0)
		return -1;
	if (b[0] != 5)
		return fail(why, size, EPROTO, "%s", "bad reply from proxy");
	if (b[1] == 0xff || b[1] != (p->auth ? 2 : 0))
		return fail(why, size, EACCES, "%s", b[1] == 0xff ?
		    "no acceptable authentication method" : "bad reply from proxy");
	if (p->auth) {
		b[0] = 1;
		b[1] = (unsigned char)ul;
		memcpy(b + 2, p->user, ul);
		b[2 + ul] = (unsigned char)pl;
		memcpy(b + 3 + ul, p->pass, pl);
		if (put(fd, b, 3 + ul + pl, dl) < 0 || get(fd, b, 2, dl) < 0)
			return -1;
		if (b[0] != 1)
			return fail(why, size, EPROTO, "%s", "bad reply from proxy");
		if (b[1])
			return fail(why, size, EACCES, "%s", "authentication refused");
	}
	b[0] = 5;
	b[1] = 1;
	b[2] = 0;
	if (ta) {
		int f = acl_key(ta, ip);

		b[3] = f == AF_INET ? 1 : 4;
		n = f == AF_INET ? 4 : 16;
		memcpy(b + 4, ip, n);
	} else {
		b[3] = 3;
		b[4] = (unsigned char)hl;
		memcpy(b + 5, host, hl);
		n = hl + 1;
	}
	b[4 + n] = (unsigned char)(port >> 8);
	b[5 + n] = (unsigned char)port;
	if (put(fd, b, 6 + n, dl) < 0 || get(fd, b, 5, dl) < 0)
		return -1;
	if ((len = socks5_reply_len(b, 5)) < 0)
		return fail(why, size, EPROTO, "%s", "bad reply from proxy");
	if (b[1]) {
		const char *r = socks5_reason(b[1], &err);

		return fail(why, size, err, "%s", r);
	}
	if (get(fd, b + 5, (size_t)len - 5, dl) < 0)
		return -1;
	return 0;
}

static int socks4(int fd, const struct proxy *p, const char *host, int port,
                  const struct sockaddr *ta, int64_t dl, char *why, size_t size)
{
	unsigned char b[600], ip[16];
	size_t n = 8, ul = strlen(p->user), hl = strlen(host);

	b[0] = 4;
	b[1] = 1;
	b[2] = (unsigned char)(port >> 8);
	b[3] = (unsigned char)port;
	if (ta) {
		acl_key(ta, ip);
		memcpy(b + 4, ip, 4);
	} else { /* 4a: 0.0.0.1, and the name after the user id */
		memset(b + 4, 0, 3);
		b[7] = 1;
	}
	memcpy(b + n, p->user, ul + 1);
	n += ul + 1;
	if (!ta) {
		memcpy(b + n, host, hl + 1);
		n += hl + 1;
	}
	if (put(fd, b, n, dl) < 0 || get(fd, b, 8, dl) < 0)
		return -1;
	if (b[0] != 0 || b[1] < 0x5a || b[1] > 0x5d)
		return fail(why, size, EPROTO, "%s", "bad reply from proxy");
	if (b[1] == 0x5b)
		return fail(why, size, EPROTO, "%s", "request rejected or failed");
	if (b[1] != 0x5a)
		return fail(why, size, EACCES, "%s", "request rejected: identd");
	return 0;
}

static int http_connect(int fd, const struct proxy *p, const char *host, int port,
                        int64_t dl, char *why, size_t size)
{
	char req[1400], auth[700], cred[520], line[256];
	const char *reason;
	size_t n, cl, total;
	unsigned tail;
	int code, v6 = strchr(host, ':') != NULL, first = 1;

	auth[0] = 0;
	if (p->auth) {
		cl = (size_t)fmt_snprintf(cred, sizeof(cred), "%s:%s", p->user, p->pass);
		memcpy(auth, "Proxy-Authorization: Basic ", 27);
		b64((const unsigned char *)cred, cl, auth + 27);
		strcat(auth, "\r\n");
	}
	n = (size_t)fmt_snprintf(req, sizeof(req),
	    "CONNECT %s%s%s:%d HTTP/1.1\r\nHost: %s%s%s:%d\r\n%s\r\n", v6 ? "[" : "", host,
	    v6 ? "]" : "", port, v6 ? "[" : "", host, v6 ? "]" : "", port, auth);
	if (put(fd, req, n, dl) < 0)
		return -1;
	/* The headers, to the blank line, a byte at a time (what follows is the
	 * tunnel's); the status line is kept. A proxy may close after it. */
	for (n = 0, tail = 0, total = 0; tail != 0x0d0a0d0a; total++) {
		unsigned char c;

		if (total > 16384)
			return fail(why, size, EPROTO, "%s", "bad reply from proxy");
		if (get(fd, &c, 1, dl) < 0) {
			if (errno != EPROTO)
				return -1;
			if (first)
				return fail(why, size, EPROTO, "%s", "bad reply from proxy");
			break;
		}
		tail = tail << 8 | c;
		if (first && c == '\n')
			first = 0;
		else if (first && c != '\r' && n < sizeof(line) - 1)
			line[n++] = (char)c;
	}
	line[n] = 0;
	code = http_status(line, n, &reason);
	if (code < 0)
		return fail(why, size, EPROTO, "%s", "bad reply from proxy");
	if (code / 100 == 2 && tail == 0x0d0a0d0a)
		return 0;
	return fail(why, size, code == 504 ? ETIMEDOUT : EPROTO, "%s", reason);
}
int proxy_handshake(int fd, const struct proxy *p, const char *host, int port,
                    const struct sockaddr *ta, int64_t deadline, char *why, size_t size)
{
	int rc;

	why[0] = 0;
	if (p->kind == PX_SOCKS5 || p->kind == PX_SOCKS5H)
		rc = socks5(fd, p, host, port, ta, deadline, why, size);
	else if (p->kind == PX_HTTP)
		rc = http_connect(fd, p, host, port, deadline, why, size);
	else
		rc = socks4(fd, p, host, port, ta, deadline, why, size);
	if (rc < 0 && errno == EPROTO && !why[0]) /* closed before its reply ended */
		fail(why, size, EPROTO, "%s", "bad reply from proxy");
	return rc;
}
