#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A hostile Docker Engine API peer on a Unix socket: it answers /_ping as dockerd does (so
# that a client goes on), then answers every other request as MODE says:
#   garbage        bytes that are not HTTP, then it closes
#   endless-header a status line, then header lines without end
#   huge-claim     a JSON reply that claims 10 GB and keeps sending
#   silent         nothing at all, the connection kept open
# Usage: hostile-peer.py SOCKET MODE (it prints "ready" once it listens).
import os
import socket
import sys
import threading

path, mode = sys.argv[1], sys.argv[2]


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b" ", 2)[1].decode("latin-1")


def serve(conn):
    try:
        target = read_request(conn)
        if target is None:
            return
        if target == "/_ping":
            conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")
            return
        if mode == "garbage":
            conn.sendall(b"\x00\xff\xfe not HTTP at all \x01\x02\r\n\r\n" * 10)
        elif mode == "endless-header":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while True:
                conn.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        elif mode == "huge-claim":
            conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 10737418240\r\n\r\n[")
            while True:
                conn.sendall(b" " * 65536)
        elif mode == "silent":
            threading.Event().wait()
    except OSError:
        pass
    finally:
        conn.close()


server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(16)
print("ready", flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
