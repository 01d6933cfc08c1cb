#!/usr/bin/env python3
"""dns.py - a fake DNS server for tests/resolve.test, in plain python sockets.

  dns.py ZONE READY LOG    answer on 127.0.0.1:53 and [::1]:53 (the test's own
                           network namespace) from ZONE; touch READY once bound;
                           write "NAME TYPE" to LOG for each query; end after 60 s

ZONE lines: "NAME A 1.2.3.4", "NAME AAAA ::1", "NAME CNAME OTHER", or NAME with
NXDOMAIN, SERVFAIL or DROP (no reply), or SPOOF ADDR: first a reply with the
wrong id and ADDR, then the right one. ZONE is read afresh for each query.
"""
import socket, select, struct, sys, time

TYPES = {1: "A", 28: "AAAA", 5: "CNAME"}

def zone(path):
    z = {}
    for line in open(path):
        w = line.split()
        if len(w) >= 2:
            z.setdefault(w[0].lower().rstrip("."), []).append((w[1], w[2] if len(w) > 2 else ""))
    return z

def qname(msg):
    labels, i = [], 12
    while msg[i]:
        labels.append(msg[i + 1:i + 1 + msg[i]].decode("latin-1"))
        i += msg[i] + 1
    qtype, = struct.unpack("!H", msg[i + 1:i + 3])
    return ".".join(labels), qtype, i + 5

def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".") if l) + b"\0"

def rr(owner, t, value):
    if t == "A":
        code, data = 1, socket.inet_pton(socket.AF_INET, value)
    elif t == "AAAA":
        code, data = 28, socket.inet_pton(socket.AF_INET6, value)
    else:
        code, data = 5, name(value)
    return name(owner) + struct.pack("!HHIH", code, 1, 60, len(data)) + data

def answer(msg, z):
    n, qtype, end = qname(msg)
    recs = z.get(n.lower())
    if recs is None:
        return [msg[:2] + b"\x81\x83" + msg[4:6] + b"\0\0\0\0\0\0" + msg[12:end]]
    kinds = [t for t, _ in recs]
    if "DROP" in kinds:
        return []
    rcode = 3 if "NXDOMAIN" in kinds else 2 if "SERVFAIL" in kinds else 0
    out, owner, seen = [], n, 0
    while rcode == 0 and seen < 8:
        seen += 1
        rs = z.get(owner.lower(), [])
        out += [rr(owner, t, v) for t, v in rs if TYPES.get(qtype) == t]
        cn = [v for t, v in rs if t == "CNAME"]
        if not cn or qtype == 5:
            break
        out.append(rr(owner, "CNAME", cn[0]))
        owner = cn[0]
    reply = msg[:2] + bytes([0x81, 0x80 | rcode]) + msg[4:6] + struct.pack("!HHH", len(out), 0, 0) + \
        msg[12:end] + b"".join(out)
    spoof = [v for t, v in recs if t == "SPOOF"]
    if spoof and qtype == 1:
        bad = bytes([msg[0] ^ 0x55, msg[1]]) + reply[2:6] + b"\0\1\0\0\0\0" + msg[12:end] + rr(n, "A", spoof[0])
        return [bad, reply]
    return [reply]

def main(a):
    zpath, ready, logpath = a
    socks = []
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, 53))
        socks.append(s)
    open(ready, "w").close()
    log = open(logpath, "a")
    end = time.time() + 60
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], 1)
        for s in r:
            msg, peer = s.recvfrom(4096)
            try:
                n, qtype, _ = qname(msg)
                log.write("%s %s\n" % (n, TYPES.get(qtype, qtype)))
                log.flush()
                for m in answer(msg, zone(zpath)):
                    s.sendto(m, peer)
            except (IndexError, struct.error, OSError, ValueError):
                pass
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
