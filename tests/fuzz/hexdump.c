/* hexdump.c - fuzz the streaming hexdump -C writer against a plain one: the
 * input fed in chunks (sizes from the input itself) must dump as it does whole. */
#include <stdio.h>
#include <unistd.h>
#include "fuzz.h"

/* hexdump -C, the obvious way, over a whole buffer. */
static size_t reference(const uint8_t *d, size_t n, char *o)
{
	size_t off, k = 0, i;
	int star = 0;

	for (off = 0; off < n; off += 16) {
		size_t len = n - off < 16 ? n - off : 16;

		if (off && len == 16 && !memcmp(d + off, d + off - 16, 16)) {
			if (!star)
				k += (size_t)sprintf(o + k, "*\n");
			star = 1;
			continue;
		}
		star = 0;
		k += (size_t)sprintf(o + k, "%08lx  ", (unsigned long)off);
		for (i = 0; i < 16; i++) {
			if (i < len)
				k += (size_t)sprintf(o + k, "%02x ", d[off + i]);
			else
				k += (size_t)sprintf(o + k, "   ");
			if (i == 7)
				o[k++] = ' ';
		}
		o[k++] = ' ';
		o[k++] = '|';
		for (i = 0; i < len; i++)
			o[k++] = d[off + i] >= 0x20 && d[off + i] < 0x7f ? (char)d[off + i] : '.';
		o[k++] = '|';
		o[k++] = '\n';
	}
	if (n)
		k += (size_t)sprintf(o + k, "%08lx\n", (unsigned long)n);
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = tmpfile();
	struct hexdump hd;
	char *want = malloc(size * 5 + 200), *got = malloc(size * 5 + 200);
	size_t wn, gn, pos = 0, step = size ? (size_t)data[0] % 37 + 1 : 1;

	if (!f || !want || !got)
		abort();
	hexdump_init(&hd, fileno(f));
	while (pos < size) {
		size_t k = size - pos < step ? size - pos : step;

		if (hexdump_feed(&hd, data + pos, k) < 0)
			abort();
		pos += k;
		step = step * 7 % 41 + 1;
	}
	if (hexdump_end(&hd) < 0)
		abort();
	wn = reference(data, size, want);
	gn = (size_t)pread(fileno(f), got, size * 5 + 200, 0);
	if (gn != wn || memcmp(got, want, wn))
		abort();
	fclose(f);
	free(want);
	free(got);
	return 0;
}
