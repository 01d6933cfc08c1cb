/* refrelay.c - the reference for bench/forward.sh: the smallest hand-written
 * epoll relay, to show how close sockit's --to comes to the floor of its
 * design (one process, one event loop, read and write per message). Blocking
 * connects and writes, 64 KiB reads, a FIN passed on as shutdown(SHUT_WR),
 * both sockets closed when both directions have ended. Not a tool: a
 * yardstick (no error handling beyond dropping the pair).
 *   refrelay PORT TARGET-PORT      (both on 127.0.0.1) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct side {
	int fd;
	struct side *peer;
	int eof;                /* read 0: shutdown passed on */
};

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* The pair's sockets closed; its memory freed after the batch of events,
 * which may still name the other side. */
static struct side *dead[256];
static int ndead;

static void drop(struct side *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	close(s->peer->fd);
	s->fd = s->peer->fd = -1;
	dead[ndead++] = s < s->peer ? s : s->peer;
}

/* Write all of it: the sockets block, which a yardstick may. */
static int put(int fd, const char *p, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, (size_t)n);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in la, ta;
	struct epoll_event ev, evs[256];
	int lfd, ep, one = 1, i, n;
	static char buf[65536];

	if (argc != 3)
		return 2;
	la = loopback(argv[1]);
	ta = loopback(argv[2]);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = epoll_create1(0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&la, sizeof(la)) < 0 || listen(lfd, 4096) < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			struct side *s = evs[i].data.ptr;
			ssize_t r;

			if (!s) {
				int c, t;

				while ((c = accept(lfd, NULL, NULL)) >= 0) {
					struct side *a, *b;

					t = socket(AF_INET, SOCK_STREAM, 0);
					if (t < 0 || connect(t, (struct sockaddr *)&ta, sizeof(ta)) < 0) {
						close(c);
						if (t >= 0)
							close(t);
						continue;
					}
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					a = calloc(2, sizeof(*a)); /* the pair in one block */
					b = a + 1;
					a->fd = c, a->peer = b;
					b->fd = t, b->peer = a;
					ev.events = EPOLLIN;
					ev.data.ptr = a;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					ev.data.ptr = b;
					epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
				}
				continue;
			}
			if (s->fd < 0)
				continue;
			r = read(s->fd, buf, sizeof(buf));
			if (r > 0 && put(s->peer->fd, buf, r) == 0)
				continue;
			if (r == 0 && !s->peer->eof) {
				s->eof = 1;
				shutdown(s->peer->fd, SHUT_WR);
				epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
				continue;
			}
			drop(s); /* both ended, or a failure */
		}
		while (ndead)
			free(dead[--ndead]);
	}
}
