/* unix.c - fuzz unix-serve's parsers: --mode OCTAL, PATH (xunix_check), the
 * ids of --allow-user/--allow-group (priv_id), and a Unix sender's name. */
#include <sys/un.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[DGRAM_NAMELEN];
	struct sockaddr_un sun;
	int mode;
	long id;

	if (!setjmp(fuzz_exit)) {
		mode = xunix_mode(s);
		/* accepted: 1 to 4 octal digits, and their value */
		if (mode < 0 || mode > 07777 || !*s || strlen(s) > 4 ||
		    strspn(s, "01234567") != strlen(s) || strtol(s, NULL, 8) != mode)
			abort();
	}
	if (!setjmp(fuzz_exit)) {
		xunix_check(s);
		if (!*s || !strcmp(s, "@"))
			abort();
	}
	id = priv_id(s, size & 1);
	if (id < -1)
		abort();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, data, size < sizeof(sun.sun_path) ? size : sizeof(sun.sun_path));
	unix_format((struct sockaddr *)&sun, out, sizeof(out));
	if (strlen(out) >= sizeof(out) || !*out)
		abort();
	free(s);
	return 0;
}
