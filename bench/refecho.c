/* refecho.c - the reference for bench/run.sh: the smallest hand-written epoll
 * echo server (no buffering: what write does not take is dropped), to show how
 * close sockit comes to the floor. Not a tool: a yardstick.
 *   refecho PORT    (127.0.0.1), or refecho PATH (a Unix socket: PATH has a '/') */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	struct sockaddr_un u;
	struct epoll_event ev, evs[256];
	int local = argc == 2 && strchr(argv[1], '/');
	int lfd = socket(local ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int ep = epoll_create1(0), one = 1, rc;
	static char buf[65536];

	if (argc != 2)
		return 2;
	if (local) {
		memset(&u, 0, sizeof(u));
		u.sun_family = AF_UNIX;
		strncpy(u.sun_path, argv[1], sizeof(u.sun_path) - 1);
		rc = bind(lfd, (struct sockaddr *)&u, sizeof(u));
	} else {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)atoi(argv[1]));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		rc = bind(lfd, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc < 0 || listen(lfd, SOMAXCONN) < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1), i;

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
			} else {
				ssize_t k = read(fd, buf, sizeof(buf));

				if (k <= 0 || write(fd, buf, (size_t)k) < 0)
					close(fd);
			}
		}
	}
}
