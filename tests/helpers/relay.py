#!/usr/bin/env python3
"""relay.py - the far end of a sockit relay (tcp-send's stdin relay, tcp-serve -i),
in plain python sockets, for the relay rule's tests. Bounded in time.

  relay.py server|client ADDR SENDFILE RECVFILE ORDER DELAY MARKER
      server: listen on ADDR (a port file is written to ADDR, a Unix path starting
      with unix: is listened on) and take one client; client: connect to the port
      in the port file ADDR (or unix:PATH). Then, with ORDER
        peer    half-close first: after DELAY s send SENDFILE, shut down for
                writing, create MARKER, and read to EOF into RECVFILE
        sockit  read to EOF into RECVFILE (sockit half-closes first), then after
                DELAY s send SENDFILE and close
        reset   as peer, but after DELAY s of reading, reset the connection
      Exit 0 when done, 1 on a socket error (printed).

  relay.py fuzz SOCKIT SEED ROUNDS [unix]
      ROUNDS random exchanges through tcp-send and tcp-serve -i in turn: random
      sizes both ways, random chunks and pauses on both sides, a random moment
      for the peer to half-close. Each round checks the bytes each way and the
      exit status of both ends; the first failure prints the seed and round.
"""
import os, random, socket, struct, subprocess, sys, threading, time

DEADLINE = 60


def wait_port(path):
    end = time.time() + 10
    while time.time() < end:
        try:
            with open(path) as f:
                t = f.read()
            if t.endswith("\n"):
                return int(t)
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit("no port in %s" % path)


def connect(addr):
    if addr.startswith("unix:"):
        path = addr[5:]
        end = time.time() + 10
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
                if time.time() > end:
                    raise
                time.sleep(0.01)
    return socket.create_connection(("127.0.0.1", wait_port(addr)), timeout=DEADLINE)


def accept(addr):
    if addr.startswith("unix:"):
        l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        l.bind(addr[5:])
    else:
        l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        l.bind(("127.0.0.1", 0))
    l.listen(1)
    if not addr.startswith("unix:"):
        tmp = addr + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % l.getsockname()[1])
        os.rename(tmp, addr)
    l.settimeout(DEADLINE)
    c, _ = l.accept()
    l.close()
    return c


def read_all(s, out):
    with open(out, "wb") as f:
        while True:
            d = s.recv(65536)
            if not d:
                return
            f.write(d)


def one(role, addr, sendfile, recvfile, order, delay, marker):
    s = accept(addr) if role == "server" else connect(addr)
    s.settimeout(DEADLINE)
    with open(sendfile, "rb") as f:
        data = f.read()
    if order == "reset":
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        open(marker, "w").close()
        time.sleep(delay)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif order == "peer":
        time.sleep(delay)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        open(marker, "w").close()
        read_all(s, recvfile)
    else:
        read_all(s, recvfile)
        time.sleep(delay)
        s.sendall(data)
    s.close()


def chunks(rng, data):
    """data cut at random points, each piece with a random pause before it."""
    i = 0
    while i < len(data):
        n = rng.choice((1, rng.randint(1, 512), rng.randint(1, 70000)))
        yield data[i:i + n], rng.choice((0, 0, 0, rng.random() * 0.004))
        i += n


def fuzz_round(sockit, rng, rnd, unix, tmp):
    def size():
        return rng.choice((0, 1, rng.randint(0, 300), rng.randint(0, 200000),
                           65535, 65536, 65537))
    a = os.urandom(size())  # sockit's stdin, to the peer
    b = os.urandom(size())  # the peer's data, to sockit's stdout
    # the peer half-closes once it has sent b and seen this much of a
    close_at = rng.randint(0, len(a))
    serve = rnd % 2 == 1
    got_a = bytearray()
    err = []

    if unix:
        path = os.path.join(tmp, "f%d.sock" % rnd)
        if serve:
            cmd = [sockit, "unix-serve", "-i", path]
        else:
            l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            l.bind(path)
            l.listen(1)
            cmd = [sockit, "unix-send", path]
    else:
        pf = os.path.join(tmp, "f%d.port" % rnd)
        if serve:
            cmd = [sockit, "tcp-serve", "-i", "--port-file", pf, "0"]
        else:
            l = socket.socket()
            l.bind(("127.0.0.1", 0))
            l.listen(1)
            cmd = [sockit, "tcp-send", "127.0.0.1", str(l.getsockname()[1])]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = []

    def feed():
        try:
            for piece, pause in chunks(random.Random(rng.random()), a):
                time.sleep(pause)
                p.stdin.write(piece)
                p.stdin.flush()
            p.stdin.close()
        except OSError as e:
            err.append("feeding stdin: %s" % e)

    def drain():
        out.append(p.stdout.read())
        out.append(p.stderr.read())

    tf = threading.Thread(target=feed)
    td = threading.Thread(target=drain)
    tf.start()
    td.start()
    if serve:
        s = connect("unix:" + path if unix else pf)
    else:
        l.settimeout(DEADLINE)
        s, _ = l.accept()
        l.close()
    s.settimeout(DEADLINE)
    prng = random.Random(rng.random())
    sent_b = [False]

    def send_b():
        for piece, pause in chunks(prng, b):
            time.sleep(pause)
            s.sendall(piece)
        sent_b[0] = True

    ts = threading.Thread(target=send_b)
    ts.start()
    shut = False
    while True:
        if not shut and sent_b[0] and len(got_a) >= close_at:
            s.shutdown(socket.SHUT_WR)
            shut = True
        s.settimeout(0.01 if not shut else DEADLINE)
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        got_a += d
    ts.join()
    if not shut:
        s.shutdown(socket.SHUT_WR)
    s.close()
    tf.join()
    td.join()
    rc = p.wait(timeout=DEADLINE)
    why = list(err)
    if rc != 0:
        why.append("sockit exited %d: %r" % (rc, out[1][:300]))
    if bytes(got_a) != a:
        why.append("peer got %d of %d bytes (%s)" % (len(got_a), len(a),
                   "same prefix" if a.startswith(bytes(got_a)) else "different bytes"))
    if out[0] != b:
        why.append("stdout has %d of %d bytes" % (len(out[0]), len(b)))
    return "; ".join(why), "%s, %d bytes in, %d out, peer closes at %d" % (
        " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd[:2])),
        len(a), len(b), close_at)


def fuzz(sockit, seed, rounds, unix):
    import tempfile
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp()
    for rnd in range(rounds):
        why, what = fuzz_round(sockit, rng, rnd, unix, tmp)
        if why:
            print("seed %d, round %d (%s): %s" % (seed, rnd, what, why))
            return 1
    return 0


def main():
    if sys.argv[1] == "fuzz":
        return fuzz(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                    len(sys.argv) > 5 and sys.argv[5] == "unix")
    role, addr, sendfile, recvfile, order, delay, marker = sys.argv[1:8]
    try:
        one(role, addr, sendfile, recvfile, order, float(delay), marker)
    except OSError as e:
        print("relay.py: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
