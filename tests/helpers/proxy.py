#!/usr/bin/env python3
"""proxy.py - a test proxy for tcp-send --proxy: the replies real proxies will
not give on demand. Serves clients for 60 s at most; each request it got is
appended, in hex, to PORTFILE.req.

  proxy.py PORTFILE MODE
    socks5          a working SOCKS5 proxy (no auth; or user:pass if MODE is
                    socks5:USER:PASS); it connects and relays, half-closes too
    socks5-rep:N    the SOCKS5 connect reply with REP N
    socks4          a working SOCKS4/4a proxy;   socks4-rep:N  reply CD N
    http            a working HTTP CONNECT proxy; http-status:CODE  that status
    cut             a SOCKS5 method reply, then half a connect reply, then close
    garbage         answers "hello, world\\r\\n" to anything
    silent          accepts and never answers
"""
import os, socket, struct, sys, threading, time


def relay(a, b):
    def one(x, y):
        try:
            while True:
                d = x.recv(65536)
                if not d:
                    y.shutdown(socket.SHUT_WR)
                    return
                y.sendall(d)
        except OSError:
            pass
    t = threading.Thread(target=one, args=(b, a))
    t.start()
    one(a, b)
    t.join(30)
    a.close()
    b.close()


def exact(c, n):
    d = b""
    while len(d) < n:
        k = c.recv(n - len(d))
        if not k:
            raise EOFError
        d += k
    return d


def until(c, stop):
    d = b""
    while not d.endswith(stop):
        k = c.recv(1)
        if not k:
            raise EOFError
        d += k
    return d


def serve(c, mode, log):
    got = b""
    if mode in ("garbage",):
        c.recv(4096)
        c.sendall(b"hello, world\r\n")
        return
    if mode == "silent":
        time.sleep(30)
        return
    if mode.startswith("http"):
        got = until(c, b"\r\n\r\n")
        log(got)
        if mode.startswith("http-status:"):
            code = mode.split(":")[1]
            c.sendall(b"HTTP/1.1 %s Test Status\r\nContent-Length: 0\r\n\r\n" % code.encode())
            return
        target = got.split(b" ")[1].decode()
        host, port = target.rsplit(":", 1)
        b = socket.create_connection((host.strip("[]"), int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\nX-Test: 1\r\n\r\n")
        return relay(c, b)
    if mode.startswith("socks4"):
        head = exact(c, 8)
        uid = until(c, b"\0")
        name = until(c, b"\0") if head[4:7] == b"\0\0\0" and head[7] else b""
        log(head + uid + name)
        if mode.startswith("socks4-rep:"):
            c.sendall(bytes([0, int(mode.split(":")[1])]) + b"\0" * 6)
            return
        port = struct.unpack(">H", head[2:4])[0]
        host = name[:-1].decode() if name else socket.inet_ntoa(head[4:8])
        b = socket.create_connection((host, port))
        c.sendall(b"\0\x5a" + b"\0" * 6)
        return relay(c, b)
    # SOCKS5
    hello = exact(c, 2)
    methods = exact(c, hello[1])
    log(hello + methods)
    auth = mode.split(":", 2)[1:] if mode.startswith("socks5:") else None
    if auth:
        if 2 not in methods:
            c.sendall(b"\5\xff")
            return
        c.sendall(b"\5\2")
        v = exact(c, 2)
        u = exact(c, v[1])
        pl = exact(c, 1)
        p = exact(c, pl[0])
        log(v + u + pl + p)
        ok = [u.decode(), p.decode()] == auth
        c.sendall(b"\1\0" if ok else b"\1\1")
        if not ok:
            return
    else:
        c.sendall(b"\5\0")
    if mode == "cut":
        exact(c, 10)  # all of an IPv4 request: a close with unread bytes would be a reset
        c.sendall(b"\5\0\0")
        return
    req = exact(c, 4)
    if req[3] == 1:
        a = exact(c, 4)
        host = socket.inet_ntoa(a)
    elif req[3] == 4:
        a = exact(c, 16)
        host = socket.inet_ntop(socket.AF_INET6, a)
    else:
        l = exact(c, 1)
        a = l + exact(c, l[0])
        host = a[1:].decode()
    port = exact(c, 2)
    log(req + a + port)
    if mode.startswith("socks5-rep:"):
        c.sendall(bytes([5, int(mode.split(":")[1]), 0, 1]) + b"\0" * 6)
        return
    try:
        b = socket.create_connection((host, struct.unpack(">H", port)[0]), timeout=5)
    except OSError:
        c.sendall(b"\5\5\0\1" + b"\0" * 6)
        return
    b.settimeout(None)
    c.sendall(b"\5\0\0\1\x7f\0\0\1\0\0")
    relay(c, b)


def main(portfile, mode):
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(16)
    lock = threading.Lock()

    def log(b):
        with lock, open(portfile + ".req", "a") as f:
            f.write(b.hex() + "\n")
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % l.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    l.settimeout(1)
    end = time.time() + 60
    while time.time() < end:
        try:
            c, _ = l.accept()
        except socket.timeout:
            continue

        def run(c=c):
            try:
                serve(c, mode, log)
            except (EOFError, OSError):
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
