#!/usr/bin/env python3
"""uprecords: one HTTP/1.1 upload over TLS whose body leaves in TLS records of chosen sizes
(one SSL write each, so one record each: 1 byte, a few bytes, a full 16 KiB record, one
byte more than that...), Content-Length or chunked (a chunk per record, or chunks that
straddle records), to see the proxy hand every split of a body to its backend intact.
Prints the response (the test backend's /upload answers with the body's sha256).

  uprecords.py --port P --host NAME --path /upload --file F [--chunked]
"""
import argparse
import socket
import ssl
import sys

SIZES = [1, 2, 3, 7, 100, 1000, 4096, 8191, 8192, 8193, 12345, 16383, 16384, 16385, 40000]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--path", default="/upload")
    ap.add_argument("--file", required=True)
    ap.add_argument("--chunked", action="store_true")
    a = ap.parse_args()
    body = open(a.file, "rb").read()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    raw = socket.create_connection(("127.0.0.1", a.port), timeout=60)
    s = ctx.wrap_socket(raw, server_hostname=a.host)
    framing = b"Transfer-Encoding: chunked" if a.chunked else b"Content-Length: %d" % len(body)
    s.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\nConnection: close\r\n\r\n"
              % (a.path.encode(), a.host.encode(), framing))
    # the body's pieces: the sizes above in turn, each one record (the largest are cut
    # into records by the TLS layer at 16 KiB)
    off, i = 0, 0
    while off < len(body):
        n = min(SIZES[i % len(SIZES)], len(body) - off)
        piece = body[off:off + n]
        if a.chunked and i % 2 == 0:
            piece = b"%x\r\n" % n + piece + b"\r\n"   # a chunk in its own record(s)
        elif a.chunked:
            # the chunk's framing in one record, its data in the next
            s.sendall(b"%x\r\n" % n)
            piece = piece + b"\r\n"
        s.sendall(piece)
        off += n
        i += 1
    if a.chunked:
        s.sendall(b"0\r\n\r\n")
    out = b""
    while True:
        try:
            d = s.recv(65536)
        except (ssl.SSLError, OSError):
            break
        if not d:
            break
        out += d
    sys.stdout.write(out.decode("latin-1"))


if __name__ == "__main__":
    main()
