/* malloc.c - the static build's allocator, in place of musl's (8 KiB less).
 *
 * sockit is one thread and allocates a few kinds of thing: a struct per
 * connection, a pending-output buffer, a table now and then. So: blocks of a
 * power of two from 32 bytes to 64 KiB, each size with its own free list,
 * carved from 256 KiB mappings; anything larger is its own mapping, returned
 * to the system when freed. Freed small blocks are kept for reuse, not
 * returned. Each block starts with a 16-byte header holding its size (that
 * of its class, or of its mapping), so that what malloc returns is 16-aligned. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define HDR 16
#define MIN_SHIFT 5                 /* 32-byte blocks */
#define MAX_SHIFT 16                /* 64 KiB blocks */
#define ARENA (256 * 1024)

union hdr {
	size_t len;                 /* a mapping: its length; a block: 1 << class */
	union hdr *next;            /* a free block: the next on its list */
	unsigned char pad[HDR];
};

static union hdr *freelist[MAX_SHIFT + 1];
static unsigned char *arena, *arena_end;

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *malloc(size_t n)
{
	union hdr *h;
	size_t size;
	int k = MIN_SHIFT;

	if (n > SIZE_MAX / 2 - 4096) {
		errno = ENOMEM;
		return NULL;
	}
	n += HDR;
	while (k <= MAX_SHIFT && ((size_t)1 << k) < n)
		k++;
	if (k > MAX_SHIFT) {
		size = (n + 4095) & ~(size_t)4095;
		if (!(h = map(size))) {
			errno = ENOMEM;
			return NULL;
		}
		h->len = size;
		return h + 1;
	}
	size = (size_t)1 << k;
	if ((h = freelist[k])) {
		freelist[k] = h->next;
	} else {
		if ((size_t)(arena_end - arena) < size) {
			if (!(arena = map(ARENA))) {
				arena_end = NULL;
				errno = ENOMEM;
				return NULL;
			}
			arena_end = arena + ARENA;
		}
		h = (union hdr *)arena;
		arena += size;
	}
	h->len = size;
	return h + 1;
}

void free(void *p)
{
	union hdr *h = (union hdr *)p - 1;
	int k = MIN_SHIFT;

	if (!p)
		return;
	if (h->len > ((size_t)1 << MAX_SHIFT)) {
		munmap(h, h->len);
		return;
	}
	while (((size_t)1 << k) < h->len)
		k++;
	h->next = freelist[k];
	freelist[k] = h;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(n * size)))
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	size_t have;
	void *np;

	if (!p)
		return malloc(n);
	have = ((union hdr *)p - 1)->len - HDR;
	if (n <= have && (have <= ((size_t)1 << MAX_SHIFT) || n > have / 2))
		return p;
	if (!(np = malloc(n)))
		return NULL;
	memcpy(np, p, n < have ? n : have);
	free(p);
	return np;
}
