/* client.c - the stream client of tcp-send and unix-send: MSG then a
 * half-close, or the stdin relay; -z, --wait, -w, -H, -x, -X. The applet
 * gives it a way to make one connection attempt. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockit.h"

/* The options of the stream clients (CLIENT_OPTS in sockit.h). */
int client_option(struct client_cfg *c, int id, const struct opt_state *st)
{
	switch (id) {
	case CL_TIMEOUT: c->timeout = xparse_secs("timeout", st->arg); break;
	case CL_CHECK: c->check = 1; break;
	case CL_WAIT: c->wait = xparse_secs("wait", st->arg); break;
	case CL_NOSHUT: c->noshut = 1; break;
	case CL_SOURCE: c->source = st->arg; break;
	case CL_NONL: c->nonl = 1; break;
	case CL_CRLF: c->crlf = 1; break;
	case CL_HEX: c->hex = 1; break;
	case CL_HEXDUMP: c->hexdump = 1; break;
	default: return 0;
	}
	return 1;
}

static int connect_until(const struct client_cfg *c, char *where, size_t size)
{
	int64_t start = loop_now(), pause = 20;
	int err = 0;

	for (;;) {
		int64_t t = c->timeout, left = c->wait ? start + c->wait - loop_now() : 0;
		int fd, e;

		if (c->wait && (!t || t > left))
			t = left > 0 ? left : 1;
		fd = c->connect(c->arg, t, where, size);
		if (fd >= 0)
			return fd;
		e = errno;
		/* An attempt cut short by --wait says less than the one before it. */
		if (e != ETIMEDOUT || !err)
			err = e;
		left = c->wait ? start + c->wait - loop_now() : 0;
		if (!c->wait || left <= 0) {
			/* The reason: the connect's, or one the applet gave (a proxy's) */
			if (c->wait && c->why)
				xdie(EXIT_TIMEOUT, "%s; gave up after --wait", c->why);
			if (c->wait)
				xdie(EXIT_TIMEOUT, "connect %s: %s; gave up after --wait", where,
				    log_strerror(err));
			if (c->why)
				xdie(exit_for_errno(e), "%s", c->why);
			xdie(exit_for_errno(e), "connect %s: %s", where, log_strerror(e));
		}
		poll(NULL, 0, (int)(pause < left ? pause : left));
		if (pause < 500)
			pause *= 2;
	}
}

/* Of two exit statuses of probes, the worse: 1, then 4, then 5, then 0. */
static int worse(int a, int b)
{
	static const int rank[6] = { 0, 4, 4, 4, 3, 2 };

	return rank[a > 5 ? 1 : a] >= rank[b > 5 ? 1 : b] ? a : b;
}

/* -z with a port list: each port probed by a child of its own, PROBE_MAX at
 * once, through the applet's connect (so through a proxy too); the open
 * ones printed in ascending order. With --wait, rounds until all are open. */
#define PROBE_MAX 32
static int probe_ports(struct client_cfg *c)
{
	static unsigned char res[65536];  /* each port's exit status, 0: open */
	struct { pid_t pid; int port; } kid[PROBE_MAX];
	int64_t start = loop_now();
	int p, worst, nk, total = 0, bad;

	memset(res, 1, sizeof(res));
	for (;;) {
		int64_t t = c->timeout, left = c->wait ? start + c->wait - loop_now() : 0;

		if (c->wait && (!t || t > left))
			t = left > 0 ? left : 1;
		for (p = 1, nk = 0; p <= 65536; p++) {
			int status, i;
			pid_t pid;

			if (p < 65536 && (!(c->ports[p >> 3] & (1 << (p & 7))) || !res[p]))
				continue;
			/* A free slot: wait for a child when all are taken (and at the end). */
			while (nk == PROBE_MAX || (p == 65536 && nk)) {
				if ((pid = wait(&status)) < 0)
					xdie(EXIT_NET, "wait: %s", log_strerror(errno));
				for (i = 0; i < nk && kid[i].pid != pid; i++)
					;
				if (i == nk)
					continue;
				res[kid[i].port] = (unsigned char)(WIFEXITED(status) ?
				    WEXITSTATUS(status) : EXIT_NET);
				if (res[kid[i].port] && log_level >= LOG_VERBOSE)
					log_msg("port %d: not open (exit %d)", kid[i].port,
					    res[kid[i].port]);
				kid[i] = kid[--nk];
			}
			if (p == 65536)
				break;
			c->set_port(c->arg, p);
			if ((pid = fork()) < 0)
				xdie(EXIT_NET, "fork: %s", log_strerror(errno));
			if (pid == 0) {
				char where[DGRAM_NAMELEN];
				int fd;

				log_level = LOG_QUIET;
				fd = c->connect(c->arg, t, where, sizeof(where));
				_exit(fd >= 0 ? EXIT_OK : exit_for_errno(errno));
			}
			kid[nk].pid = pid;
			kid[nk++].port = p;
		}
		for (p = 1, worst = 0, total = 0, bad = 0; p < 65536; p++)
			if (c->ports[p >> 3] & (1 << (p & 7))) {
				total++;
				bad += res[p] != 0;
				worst = worse(worst, res[p]);
			}
		if (!worst || !c->wait || loop_now() >= start + c->wait)
			break;
		poll(NULL, 0, 200);
	}
	for (p = 1; p < 65536; p++)
		if ((c->ports[p >> 3] & (1 << (p & 7))) && !res[p]) {
			char line[8];
			int n = fmt_snprintf(line, sizeof(line), "%d\n", p);

			if (io_write_all(1, line, (size_t)n) < 0)
				xdie(EXIT_NET, "write stdout: %s", log_strerror(errno));
		}
	if (!worst)
		return EXIT_OK;
	if (c->wait)
		worst = worse(worst, EXIT_TIMEOUT);
	log_warn("%d of %d ports not open%s", bad, total, c->wait ? "; gave up after --wait" : "");
	return worst;
}

int client_run(struct client_cfg *c, int argc, char **argv)
{
	static char *msg; /* static: still reachable when an error exits on the way */
	struct relay r;
	char where[DGRAM_NAMELEN];
	int fd, rc;
	int64_t t0;

	if (c->check && (argc || c->hex || c->hexdump || c->nonl || c->crlf || c->noshut))
		xusage("-z sends nothing: no MSG, -x, -X, -n, --crlf or -H with it");
	memset(&r, 0, sizeof(r));
	if (argc) {
		msg = xmessage(argc, argv, (c->hex ? XMSG_HEX : 0) |
		    (c->nonl ? XMSG_NONL : 0) | (c->crlf ? XMSG_CRLF : 0), &r.msglen);
	} else if (c->hex && !c->check) {
		long got;

		msg = xslurp(0, &r.msglen);
		got = opt_parse_hex(msg, r.msglen, (unsigned char *)msg);
		if (got < 0)
			xusage("bad hex on stdin: want pairs of hex digits");
		r.msglen = (size_t)got;
	}
	r.msg = msg;
	if (c->ports)
		return probe_ports(c);

	t0 = loop_now();
	fd = connect_until(c, where, sizeof(where));
	if (c->done)
		c->done(c->arg);
	log_verbose("connected to %s", where);
	if (c->check) {
		close(fd);
		return EXIT_OK;
	}
	r.net = fd;
	r.in = msg ? -1 : 0;
	r.out = 1;
	r.stop = -1;
	r.crlf = c->crlf;
	r.hex = c->hexdump;
	r.no_shutdown = c->noshut;
	r.idle_ms = c->timeout;
	r.peer = where;
	rc = io_relay(&r);
	log_transfer(where, r.rcvd, r.sent, loop_now() - t0);
	close(fd);
	free(msg);
	msg = NULL;
	return rc;
}
