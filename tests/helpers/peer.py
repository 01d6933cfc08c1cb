#!/usr/bin/env python3
"""peer.py - an independent TCP peer for the tests, in plain python sockets.
Every mode is bounded in time and ends by itself.

  HOST may be unix:PATH (with any PORT) for a Unix stream socket.
  peer.py echo-server PORTFILE          threaded echo server (interop)
  peer.py blackhole PORTFILE            a listener whose queue is full: SYNs go unanswered
  peer.py reset PORTFILE                accept one client, send 'partial', reset it
  peer.py closer PORTFILE               accept one client, read 10 bytes, close
  peer.py echo-clients HOST PORT N SIZE N concurrent clients, each checks its echo
  peer.py nonreader HOST PORT SECS      send without ever reading; print bytes sent
  peer.py send-recv HOST PORT INFILE    send INFILE, half-close, print the reply to stdout
  peer.py udp-echo PORTFILE             UDP echo server on 127.0.0.1 (60 s at most)
  peer.py udp-hops FAMILY PORTFILE      print the TTL / hop limit of one datagram
  peer.py udp-paced HOST PORT N TAG     send N datagrams "TAG i\n", 2 ms apart
  peer.py exhaust HOST PORT N SECS      hold N connections for SECS; meanwhile the
                                        first must still be echoed ("first ok")
  peer.py churn HOST PORT SECS          connect, send, check the echo, close, for SECS;
                                        every 8th client resets mid-transfer instead
  peer.py slowloris HOST PORT N         N clients sending a byte a second; prints how
                                        many the server closed within 5 s
  peer.py dribble HOST PORT HEX         send the bytes of HEX one at a time, 5 ms
                                        apart, half-close, print the reply
                                        ("[reset]" and exit 1 on a reset)
  peer.py hold tcp|udp PORTFILE         hold a port no one else can bind, on which
                                        nothing answers: TCP bound, never listening;
                                        UDP connected elsewhere, so other senders get
                                        port unreachable. Ends with its parent.
"""
import os, socket, struct, sys, threading, time, selectors

def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)

def read_eof(s):
    """Everything s sends until its EOF."""
    out = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            return out
        out += d

def dial(host, port, timeout):
    """A TCP connection, or with HOST unix:PATH a Unix stream one (PORT unused)."""
    if host.startswith("unix:"):
        # A Unix connect in timeout mode does not wait for a full backlog: it
        # fails with EAGAIN. Try again until the timeout.
        end = time.time() + timeout
        while True:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(timeout)
            try:
                c.connect(host[5:])
                return c
            except (BlockingIOError, InterruptedError):
                c.close()
                if time.time() > end:
                    raise
                time.sleep(0.001)
    return socket.create_connection((host, port), timeout=timeout)

def listener(backlog=128):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s

def echo_server(portfile):
    s = listener()
    write_port(portfile, s.getsockname()[1])
    s.settimeout(60)
    def serve(c):
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    return
                c.sendall(d)
    while True:
        try:
            c, _ = s.accept()
        except socket.timeout:
            return
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def blackhole(portfile):
    s = listener(0)
    port = s.getsockname()[1]
    fill = []
    for _ in range(4):  # fill the accept queue; later SYNs are dropped
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fill.append(c)
    time.sleep(0.2)
    write_port(portfile, port)
    time.sleep(60)

def reset(portfile):
    s = listener()
    write_port(portfile, s.getsockname()[1])
    s.settimeout(30)
    c, _ = s.accept()
    c.sendall(b"partial")
    time.sleep(0.2)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()

def closer(portfile):
    s = listener()
    write_port(portfile, s.getsockname()[1])
    s.settimeout(30)
    c, _ = s.accept()
    c.recv(10)
    c.close()  # unread data behind it: the kernel resets the connection
    time.sleep(1)

def echo_clients(host, port, n, size):
    sel = selectors.DefaultSelector()
    deadline = time.time() + 60
    conns = []
    for i in range(n):
        c = dial(host, port, 30)
        c.setblocking(False)
        data = os.urandom(size)
        st = {"sock": c, "data": data, "sent": 0, "got": bytearray()}
        conns.append(st)
        sel.register(c, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    left = n
    while left and time.time() < deadline:
        for key, ev in sel.select(timeout=1):
            st = key.data
            c = st["sock"]
            if ev & selectors.EVENT_WRITE and st["sent"] < size:
                st["sent"] += c.send(st["data"][st["sent"]:st["sent"] + 65536])
                if st["sent"] == size:
                    sel.modify(c, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                d = c.recv(65536)
                if not d:
                    print("early EOF")
                    return 1
                st["got"] += d
                if len(st["got"]) == size:
                    sel.unregister(c)
                    left -= 1
    bad = sum(1 for st in conns if bytes(st["got"]) != st["data"])
    for st in conns:
        st["sock"].close()
    if left or bad:
        print("unfinished %d, wrong %d" % (left, bad))
        return 1
    print("ok")
    return 0

def nonreader(host, port, secs):
    c = dial(host, port, 10)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.setblocking(False)
    sent = 0
    chunk = b"x" * 65536
    end = time.time() + secs
    while time.time() < end:
        try:
            sent += c.send(chunk)
        except BlockingIOError:
            time.sleep(0.01)
    print(sent)
    sys.stdout.flush()
    time.sleep(0.5)
    c.close()

def send_recv(host, port, infile):
    c = dial(host, port, 30)
    with open(infile, "rb") as f:
        data = f.read()
    out = bytearray()
    c.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(c, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent = 0
    end = time.time() + 60
    while time.time() < end:
        ev = sel.select(timeout=1)
        if not ev:
            continue
        mask = ev[0][1]
        if mask & selectors.EVENT_WRITE:
            if sent < len(data):
                try:
                    sent += c.send(data[sent:sent + 65536])
                except BlockingIOError:
                    pass
            if sent == len(data):
                c.shutdown(socket.SHUT_WR)
                sel.modify(c, selectors.EVENT_READ)
        if mask & selectors.EVENT_READ:
            d = c.recv(65536)
            if not d:
                break
            out += d
    sys.stdout.buffer.write(out)

def udp_echo(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    write_port(portfile, s.getsockname()[1])
    s.settimeout(60)
    while True:
        try:
            d, a = s.recvfrom(65536)
        except socket.timeout:
            return
        s.sendto(d, a)

def udp_hops(family, portfile):
    if family == "6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
        s.bind(("::1", 0))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
        s.bind(("127.0.0.1", 0))
    write_port(portfile, s.getsockname()[1])
    s.settimeout(20)
    d, anc, flags, addr = s.recvmsg(65536, 64)
    for level, typ, data in anc:
        print(struct.unpack("i", data[:4])[0])

def udp_paced(host, port, n, tag):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(("%s %d\n" % (tag, i)).encode(), (host, port))
        time.sleep(0.002)

def exhaust(host, port, n, secs):
    conns = []
    for i in range(n):
        unix = host.startswith("unix:")
        c = socket.socket(socket.AF_UNIX if unix else socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(host[5:] if unix else (host, port))
        conns.append(c)
    time.sleep(0.5)
    print("holding %d" % n, flush=True)
    first = conns[0]
    first.setblocking(True)
    first.settimeout(5)
    try:
        first.sendall(b"still served\n")
        ok = first.recv(100) == b"still served\n"
    except OSError as e:
        ok = False
    print("first ok" if ok else "first not served", flush=True)
    time.sleep(secs)
    for c in conns:
        c.close()
    print("released", flush=True)
    return 0 if ok else 1

def churn(host, port, secs):
    end = time.time() + secs
    done = resets = 0
    while time.time() < end:
        c = dial(host, port, 10)
        if done % 8 == 7:
            c.sendall(os.urandom(65536))
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
            resets += 1
            done += 1
            continue
        data = os.urandom(1 + done % 4096)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        got = read_eof(c)
        c.close()
        if bytes(got) != data:
            print("client %d: wrong echo (%d of %d bytes)" % (done, len(got), len(data)))
            return 1
        done += 1
    print("ok %d clients, %d reset" % (done, resets))
    return 0

def slowloris(host, port, n):
    conns = [dial(host, port, 10) for _ in range(n)]
    for c in conns:
        c.setblocking(False)
    closed = set()
    end = time.time() + 5
    while time.time() < end and len(closed) < n:
        for i, c in enumerate(conns):
            if i in closed:
                continue
            try:
                while c.recv(65536):
                    pass
                closed.add(i)  # EOF
                continue
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
                continue
            try:
                c.send(b"x")
            except OSError:
                closed.add(i)
        time.sleep(1)
    print(len(closed))
    return 0

def dribble(host, port, hexdata):
    c = dial(host, port, 10)
    try:
        for b in bytes.fromhex(hexdata):
            c.sendall(bytes([b]))
            time.sleep(0.005)
        c.shutdown(socket.SHUT_WR)
        out = read_eof(c)
    except ConnectionResetError:
        print("[reset]")
        return 1
    sys.stdout.buffer.write(out)
    return 0

def hold(proto, portfile):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", 0))  # both families, so no server of either can take it
    if kind == socket.SOCK_DGRAM:
        s.connect(("::ffff:127.0.0.1", 9))  # datagrams from anyone else: refused
    write_port(portfile, s.getsockname()[1])
    parent, end = os.getppid(), time.time() + 3600
    while os.getppid() == parent and time.time() < end:
        time.sleep(1)

def main(a):
    m = a[0]
    if m == "echo-server": echo_server(a[1])
    elif m == "blackhole": blackhole(a[1])
    elif m == "reset": reset(a[1])
    elif m == "closer": closer(a[1])
    elif m == "echo-clients": return echo_clients(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif m == "nonreader": nonreader(a[1], int(a[2]), float(a[3]))
    elif m == "send-recv": send_recv(a[1], int(a[2]), a[3])
    elif m == "udp-echo": udp_echo(a[1])
    elif m == "udp-hops": udp_hops(a[1], a[2])
    elif m == "udp-paced": udp_paced(a[1], int(a[2]), int(a[3]), a[4])
    elif m == "exhaust": return exhaust(a[1], int(a[2]), int(a[3]), float(a[4]))
    elif m == "churn": return churn(a[1], int(a[2]), float(a[3]))
    elif m == "hold": hold(a[1], a[2])
    elif m == "dribble": return dribble(a[1], int(a[2]), a[3])
    elif m == "slowloris": return slowloris(a[1], int(a[2]), int(a[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
