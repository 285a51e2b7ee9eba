#!/usr/bin/python3
"""tlsburst -- an HTTP/1.1-over-TLS client for sysbind's transport tests
(test_robust_transport.sh): it controls how requests fall into TLS records and TCP writes,
and how slowly the answer is read, which curl and openssl s_client do not.

    tlsburst.py --port N [--host 127.0.0.1] [--sni NAME] [--tls13] MODE [options]

Modes:
    --pipeline N --path P   N GET requests for P, each its own TLS record, all in one TCP
                            write (TCP_CORK held around the records)
    --chunked N --path P    one POST to P with a chunked body: the head, then N-2 chunks
                            of --chunk-size bytes, then the last chunk, each its own record,
                            all in one TCP write
    --send TEXT ...         these requests (\\r\\n written as such), each its own record, in
                            one TCP write
    --get P                 one GET for P with Connection: close
Then the answer is read (after --idle seconds without reading; with --slow, in small reads
with pauses) until the server ends the connection or --wait seconds pass, and printed:

    responses=N         HTTP/1.1 status lines seen
    status=200:3 400:1  their status codes
    bytes=N             bytes of the answer
    complete=N          responses whose body arrived whole (Content-Length or chunked)
    end=close_notify    how it ended: close_notify, eof (TCP FIN without close_notify),
                        reset (ECONNRESET), timeout, error
    elapsed_ms=N

Loopback only (127.0.0.1 or ::1).  Exit status 0 when the run could be made, 2 when not.
"""
import argparse
import re
import socket
import ssl
import sys
import time

LOOPBACK = ("127.0.0.1", "::1")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n")


def unescape(s):
    return s.replace("\\r", "\r").replace("\\n", "\n").encode()


def parse_responses(data):
    """(statuses, complete count) of the HTTP/1.1 responses in data."""
    statuses, complete, i = [], 0, 0
    while True:
        m = STATUS_LINE.search(data, i)
        if m is None:
            break
        statuses.append(int(m.group(1)))
        end = data.find(b"\r\n\r\n", m.end() - 2)
        if end < 0:
            break
        head, body = data[m.start():end], end + 4
        cl = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
        if cl is not None:
            if len(data) - body >= int(cl.group(1)):
                complete += 1
            i = body + int(cl.group(1))
        elif re.search(rb"\r\ntransfer-encoding: *chunked", head, re.I):
            last = data.find(b"\r\n0\r\n\r\n", body - 2)
            if last < 0:
                break
            complete += 1
            i = last + 7
        else:
            i = body
    return statuses, complete


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sni", default="localhost")
    p.add_argument("--tls13", action="store_true")
    p.add_argument("--path", default="/echo")
    p.add_argument("--pipeline", type=int, default=0)
    p.add_argument("--chunked", type=int, default=0)
    p.add_argument("--chunk-size", type=int, default=100)
    p.add_argument("--send", nargs="+", default=[])
    p.add_argument("--get", default="")
    p.add_argument("--idle", type=float, default=0)
    p.add_argument("--slow", action="store_true")
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--responses", type=int, default=0,
                   help="stop once this many responses arrived whole")
    p.add_argument("--wait", type=float, default=10)
    a = p.parse_args()
    if a.host not in LOOPBACK:
        raise SystemExit("tlsburst: loopback only (127.0.0.1 or ::1), not %s" % a.host)

    host = "Host: %s\r\n" % a.sni
    records = []
    if a.pipeline:
        records = [("GET %s HTTP/1.1\r\n%s\r\n" % (a.path, host)).encode()] * a.pipeline
    elif a.chunked:
        records.append(("POST %s HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n\r\n" %
                        (a.path, host)).encode())
        for _ in range(max(a.chunked - 2, 0)):
            records.append(b"%x\r\n" % a.chunk_size + b"x" * a.chunk_size + b"\r\n")
        records.append(b"0\r\n\r\n")
    elif a.send:
        records = [unescape(s) for s in a.send]
    elif a.get:
        records = [("GET %s HTTP/1.1\r\n%sConnection: close\r\n\r\n" % (a.get, host)).encode()]

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    if a.tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    t0 = time.monotonic()
    try:
        raw = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET)
        if a.rcvbuf:
            # a small window keeps the server's send buffer small (no autotuning): a
            # record can fill it
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        raw.settimeout(10)
        raw.connect((a.host, a.port))
        # a ragged EOF must show: close_notify and a bare FIN are told apart
        s = ctx.wrap_socket(raw, server_hostname=a.sni, suppress_ragged_eofs=False)
    except (OSError, ssl.SSLError) as e:
        print("tlsburst: cannot connect: %s" % e, file=sys.stderr)
        sys.exit(2)
    # each record its own SSL_write, all of them in one TCP segment: the server reads
    # them with one read(2)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    for r in records:
        s.sendall(r)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    if a.idle > 0:
        time.sleep(a.idle)

    data, end = bytearray(), "timeout"
    deadline = time.monotonic() + a.wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if a.responses and parse_responses(data)[1] >= a.responses:
            end = "enough"
            break
        s.settimeout(left)
        try:
            chunk = s.recv(1 << 14)
        except socket.timeout:
            break
        except ssl.SSLEOFError:
            end = "eof"
            break
        except ConnectionResetError:
            end = "reset"
            break
        except (OSError, ssl.SSLError) as e:
            end = "reset" if "reset" in str(e).lower() else "error"
            break
        if not chunk:
            end = "close_notify"
            break
        data += chunk
        if a.slow:
            time.sleep(0.0005)
    statuses, complete = parse_responses(data)
    counts = {}
    for st in statuses:
        counts[st] = counts.get(st, 0) + 1
    print("responses=%d" % len(statuses))
    print("status=%s" % " ".join("%d:%d" % kv for kv in sorted(counts.items())))
    print("bytes=%d" % len(data))
    print("complete=%d" % complete)
    print("end=%s" % end)
    print("elapsed_ms=%d" % int((time.monotonic() - t0) * 1000))


if __name__ == "__main__":
    main()
