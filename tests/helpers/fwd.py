#!/usr/bin/env python3
"""fwd.py - both ends of a sockit relay (tcp-serve/unix-serve --to), in plain
python sockets, for tests/forward.test. Bounded in time; prints "ok" or why not.

  fwd.py SCENARIO BACKEND RELAY [ARGS...]
      BACKEND: where to listen as the relay's target: a port file to write
      (127.0.0.1, port 0), v6:FILE (::1), or unix:PATH. RELAY: where the relay
      listens: a port file to wait for (127.0.0.1), or unix:PATH. Then:

      bulk SIZE             SIZE bytes each way at once, each side half-closing
                            after its last; both checked byte for byte
      late-backend SIZE S   the client sends SIZE and half-closes; the backend
                            reads to EOF and answers SIZE bytes S seconds later
      late-client SIZE S    the backend sends SIZE and half-closes first; the
                            client answers SIZE bytes S seconds after EOF
      rst-client            the client resets: the backend must see a reset
      rst-backend           the backend resets: the client must see a reset
      rst-after-fin         the client half-closes, the backend sends a little
                            and resets: the client must see a reset, not EOF
      slow-backend MB PIDFILE  the backend reads nothing for 3 s while the
                            client sends MB MiB; the RSS of the relay (its pid
                            in PIDFILE) must not grow by 8 MiB
      slow-client MB PID    the same the other way
      pipeline N            N "PING" lines in one write; the backend answers
                            each with "+PONG"; all N answers must come back
"""
import os, socket, struct, sys, threading, time
from peer import read_eof
from relay import connect, wait_port  # wait_port reads a pid file too: "N\n"

DEADLINE = 120
T0 = time.time()


def fail(msg):
    print(msg, flush=True)
    sys.exit(1)


def pattern(seed, size):
    """Deterministic bytes: a 1 MiB random block with the chunk number stamped on."""
    block = os.urandom(1 << 20) if seed is None else bytes(
        (i * 131 + seed * 7 + (i >> 11)) & 0xff for i in range(1 << 20))
    off = 0
    n = 0
    while off < size:
        k = min(len(block), size - off)
        yield struct.pack(">Q", n) + block[8:k] if k >= 8 else block[:k]
        off += k
        n += 1


def send_all(s, seed, size):
    for chunk in pattern(seed, size):
        s.sendall(chunk)


class Checker:
    """Reads a socket to EOF: the bytes must be pattern(seed, size)."""
    def __init__(self, seed, size, label):
        self.seed, self.size, self.label = seed, size, label

    def run(self, s):
        want = b"".join(pattern(self.seed, self.size)) if self.size <= (64 << 20) else None
        got = 0
        if want is not None:
            buf = bytearray()
            while True:
                d = s.recv(1 << 20)
                if not d:
                    break
                buf += d
            if bytes(buf) != want:
                fail("%s: got %d bytes, want %d%s" % (self.label, len(buf), self.size,
                     "" if len(buf) != self.size else " (they differ)"))
            return
        gen = pattern(self.seed, self.size)
        pend = b""
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got += len(d)
            mv = memoryview(d)
            while len(mv):
                if not pend:
                    try:
                        pend = next(gen)
                    except StopIteration:
                        fail("%s: more than %d bytes" % (self.label, self.size))
                k = min(len(pend), len(mv))
                if mv[:k] != pend[:k]:
                    fail("%s: bytes differ near %d" % (self.label, got - len(mv)))
                pend = pend[k:]
                mv = mv[k:]
        if got != self.size or pend:
            fail("%s: got %d bytes, want %d" % (self.label, got, self.size))


def listen(spec):
    if spec.startswith("unix:"):
        l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        l.bind(spec[5:])
    elif spec.startswith("v6:"):
        l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        l.bind(("::1", 0))
    else:
        l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        l.bind(("127.0.0.1", 0))
    l.listen(4096)
    if not spec.startswith("unix:"):
        path = spec[3:] if spec.startswith("v6:") else spec
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % l.getsockname()[1])
        os.rename(path + ".tmp", path)
    l.settimeout(DEADLINE)
    return l


def pair(l, relay):
    c = connect(relay)
    c.settimeout(DEADLINE)
    b, _ = l.accept()
    b.settimeout(DEADLINE)
    return c, b


def run_threads(*fns):
    errs = []

    def wrap(f):
        try:
            f()
        except SystemExit as e:
            errs.append(str(e.code) if e.code not in (None, 1) else "failed")
        except Exception as e:  # a socket error is the finding
            errs.append("%s: %s" % (f.__name__, e))
    ts = [threading.Thread(target=wrap, args=(f,)) for f in fns]
    for t in ts:
        t.start()
    for t in ts:
        t.join(DEADLINE)
    return errs


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def expect_reset(s, label):
    s.settimeout(10)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                fail("%s: a clean EOF where a reset was due" % label)
    except ConnectionResetError:
        return
    except socket.timeout:
        fail("%s: neither a reset nor EOF within 10 s" % label)


def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def main(a):
    scen, backend, relay = a[0], a[1], a[2]
    l = listen(backend)
    c, b = pair(l, relay)
    if scen == "bulk":
        size = int(a[3])

        def cs():
            send_all(c, 1, size)
            c.shutdown(socket.SHUT_WR)

        def bs():
            send_all(b, 2, size)
            b.shutdown(socket.SHUT_WR)
        errs = run_threads(cs, bs, lambda: Checker(2, size, "to client").run(c),
                           lambda: Checker(1, size, "to backend").run(b))
    elif scen in ("late-backend", "late-client"):
        size, delay = int(a[3]), float(a[4])
        first, second = (c, b) if scen == "late-backend" else (b, c)
        send_all(first, 1, size)
        first.shutdown(socket.SHUT_WR)
        Checker(1, size, "first way").run(second)
        time.sleep(delay)
        send_all(second, 2, size)
        second.shutdown(socket.SHUT_WR)
        Checker(2, size, "late reply").run(first)
        errs = []
    elif scen in ("rst-client", "rst-backend"):
        x, y = (c, b) if scen == "rst-client" else (b, c)
        x.sendall(b"x" * 1000)
        got = 0
        while got < 1000:
            got += len(y.recv(1000 - got))
        rst(x)
        expect_reset(y, "the other side")
        errs = []
    elif scen == "rst-after-fin":
        c.shutdown(socket.SHUT_WR)
        if b.recv(10) != b"":
            fail("backend: data where EOF was due")
        b.sendall(b"partial")
        time.sleep(0.2)
        rst(b)
        expect_reset(c, "client")
        errs = []
    elif scen in ("slow-backend", "slow-client"):
        mb, pid = int(a[3]), wait_port(a[4])
        x, y = (c, b) if scen == "slow-backend" else (b, c)
        base = rss_kib(pid)
        peak = [base]
        done = threading.Event()

        def sender():
            send_all(x, 3, mb << 20)
            x.shutdown(socket.SHUT_WR)

        def watcher():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(pid))
                time.sleep(0.05)

        def reader():
            time.sleep(3)
            Checker(3, mb << 20, "slow reader").run(y)
            done.set()
        errs = run_threads(sender, watcher, reader)
        if peak[0] - base > 8192:
            errs.append("RSS grew by %d KiB (from %d)" % (peak[0] - base, base))
    elif scen == "pipeline":
        n = int(a[3])

        def backend_side():
            f = b.makefile("rb")
            out = 0
            while True:
                line = f.readline()
                if not line:
                    break
                if line != b"PING\r\n":
                    fail("backend: got %r" % line)
                b.sendall(b"+PONG\r\n")
                out += 1
            b.shutdown(socket.SHUT_WR)

        def client_side():
            c.sendall(b"PING\r\n" * n)
            c.shutdown(socket.SHUT_WR)
            buf = read_eof(c)
            if bytes(buf) != b"+PONG\r\n" * n:
                fail("client: %d bytes of answers, want %d" % (len(buf), 7 * n))
        errs = run_threads(backend_side, client_side)
    else:
        fail("unknown scenario " + scen)
    if errs:
        fail("; ".join(errs))
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
