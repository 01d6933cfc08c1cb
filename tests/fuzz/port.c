/* port.c - fuzz addr_parse_port: a port is 0-65535 decimal or a service name. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int p = addr_parse_port(s, "tcp", 1);

	if (p < -1 || p > 65535)
		abort();
	/* All digits, at most 65535: that number, whatever the zeros before it. */
	if (p >= 0 && s[0] >= '0' && s[0] <= '9' && atol(s) != p)
		abort();
	free(s);
	return 0;
}
