/* socks.c - fuzz the proxy URL parser and the reply parsers of lib/socks.c:
 * a URL that parses has a scheme, a host and a port in range, and parses to
 * the same again when rebuilt; SOCKS5 reply lengths and HTTP status lines
 * never read past what they are given. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), url[1200];
	const char *reason;
	struct proxy p, q;
	long len;
	int code, err;

	if (proxy_parse_url(s, &p) == 0) {
		if (p.kind < PX_SOCKS5 || p.kind > PX_HTTP || !p.host[0] || p.port < 1 ||
		    p.port > 65535 || (p.auth && !p.user[0]))
			abort();
		/* Rebuilt without the credentials, which may hold any byte. */
		fmt_snprintf(url, sizeof(url), "%s://%s%s%s:%d",
		    (const char *[]){ "socks5", "socks5h", "socks4", "socks4a", "http" }[p.kind],
		    strchr(p.host, ':') ? "[" : "", p.host, strchr(p.host, ':') ? "]" : "", p.port);
		if (proxy_parse_url(url, &q) != 0 || q.kind != p.kind || q.port != p.port ||
		    strcmp(q.host, p.host))
			abort();
	}
	len = socks5_reply_len(data, size);
	if (len > 0 && len < 5)
		abort();
	if (size >= 2)
		socks5_reason(data[1], &err);
	code = http_status(s, strlen(s), &reason);
	if (code >= 0 && (code > 999 || reason < s || reason > s + strlen(s)))
		abort();
	free(s);
	return 0;
}
