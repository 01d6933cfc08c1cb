/* refsplice.c - the T1 reference for bench/run.sh: the least a one-way copy
 * between a pipe and a TCP socket can do on Linux, splice(2) straight from
 * the pipe into the socket and from the socket into the pipe, blocking, no
 * event loop. Not a tool: a yardstick (no error handling beyond exit 1).
 *   refsplice send PORT    stdin (a pipe) to 127.0.0.1:PORT, then FIN
 *   refsplice recv PORT    one client on 127.0.0.1:PORT to stdout (a pipe) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	int s, in, out, one = 1;
	ssize_t n;

	if (argc != 3)
		return 2;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(argv[1], "send")) {
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 1;
		in = 0, out = s;
	} else {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
			return 1;
		in = accept(s, NULL, NULL);
		out = 1;
	}
	while ((n = splice(in, NULL, out, NULL, 1 << 20, SPLICE_F_MOVE)) > 0)
		;
	if (n < 0)
		return 1;
	if (out == s)
		shutdown(s, SHUT_WR);
	return 0;
}
