/* dns.c - fuzz the static build's resolver parsers (lib/tiny/resolve.c):
 * DNS replies, /etc/hosts, /etc/resolv.conf and /etc/services lines, and
 * numeric addresses. A reply is built to pass the header and question
 * checks, so that the answer records get parsed. */
#include "../../lib/tiny/resolve.c"
#include "../../lib/tiny/files.c"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct found f[MAXADDRS];
	struct want w = { "a.test", AF_UNSPEC, f, 0 };
	unsigned char q[280], r[1232], a[16];
	struct conf c;
	struct serv sv = { "x", "tcp", -1 };
	unsigned scope;
	char *s;
	int qlen, len;

	if (size < 1)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	memset(&c, 0, sizeof(c));
	switch (data[0] % 6) {
	case 0: /* a reply to a query for a.test */
		qlen = mkquery(q, "a.test", 6, data[0] & 0x80 ? 28 : 1, 0x1234);
		if (size < 7 || size - 7 + (size_t)qlen > sizeof(r))
			break;
		memcpy(r, q, (size_t)qlen);
		r[2] = data[1] | 0x80;
		r[3] = data[2];
		memcpy(r + 6, data + 3, 4); /* answer, authority counts */
		memcpy(r + qlen, data + 7, size - 7);
		len = qlen + (int)(size - 7);
		dns_parse(r, len, q, qlen, &w);
		break;
	case 1:
		hosts_line(s, &w);
		break;
	case 2:
		conf_line(s, &c);
		if (c.nns > MAXNS || strlen(c.search) >= sizeof(c.search))
			abort();
		break;
	case 3:
		serv_line(s, &sv);
		if (sv.port > 65535)
			abort();
		break;
	case 4:
		numeric(s, a, &scope);
		break;
	case 5: /* any name to a query: never past its buffer */
		if (strlen(s) < 300 && mkquery(q, s, strlen(s), 1, 1) > (int)sizeof(q))
			abort();
		break;
	}
	if (w.n > MAXADDRS)
		abort();
	free(s);
	return 0;
}
