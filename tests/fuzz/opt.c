/* opt.c - fuzz the option parser: the input, split at NUL bytes, is argv. */
#include "fuzz.h"

static const struct opt_def defs[] = {
	{ 'w', "timeout", 1, 1 },
	{ 'z', "check", 0, 2 },
	{ 0, "wait", 1, 3 },
	{ 'n', "no-newline", 0, 4 },
	OPT_COMMON
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *argv[66];
	volatile int argc = 1;
	struct opt_state st;
	size_t i;

	argv[0] = "fuzz";
	if (size)
		argv[argc++] = s;
	for (i = 0; i < size && argc < 65; i++)
		if (!s[i])
			argv[argc++] = s + i + 1;
	argv[argc] = NULL;
	log_level = LOG_QUIET;
	if (!setjmp(fuzz_exit)) {
		int id;

		opt_init(&st, argc, argv, "usage\n");
		while ((id = opt_next(&st, defs)) != 0) {
			if (id < 1 || id > 4)
				abort();
			if ((id == 1 || id == 3) && !st.arg)
				abort();
		}
		if (st.ind < 1 || st.ind > argc)
			abort();
	}
	free(s);
	return 0;
}
