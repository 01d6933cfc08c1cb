/* client.c - the stream client of tcp-send and unix-send: MSG then a
 * half-close, or the stdin relay; -z, --wait, -w, -H, -x, -X. The applet
 * gives it a way to make one connection attempt. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
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
			if (c->wait)
				xdie(EXIT_TIMEOUT, "connect %s: %s; gave up after --wait", where,
				    log_strerror(err));
			xdie(exit_for_errno(e), "connect %s: %s", where, log_strerror(e));
		}
		poll(NULL, 0, (int)(pause < left ? pause : left));
		if (pause < 500)
			pause *= 2;
	}
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
