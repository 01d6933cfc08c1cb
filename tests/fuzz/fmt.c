/* fmt.c - fuzz lib/fmt.c against the libc's snprintf, and addr_ntop against
 * inet_ntop: the same text, byte for byte, for the conversions sockit uses. */
#include <arpa/inet.h>
#include <stdio.h>
#include "fuzz.h"

static const char *const fmts[] = {
	"%s", "%d", "%ld", "%lld", "%lu", "%llu", "%u", "%x", "%c", "%08llx", "%03lld",
	"%-11s|", "%.*s", "%5d|%-5d|%05d", "[%s]:%d", "%%", "%s.%ld.tmp",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char want[256], got[256], str[33];
	unsigned long long uv = 0;
	long long v;
	size_t i, cut;
	int w, g, prec;
	const char *f;

	if (size < 26)
		return 0;
	f = fmts[data[0] % (sizeof(fmts) / sizeof(fmts[0]))];
	for (i = 0; i < 8; i++)
		uv = uv << 8 | data[1 + i];
	v = (long long)uv;
	memcpy(str, data + 9, 16);
	str[16] = 0;
	for (i = 0; i < 16; i++)
		if (!str[i] || str[i] == '%')
			str[i] = 'a';
	prec = data[25] % 20;
	cut = (size_t)(data[25] % 64) + 1; /* a short buffer, too */
#define BOTH(...) do { \
		w = snprintf(want, cut, __VA_ARGS__); \
		g = fmt_snprintf(got, cut, __VA_ARGS__); \
	} while (0)
	if (!strcmp(f, "%s") || !strcmp(f, "%-11s|"))
		BOTH(f, str);
	else if (!strcmp(f, "%.*s"))
		BOTH(f, prec, str);
	else if (!strcmp(f, "%d") || !strcmp(f, "%x") || !strcmp(f, "%u") || !strcmp(f, "%c"))
		BOTH(f, (int)v);
	else if (!strcmp(f, "%ld") || !strcmp(f, "%lu"))
		BOTH(f, (long)v);
	else if (!strcmp(f, "%5d|%-5d|%05d"))
		BOTH(f, (int)v, (int)(v >> 32), (int)(v >> 16));
	else if (!strcmp(f, "[%s]:%d"))
		BOTH(f, str, (int)v);
	else if (!strcmp(f, "%s.%ld.tmp"))
		BOTH(f, str, (long)v);
	else if (!strcmp(f, "%%"))
		BOTH("%s", "%");
	else
		BOTH(f, v);
	if (w != g || strcmp(want, got))
		abort();
	/* IPv6 text, but for the forms with an IPv4 tail, which libcs differ on. */
	{
		unsigned char a[16];
		char w6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];
		static const unsigned char zero10[10];

		memcpy(a, data + 9, 16);
		for (i = 0; i < 16; i++) /* zero groups, often: runs to compress */
			if (data[i % size] & 1)
				a[i] = 0;
		if (memcmp(a, zero10, 10) && inet_ntop(AF_INET6, a, w6, sizeof(w6))) {
			addr_ntop(AF_INET6, a, g6, sizeof(g6));
			if (strcmp(w6, g6))
				abort();
		}
	}
	return 0;
}
