#!/usr/bin/env python3
"""kareneg.py PORT CA CERT KEY PATH[@MS]...: one keep-alive TLS 1.2 connection, a GET of
each PATH in turn (Host: localhost); with @MS the client waits MS milliseconds after
sending the request before it reads (a renegotiation's HelloRequest waits unread, the
server idle meanwhile).  Prints the statuses, space-separated; exits 1 on an error."""
import socket
import ssl
import sys
import time


def main():
    port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    buf = b""
    out = []
    for arg in sys.argv[5:]:
        path, _, ms = arg.partition("@")
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        if ms:
            time.sleep(int(ms) / 1000)
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                print(" ".join(out + ["EOF"]))
                return 1
            buf += d
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        length = 0
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        while len(buf) < length:
            d = s.recv(65536)
            if not d:
                print(" ".join(out + ["EOF"]))
                return 1
            buf += d
        buf = buf[length:]
        out.append(lines[0].split(b" ")[1].decode())
    print(" ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
