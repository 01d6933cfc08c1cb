/* udp_client.c - the classic tutorial UDP client, as a peer for the tests:
 * a sendto() loop, one datagram per line of stdin (newline included).
 * usage: udp_client HOST PORT < lines */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to;
	char line[4096];
	int fd;

	if (argc != 3)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	if (fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 1;
	while (fgets(line, sizeof(line), stdin))
		if (sendto(fd, line, strlen(line), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("sendto");
			return 1;
		}
	return 0;
}
