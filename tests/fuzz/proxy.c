/* proxy.c - fuzz the PROXY protocol reader (pp_feed, as pp_read drives it):
 * the same bytes fed whole and a byte at a time give the same verdict; no
 * byte past the header is ever taken; a header read is rebuilt by pp_build
 * and read back to the same addresses. */
#include "fuzz.h"

static int feed(struct pp_reader *r, const uint8_t *d, size_t n, size_t step, size_t *took)
{
	size_t off = 0, used;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	*took = 0;
	while (off < n && rc == 0) {
		size_t k = n - off < step ? n - off : step;

		rc = pp_feed(r, d + off, k, &used);
		if (used > k)
			abort();
		if (rc >= 0)
			*took += used;
		if (rc == 0 && used != k)
			abort(); /* more needed, yet bytes left untaken */
		off += k;
	}
	return rc;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];

	addr_format((const struct sockaddr *)a, x, sizeof(x));
	addr_format((const struct sockaddr *)b, y, sizeof(y));
	return !strcmp(x, y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_reader whole, bytes, again;
	unsigned char hdr[PP_MAX];
	size_t t1, t2, t3, hl;
	int r1, r2, v;

	r1 = feed(&whole, data, size, size ? size : 1, &t1);
	r2 = feed(&bytes, data, size, 1, &t2);
	if (r1 != r2 || (r1 >= 0 && t1 != t2))
		abort();
	if (r1 != 1)
		return 0;
	if ((long)t1 != whole.len || t1 > size || (whole.b[0] == 'P' && t1 > PP_V1MAX))
		abort();
	if (whole.a.family != bytes.a.family ||
	    (whole.a.family && (!same_addr(&whole.a.src, &bytes.a.src) ||
	     !same_addr(&whole.a.dst, &bytes.a.dst))))
		abort();
	if (!whole.a.family)
		return 0;
	for (v = 1; v <= 2; v++) {
		hl = pp_build(v, (struct sockaddr *)&whole.a.src, (struct sockaddr *)&whole.a.dst, hdr);
		/* The family may change: v4-mapped addresses are sent as IPv4. */
		if (hl > PP_MAX || feed(&again, hdr, hl, hl, &t3) != 1 || t3 != hl ||
		    !again.a.family || !same_addr(&again.a.src, &whole.a.src) ||
		    !same_addr(&again.a.dst, &whole.a.dst))
			abort();
	}
	return 0;
}
