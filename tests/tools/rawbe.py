#!/usr/bin/env python3
"""rawbe.py PORT SCRIPT: a scripted raw HTTP/1.1 backend for tests of what sysbind does with
bad or unusual backend bytes.  SCRIPT is a Python file that fills the dict S, one entry per
request path (the path without its query), a list of steps done in order once the request
(head and body) has been read:

    S["/cl-short"] = [("send", b"HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\nabc"), ("fin",)]

    ("send", BYTES)   write BYTES (TCP_NODELAY: a send is a segment)
    ("drip", BYTES)   write BYTES one byte a segment, 10 ms apart (the pacing is the script)
    ("hold",)         send nothing more until the peer closes (a stalled backend)
    ("fin",)          shutdown(SHUT_WR) and close
    ("rst",)          close with SO_LINGER 0: a TCP reset (printed: "conn N reset")
    ("next",)         read the next request on this connection (keep-alive), then go on
                      with the steps after this one (its own path's steps are not run)

A path without an entry is answered "HTTP/1.1 200 OK", Content-Length 2, "ok", keep-alive.
When the steps end without fin/rst/hold the connection serves its next request.  Every
request read is printed to stdout as "conn N REQUEST-LINE" (flushed), so a test can count
what reached the backend and on which connection."""
import socket
import sys
import threading
import time

S = {}


def read_request(c, buf):
    """Read one request from c (buf: bytes already read).  Returns (request line, leftover)
    or (None, b"") when the peer closed first."""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    cl, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            cl = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:   # enough for the tests: the body ends with the last chunk, no trailers
        while not rest.endswith(b"0\r\n\r\n"):
            d = c.recv(65536)
            if not d:
                return None, b""
            rest += d
        return lines[0].decode("latin-1"), b""
    while len(rest) < cl:
        d = c.recv(65536)
        if not d:
            return None, b""
        rest += d
    return lines[0].decode("latin-1"), rest[cl:]


def serve(c, k):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            line, buf = read_request(c, buf)
            if line is None:
                return
            print("conn %d %s" % (k, line), flush=True)
            path = line.split(" ")[1].split("?")[0] if line.count(" ") >= 2 else ""
            steps = S.get(path, [("send", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])
            for step in steps:
                if step[0] == "send":
                    c.sendall(step[1])
                elif step[0] == "drip":
                    for i in range(len(step[1])):
                        c.sendall(step[1][i:i + 1])
                        time.sleep(0.01)
                elif step[0] == "hold":
                    while c.recv(65536):
                        pass
                    return
                elif step[0] == "fin":
                    c.shutdown(socket.SHUT_WR)
                    return
                elif step[0] == "rst":
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                    c.close()
                    print("conn %d reset" % k, flush=True)
                    return
                elif step[0] == "next":
                    line, buf = read_request(c, buf)
                    if line is None:
                        return
                    print("conn %d %s" % (k, line), flush=True)
    except OSError:
        pass
    finally:
        c.close()


def main():
    port, script = int(sys.argv[1]), sys.argv[2]
    with open(script) as f:
        exec(f.read(), {"S": S})
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    n = 0
    while True:
        c, _ = s.accept()
        n += 1
        threading.Thread(target=serve, args=(c, n), daemon=True).start()


if __name__ == "__main__":
    main()
