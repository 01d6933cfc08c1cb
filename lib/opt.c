/* opt.c - the option parser every applet uses, and checked parsing of numbers,
 * durations and hex text. Options end at the first operand or at "--". */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit.h"

void opt_init(struct opt_state *st, int argc, char **argv, const char *usage)
{
	memset(st, 0, sizeof(*st));
	st->argc = argc;
	st->argv = argv;
	st->ind = 1;
	st->usage = usage;
}

static void help(const struct opt_state *st)
{
	if (io_write_all(1, st->usage, strlen(st->usage)) < 0)
		xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
	xexit(EXIT_OK);
}

static const struct opt_def *find_long(const struct opt_def *defs, const char *name, size_t len)
{
	for (; defs->lng || defs->shrt; defs++)
		if (defs->lng && strlen(defs->lng) == len && !memcmp(defs->lng, name, len))
			return defs;
	return NULL;
}

static const struct opt_def *find_short(const struct opt_def *defs, char c)
{
	for (; defs->lng || defs->shrt; defs++)
		if (defs->shrt == c)
			return defs;
	return NULL;
}

static int next(struct opt_state *st, const struct opt_def *defs);

/* Returns the id of the next option, or 0 when the operands start (st->ind). */
int opt_next(struct opt_state *st, const struct opt_def *defs)
{
	for (;;) {
		int id = next(st, defs);

		switch (id) {
		case OPT_IPV4:
		case OPT_IPV6:
			if (st->family)
				xusage("-4 and -6 exclude each other");
			st->family = id == OPT_IPV4 ? AF_INET : AF_INET6;
			break;
		case OPT_VERBOSE: /* of -v and -q, the last one wins */
			log_level = LOG_VERBOSE;
			break;
		case OPT_QUIET:
			log_level = LOG_QUIET;
			break;
		default:
			return id;
		}
	}
}

static int next(struct opt_state *st, const struct opt_def *defs)
{
	const struct opt_def *d;
	const char *a;

	st->arg = NULL;
	if (st->rest && *st->rest) {
		char c = *st->rest++;

		st->namebuf[0] = '-';
		st->namebuf[1] = c;
		st->namebuf[2] = 0;
		st->name = st->namebuf;
		d = find_short(defs, c);
		if (!d) {
			if (c == 'h')
				help(st);
			xusage("unknown option '-%c'", c);
		}
		if (d->has_arg) {
			if (*st->rest) {
				st->arg = st->rest;
			} else if (st->ind < st->argc) {
				st->arg = st->argv[st->ind++];
			} else {
				xusage("option '-%c' needs an argument", c);
			}
			st->rest = NULL;
		}
		return d->id;
	}
	st->rest = NULL;
	if (st->ind >= st->argc)
		return 0;
	a = st->argv[st->ind];
	if (a[0] != '-' || a[1] == 0) /* an operand, or "-" */
		return 0;
	st->ind++;
	if (a[1] != '-') {
		st->rest = a + 1;
		return next(st, defs);
	}
	if (a[2] == 0) /* "--" */
		return 0;
	{
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

		st->name = a;
		d = find_long(defs, a + 2, len);
		if (!d) {
			if (!eq && len == 4 && !memcmp(a + 2, "help", 4))
				help(st);
			xusage("unknown option '%.*s'", (int)len + 2, a);
		}
		if (d->has_arg) {
			if (eq)
				st->arg = eq + 1;
			else if (st->ind < st->argc)
				st->arg = st->argv[st->ind++];
			else
				xusage("option '%s' needs an argument", a);
		} else if (eq) {
			xusage("option '--%s' takes no argument", d->lng);
		}
		return d->id;
	}
}

/* SECS: digits, optionally a dot and more digits. Milliseconds, rounded up, so
 * that a tiny non-zero wait never turns into "off". -1: not SECS; -2: more
 * than OPT_SECS_MAX. */
int opt_parse_secs(const char *s, int64_t *ms)
{
	int64_t whole = 0, frac = 0, scale = 1000;
	const char *p = s;
	int big = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > OPT_SECS_MAX) { /* three years: more is surely a mistake */
			big = 1;
			whole = OPT_SECS_MAX;
		}
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			} else if (*p != '0' && frac < 1000) {
				frac++; /* round sub-millisecond digits up */
				scale = 0;
			}
		}
	}
	if (*p)
		return -1;
	if (big || (whole == OPT_SECS_MAX && frac))
		return -2;
	*ms = whole * 1000 + frac;
	return 0;
}

/* Decimal digits only, min..max. */
int opt_parse_int(const char *s, int min, int max, int *n)
{
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	if (*s || v < min)
		return -1;
	*n = (int)v;
	return 0;
}

int64_t xparse_secs(const char *what, const char *s)
{
	int64_t ms;

	int rc = opt_parse_secs(s, &ms);

	if (rc == -2)
		xusage("bad %s '%s': too large (%d seconds at most)", what, s, OPT_SECS_MAX);
	if (rc < 0)
		xusage("bad %s '%s': want seconds, like 5 or 0.25", what, s);
	return ms;
}

int xparse_int(const char *what, const char *s, int min, int max)
{
	int n = 0;

	if (opt_parse_int(s, min, max, &n) < 0) {
		if (max == INT_MAX)
			xusage("bad %s '%s': want a whole number from %d", what, s, min);
		xusage("bad %s '%s': want a whole number from %d to %d", what, s, min, max);
	}
	return n;
}

/* A hex digit's value, or -1. */
int opt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Pairs of hex digits, separated (or not) by spaces, tabs, colons or newlines. */
long opt_parse_hex(const char *s, size_t len, unsigned char *out)
{
	size_t i = 0;
	long n = 0;

	while (i < len) {
		int hi, lo;

		if (strchr(" \t\r\n:", s[i]) && s[i]) {
			i++;
			continue;
		}
		hi = opt_hexval((unsigned char)s[i]);
		if (hi < 0 || i + 1 >= len)
			return -1;
		lo = opt_hexval((unsigned char)s[i + 1]);
		if (lo < 0)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return n;
}

/* A port list: "22,80,8000-8010". Each port's bit set in set (8192 bytes);
 * the number of ports, or -1: a zero, a reversed range, junk, more than
 * 65535 items. Repeats are counted once. */
long opt_parse_ports(const char *s, unsigned char *set)
{
	long items = 0, n = 0;

	memset(set, 0, 8192);
	for (;;) {
		const char *e = s;
		char a[8], b[8];
		int lo, hi;
		size_t al;

		while (*e && *e != ',' && *e != '-')
			e++;
		al = (size_t)(e - s);
		if (!al || al >= sizeof(a))
			return -1;
		memcpy(a, s, al);
		a[al] = 0;
		hi = -1;
		if (opt_parse_int(a, 1, 65535, &lo) < 0)
			return -1;
		if (*e == '-') {
			const char *f = ++e;

			while (*e && *e != ',')
				e++;
			if (e == f || (size_t)(e - f) >= sizeof(b))
				return -1;
			memcpy(b, f, (size_t)(e - f));
			b[e - f] = 0;
			if (opt_parse_int(b, lo, 65535, &hi) < 0)
				return -1;
		}
		if (hi < 0)
			hi = lo;
		if ((items += hi - lo + 1) > 65535)
			return -1;
		for (; lo <= hi; lo++)
			if (!(set[lo >> 3] & (1 << (lo & 7)))) {
				set[lo >> 3] |= (unsigned char)(1 << (lo & 7));
				n++;
			}
		if (!*e)
			return n;
		s = e + 1;
	}
}
