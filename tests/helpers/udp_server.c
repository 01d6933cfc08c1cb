/* udp_server.c - the classic tutorial UDP server, as a peer for the tests:
 * socket(), bind(), then a recvfrom() loop printing the sender and payload.
 * usage: udp_server PORTFILE COUNT (binds 127.0.0.1, port 0) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr, from;
	socklen_t len = sizeof(addr);
	char buf[65536];
	int fd, i, count;
	FILE *pf;

	if (argc != 3)
		return 2;
	count = atoi(argv[2]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&addr, &len);
	pf = fopen(argv[1], "w");
	fprintf(pf, "%d\n", ntohs(addr.sin_port));
	fclose(pf);
	for (i = 0; i < count; i++) {
		ssize_t n;

		len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0) {
			perror("recvfrom");
			return 1;
		}
		printf("%s: %.*s|\n", inet_ntoa(from.sin_addr), (int)n, buf);
		fflush(stdout);
		/* and answer, as the tutorials' echo servers do */
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
	return 0;
}
