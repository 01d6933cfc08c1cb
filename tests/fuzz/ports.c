/* ports.c - fuzz opt_parse_ports: the count is the number of bits set, port
 * 0 is never one of them, and a list that parses parses again the same. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char set[8192], again[8192];
	char *s = fuzz_str(data, size);
	long n = opt_parse_ports(s, set), bits = 0;
	int i;

	if (n >= 0) {
		for (i = 0; i < 65536; i++)
			bits += (set[i >> 3] >> (i & 7)) & 1;
		if (bits != n || (set[0] & 1) || n < 1 || opt_parse_ports(s, again) != n ||
		    memcmp(set, again, sizeof(set)))
			abort();
	}
	free(s);
	return 0;
}
