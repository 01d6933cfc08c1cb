/* cidr.c - fuzz acl_parse, and acl_permits on the rule's own address: a rule
 * always matches the address it names. */
#include <arpa/inet.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct acl_rule r;
	struct acl acl;
	struct sockaddr_storage ss;

	if (acl_parse(s, &r) == 0) {
		if ((r.family == AF_INET && (r.bits < 0 || r.bits > 32)) ||
		    (r.family == AF_INET6 && (r.bits < 0 || r.bits > 128)) ||
		    (r.family != AF_INET && r.family != AF_INET6))
			abort();
		memset(&ss, 0, sizeof(ss));
		if (r.family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			a->sin_family = AF_INET;
			memcpy(&a->sin_addr, r.addr, 4);
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			a->sin6_family = AF_INET6;
			memcpy(&a->sin6_addr, r.addr, 16);
		}
		r.allow = 0;
		acl.rules = &r;
		acl.n = acl.cap = 1;
		acl.nallow = 0;
		if (acl_permits(&acl, (struct sockaddr *)&ss))
			abort(); /* a deny rule let its own address in */
	}
	free(s);
	return 0;
}
