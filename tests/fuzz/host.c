/* host.c - fuzz addr_strip_host ("[::1]" -> "::1") and address formatting. */
#include <arpa/inet.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), buf[64], out[ADDR_STRLEN];
	const char *h = addr_strip_host(s, buf, sizeof(buf));
	struct sockaddr_in6 s6;

	if (h && (strlen(h) >= sizeof(buf) || !*h || strchr(h, '[') || strchr(h, ']')))
		abort();
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	if (h && inet_pton(AF_INET6, h, &s6.sin6_addr) == 1) {
		addr_format((struct sockaddr *)&s6, out, sizeof(out));
		if (strlen(out) >= sizeof(out) - 1)
			abort();
	}
	free(s);
	return 0;
}
