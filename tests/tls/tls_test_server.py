#!/usr/bin/env python3
"""Loopback TLS server for the TLS tests: an echo upstream, a CCcam-like upstream (16-byte greeting
with a valid checksum, then echo; "cccam-mute" greets and then never answers, like a hung server)
or a tiny HTTPS list server.

Listens on 127.0.0.1 (port chosen by the OS), prints "PORT <n>" on stdout once ready, serves each
connection on a thread and exits by itself after --lifetime seconds (the test also stops it).

HTTPS paths (files come from --docroot):
  /files/NAME            200, Content-Length body
  /chunked/NAME          200, Transfer-Encoding: chunked (7-byte chunks, to cross record edges)
  /close/NAME            200, body ends when the connection closes (no length)
  /status/CODE           that status, short body
  /redirect-http         302 to a plain http:// URL
  /redirect-https        302 to https://127.0.0.1:<this port>/files/list.json
  /redirect-relative     301 to /chunked/list.json
  /redirect-loop         302 to itself
  /raw/NAME              the file's bytes as the whole response (tests write raw HTTP)
  /big                   200, Content-Length 4 MiB of 'x'
  /big-chunked           200, chunked, 4 MiB of 'x'
  /hang                  reads the request, never answers (until the lifetime ends)
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time

BIG = 4 * 1024 * 1024


def send_response(conn, status, headers, body):
    head = "HTTP/1.1 %d X\r\n" % status + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n"
    conn.sendall(head.encode() + body)


def serve_http(conn, docroot, deadline):
    request = b""
    while b"\r\n\r\n" not in request and len(request) < 65536:
        data = conn.recv(4096)
        if not data:
            return
        request += data
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != "GET":
        send_response(conn, 400, [("Content-Length", "0")], b"")
        return
    path = parts[1]

    def file_body(prefix):
        name = os.path.basename(path[len(prefix):])
        with open(os.path.join(docroot, name), "rb") as f:
            return f.read()

    if path.startswith("/files/"):
        body = file_body("/files/")
        send_response(conn, 200, [("Content-Length", str(len(body))), ("Connection", "close")], body)
    elif path.startswith("/chunked/"):
        body = file_body("/chunked/")
        out = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                       for i in range(0, len(body), 7))
        send_response(conn, 200, [("Transfer-Encoding", "chunked")], out + b"0\r\n\r\n")
    elif path.startswith("/close/"):
        send_response(conn, 200, [("Connection", "close")], file_body("/close/"))
    elif path.startswith("/status/"):
        send_response(conn, int(path[len("/status/"):]), [("Content-Length", "4")], b"nope")
    elif path == "/redirect-http":
        send_response(conn, 302, [("Location", "http://127.0.0.1/list.json"),
                                  ("Content-Length", "0")], b"")
    elif path == "/redirect-https":
        target = "https://127.0.0.1:%d/files/list.json" % conn.getsockname()[1]
        send_response(conn, 302, [("Location", target), ("Content-Length", "0")], b"")
    elif path == "/redirect-relative":
        send_response(conn, 301, [("Location", "/chunked/list.json"), ("Content-Length", "0")], b"")
    elif path == "/redirect-loop":
        send_response(conn, 302, [("Location", "/redirect-loop"), ("Content-Length", "0")], b"")
    elif path.startswith("/raw/"):
        conn.sendall(file_body("/raw/"))
    elif path == "/big":
        send_response(conn, 200, [("Content-Length", str(BIG))], b"x" * BIG)
    elif path == "/big-chunked":
        chunk = b"x" * 65536
        out = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(BIG // len(chunk)))
        send_response(conn, 200, [("Transfer-Encoding", "chunked")], out + b"0\r\n\r\n")
    elif path == "/hang":
        while time.monotonic() < deadline:
            time.sleep(0.2)
    else:
        send_response(conn, 404, [("Content-Length", "0")], b"")


def serve_cccam(conn, mute):
    greeting = bytearray(os.urandom(12))
    greeting += bytes((greeting[i] + greeting[4 + i] + greeting[8 + i]) & 0xff for i in range(4))
    conn.sendall(bytes(greeting))
    if not mute:
        serve_echo(conn)
        return
    while conn.recv(65536):  # a hung server: takes bytes, never answers
        pass


def serve_echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def handle(raw, context, args, deadline):
    try:
        raw.settimeout(max(1.0, deadline - time.monotonic()))
        with context.wrap_socket(raw, server_side=True) as conn:
            if args.mode == "echo":
                serve_echo(conn)
            elif args.mode in ("cccam", "cccam-mute"):
                serve_cccam(conn, args.mode == "cccam-mute")
            else:
                serve_http(conn, args.docroot, deadline)
            try:
                conn.unwrap()
            except (OSError, ssl.SSLError):
                pass
    except (OSError, ssl.SSLError):
        pass  # refused handshakes are what several tests are about
    finally:
        raw.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["echo", "cccam", "cccam-mute", "http"], required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--docroot", default=".")
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    print("PORT %d" % listener.getsockname()[1], flush=True)

    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        try:
            raw, _ = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(raw, context, args, deadline), daemon=True).start()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
