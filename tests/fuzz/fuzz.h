/* fuzz.h - what every libFuzzer harness here shares: the input as a C string,
 * and the jump that an x function takes instead of exit (lib/log.c). */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/sockit.h"

extern jmp_buf fuzz_exit;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input; the caller frees it. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}
