/* fmt.c - the little printf sockit needs. musl links the whole of its printf
 * (float formatting too) for one call; this, with addr_ntop in addr.c (musl's
 * inet_ntop calls snprintf), keeps about 12 KiB out of a static binary
 * (README: "Embedded images"). Conversions: %s %c %d %u %x %%,
 * with l or ll, the flags '-' and '0', a width, and a precision (".N" or
 * ".*") for %s. No floating point. */
#include <stdarg.h>
#include <string.h>

#include "sockit.h"

struct out {
	char *p;
	size_t size, n;
};

static void put(struct out *o, char c)
{
	if (o->n + 1 < o->size)
		o->p[o->n] = c;
	o->n++;
}

static void pad(struct out *o, char c, int k)
{
	while (k-- > 0)
		put(o, c);
}

/* As vsnprintf: the length the whole text has, of which size - 1 at most is
 * stored, always NUL-terminated (when size > 0). */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o;

	o.p = buf;
	o.size = size;
	o.n = 0;
	for (; *fmt; fmt++) {
		char num[24];
		const char *str = num;
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0, neg = 0, len, k;
		unsigned long long u = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else
				zero = 1;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			prec = 0;
			if (*++fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l'; fmt++)
			lng++;
		switch (*fmt) {
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			len = prec >= 0 ? (int)strnlen(str, (size_t)prec) : (int)strlen(str);
			zero = 0;
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			len = 1;
			zero = 0;
			break;
		case 'd': {
			long long v = lng > 1 ? va_arg(ap, long long) :
			    lng ? va_arg(ap, long) : va_arg(ap, int);

			neg = v < 0;
			u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
		}
			/* fall through */
		case 'u':
		case 'x': {
			unsigned base = *fmt == 'x' ? 16 : 10;
			char *e = num + sizeof(num), *p = e;

			if (*fmt != 'd')
				u = lng > 1 ? va_arg(ap, unsigned long long) :
				    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			do
				*--p = "0123456789abcdef"[u % base];
			while (u /= base);
			str = p;
			len = (int)(e - p);
			break;
		}
		case '%':
			put(&o, '%');
			continue;
		default: /* not ours: shown as it is */
			put(&o, '%');
			if (!*fmt)
				fmt--;
			else
				put(&o, *fmt);
			continue;
		}
		if (neg && zero)
			put(&o, '-');
		if (!left)
			pad(&o, zero ? '0' : ' ', width - len - neg);
		if (neg && !zero)
			put(&o, '-');
		for (k = 0; k < len; k++)
			put(&o, str[k]);
		if (left)
			pad(&o, ' ', width - len - neg);
	}
	if (size)
		buf[o.n < size ? o.n : size - 1] = 0;
	return (int)o.n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
