#!/usr/bin/env python3
"""notify.py - a NOTIFY_SOCKET for the tests, as systemd keeps one: a Unix
datagram socket at PATH (or @NAME, abstract) whose datagrams are appended to
LOG, each followed by a line "--". Ends after 60 s or with its parent.
  notify.py PATH LOG"""
import os, socket, sys, time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(log + ".ready", "w").close()
s.settimeout(1)
parent, end = os.getppid(), time.time() + 60
while os.getppid() == parent and time.time() < end:
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    with open(log, "ab") as f:
        f.write(d + b"--\n")
