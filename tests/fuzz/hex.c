/* hex.c - fuzz opt_parse_hex on raw bytes (NUL bytes included). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = malloc(size / 2 + 1);
	long n;

	if (!out)
		abort();
	n = opt_parse_hex((const char *)data, size, out);
	if (n < -1 || (size_t)(n < 0 ? 0 : n) > size / 2)
		abort();
	free(out);
	return 0;
}
