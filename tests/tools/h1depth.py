#!/usr/bin/env python3
"""h1depth — an HTTP/1.1-over-TLS client for test_depth_h1.sh that controls how its bytes
go out (one TLS record and one write per byte, a head split across two records, a burst
in one write), what happens between requests (a signal to the daemon), and how it leaves
(close_notify, a bare FIN, a reset), and says exactly what came back and how it ended.

  h1depth.py [--host H] [--sni NAME] --port P MODE ...
    send TEXT           TEXT (backslash escapes) in one write; prints what came back
    bytewise TEXT       the same, one byte per record and per write (TCP_NODELAY)
    split K TEXT        TEXT in two records, the first K bytes then the rest
    early PATH N [chunked]   POST N bytes to PATH while reading; prints the answer and
                        how the stream ended
    signal PID SIG FIRST SECOND LOG TEXT N   FIRST on a connection, waits for its
                        answer, sends SIG to PID, waits until LOG holds TEXT N times (the
                        daemon took the signal in), then SECOND on the same connection:
                        prints both answers, "|" between, and how the stream ended
                        (--after-head: the signal once FIRST's response head is in, the
                        body still coming; --before TEXT: FIRST is part of a request, the
                        signal once LOG holds TEXT)
    leave HOW REQ N [LOG TEXT]   REQ, reads N bytes of the answer (and waits until LOG
                        holds TEXT), then leaves: notify | fin | rst

Every read is bounded (--timeout, default 10 s).  The end of the stream is printed as
<close_notify> (TLS closed properly), <eof-no-close_notify> (TCP FIN without it),
<reset>, or <timeout>.
"""
import argparse
import os
import signal
import socket
import ssl
import struct
import sys
import time


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin1")


def connect(a):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    raw = socket.socket(fam, socket.SOCK_STREAM)
    raw.settimeout(a.timeout)
    raw.connect((a.host, a.port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # suppress_ragged_eofs=False: a FIN without close_notify is reported, not hidden
    return ctx.wrap_socket(raw, server_hostname=a.sni, suppress_ragged_eofs=False)


def read_until_end(s, a, want=None):
    """Read until the stream ends (or, with want, until it holds want bytes); returns
    (bytes, how it ended)."""
    out = bytearray()   # (bytes += bytes copies it all each time: quadratic)
    deadline = time.monotonic() + a.timeout
    while want is None or len(out) < want:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            d = s.recv(65536)
        except ssl.SSLEOFError:
            return bytes(out), "<eof-no-close_notify>"
        except ConnectionResetError:
            return bytes(out), "<reset>"
        except (socket.timeout, TimeoutError):
            return bytes(out), "<timeout>"
        except ssl.SSLError as e:
            return bytes(out), "<tls-error %s>" % e.reason
        if not d:
            return bytes(out), "<close_notify>"
        out += d
    return bytes(out), ""


def read_response(s, a, head_only=False, out=b""):
    """Read one whole response (a Content-Length or a chunked body without trailers: the
    tests' backends give those), 1xx heads kept; with head_only, only up to its head.
    Returns its bytes (out: those of it already read)."""
    deadline = time.monotonic() + a.timeout
    while True:
        end = out.find(b"\r\n\r\n")
        while end >= 0 and out[:end].split(b"\r\n\r\n")[-1].startswith(b"HTTP/1.1 1"):
            end = out.find(b"\r\n\r\n", end + 4)
        if end >= 0:
            head = out[:end].split(b"\r\n\r\n")[-1].lower()
            n = 0
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if head_only:
                return out
            if b"transfer-encoding: chunked" in head:
                if out.endswith(b"\r\n0\r\n\r\n"):
                    return out
            elif len(out) >= end + 4 + n:
                return out
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            d = s.recv(65536)
        except (OSError, ssl.SSLError):
            return out
        if not d:
            return out
        out += d


def emit(out, end):
    sys.stdout.buffer.write(out + end.encode() + b"\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sni", default="app.test")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--after-head", action="store_true",
                   help="signal: send the signal once the first response's head is in")
    p.add_argument("--before", help="signal: FIRST is not a whole request; send the "
                   "signal once LOG holds this text (not after FIRST's answer)")
    p.add_argument("mode")
    p.add_argument("args", nargs="*")
    a = p.parse_args()
    s = connect(a)
    if a.mode == "send":
        s.sendall(unescape(a.args[0]))
        emit(*read_until_end(s, a))
    elif a.mode == "bytewise":
        req = unescape(a.args[0])
        for i in range(len(req)):
            s.sendall(req[i:i + 1])
        emit(*read_until_end(s, a))
    elif a.mode == "split":
        k, req = int(a.args[0]), unescape(a.args[1])
        s.sendall(req[:k])
        s.sendall(req[k:])
        emit(*read_until_end(s, a))
    elif a.mode == "early":
        # one thread, non-blocking: an SSL object must not be read and written at once
        import select
        path, n = a.args[0], int(a.args[1])
        chunked = len(a.args) > 2 and a.args[2] == "chunked"
        te = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % n
        pending = b"POST %s HTTP/1.1\r\nHost: app.test\r\n%s\r\n\r\n" % (path.encode(), te)
        left, blk = n, b"u" * 16384
        out, how = b"", "<timeout>"
        s.setblocking(False)
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            if not pending and left > 0:
                k = min(left, len(blk))
                pending = b"%x\r\n%s\r\n" % (k, blk[:k]) if chunked else blk[:k]
                left -= k
                if chunked and left == 0:
                    pending += b"0\r\n\r\n"
            r, w, _ = select.select([s], [s] if pending else [], [], 0.5)
            if w and pending:
                try:
                    pending = pending[s.send(pending):]
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                except (OSError, ssl.SSLError):
                    pending, left = b"", 0   # the server stopped reading: it has answered
            if r or s.pending():
                try:
                    d = s.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                except ssl.SSLEOFError:
                    how = "<eof-no-close_notify>"
                    break
                except ConnectionResetError:
                    how = "<reset>"
                    break
                except ssl.SSLError as e:
                    how = "<tls-error %s>" % e.reason
                    break
                if not d:
                    how = "<close_notify>"
                    break
                out += d
        emit(out, how)
    elif a.mode == "signal":
        pid, sig = int(a.args[0]), getattr(signal, a.args[1])
        first, second = unescape(a.args[2]), unescape(a.args[3])
        log, text, count = a.args[4], a.args[5].encode(), int(a.args[6])
        def wait_log(text, count):
            end = time.monotonic() + a.timeout
            while time.monotonic() < end:
                with open(log, "rb") as f:
                    if f.read().count(text) >= count:
                        return
                time.sleep(0.02)

        s.sendall(first)
        if a.before:   # FIRST is part of a request: the signal once LOG holds BEFORE
            wait_log(a.before.encode(), 1)
            r1 = b""
        else:
            r1 = read_response(s, a, head_only=a.after_head)
        os.kill(pid, sig)
        # the daemon has taken the signal in once its log holds TEXT COUNT times
        wait_log(text, count)
        if a.after_head:   # the rest of the first response
            r1 = read_response(s, a, out=r1)
        try:
            s.sendall(second)
        except (OSError, ssl.SSLError):
            pass
        out, how = read_until_end(s, a)
        emit(r1 + b"|" + out, how)
    elif a.mode == "leave":
        how, req, n = a.args[0], unescape(a.args[1]), int(a.args[2])
        s.sendall(req)
        got, _ = read_until_end(s, a, want=n) if n > 0 else (b"", "")
        if len(a.args) > 4:   # LOG TEXT: leave once LOG holds TEXT
            end = time.monotonic() + a.timeout
            while time.monotonic() < end:
                with open(a.args[3], "rb") as f:
                    if a.args[4].encode() in f.read():
                        break
                time.sleep(0.02)
        if how == "rst":
            raw = socket.socket(fileno=os.dup(s.fileno()))
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
            s.close()
        elif how == "fin":
            raw = socket.socket(fileno=os.dup(s.fileno()))
            raw.shutdown(socket.SHUT_WR)
            out, end = read_until_end(s, a)
            raw.close()
            emit(got + out, end)
        elif how == "notify":
            s.setblocking(True)
            try:
                s.unwrap()
            except (OSError, ssl.SSLError):
                pass
        print("left after %d bytes" % len(got))
    else:
        p.error("unknown mode " + a.mode)


if __name__ == "__main__":
    main()
