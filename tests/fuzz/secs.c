/* secs.c - fuzz opt_parse_secs and opt_parse_int: digits, a dot, digits. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int64_t ms = -1;
	int n = -1;

	if (opt_parse_secs(s, &ms) == 0) {
		if (ms < 0 || ms > (int64_t)OPT_SECS_MAX * 1000 || strspn(s, "0123456789.") != strlen(s))
			abort();
	}
	if (opt_parse_int(s, 1, 65535, &n) == 0 && (n < 1 || n > 65535 || atol(s) != n))
		abort();
	free(s);
	return 0;
}
