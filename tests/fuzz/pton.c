/* pton.c - fuzz addr_pton against the libc's inet_pton: the same verdict and
 * the same bytes, for IPv4 and IPv6 text. */
#include <arpa/inet.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	unsigned char want[16], got[16];
	int fam, w, g;

	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		w = inet_pton(fam, s, want) == 1;
		g = addr_pton(fam, s, got);
		if (w != g || memcmp(want, got, sizeof(want)))
			abort();
	}
	free(s);
	return 0;
}
