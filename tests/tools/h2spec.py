#!/usr/bin/python3
"""h2spec -- sysbind's own HTTP/2 conformance checks, on the model of h2spec's catalogue
(summerwind/h2spec, which Debian does not ship): every MUST of RFC 9113 sections 3.4 to 8
and of RFC 7541 (HPACK) that a server can be tested on with raw frames, one check each,
named by its section.  It speaks HTTP/2 at the frame level over h2attack.py's connection
(tests/tools/h2attack.py: TLS with ALPN h2, loopback only, frames parsed with hyperframe),
writing the frames it sends byte by byte so that it can break them on purpose.

    h2spec.py --port N [--sni NAME] --authority HOST:PORT [--stopped-authority ...]
              [--nobackend-authority ...] --backend PORT --record FILE [--only REGEX]

Each check opens a new connection, sends its frames, and waits at most --timeout seconds
(2) for the outcome the RFC demands:
  - a connection error: a GOAWAY with that code, then the connection closed;
  - a stream error: RST_STREAM with that code on the stream (or, RFC 9113 5.4.1, the same
    code as a connection error);
  - a malformed request (RFC 9113 8.1.1): a stream error PROTOCOL_ERROR, or a 400 response,
    and nothing of the request reached the backend (each request carries an "x-check"
    field with a marker; the backend's --record file must not hold it once the backend
    has answered a request of its own, sent afterwards straight to it);
  - "ignored": the connection goes on (a PING is answered), nothing reset;
  - "the response arrives": a final response, its stream ended, no RST_STREAM at all.
One line per check, tab-separated: "PASS<TAB>name", "FAIL<TAB>name<TAB>what happened" or
"SKIP<TAB>name<TAB>why"; then "END<TAB>N" once all ran.  The exit status is 0 when all ran,
whatever they found.
"""
import argparse
import os
import re
import socket
import sys
import traceback
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # no __pycache__ left in the source tree
import h2attack   # noqa: E402  (the connection is h2attack's, shared, not copied)
from h2.errors import ErrorCodes   # noqa: E402

# frame types and flags (RFC 9113 6)
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM = ACK = 0x1
END_HEADERS, PADDED, PRIO = 0x4, 0x8, 0x20
# SETTINGS parameters
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, \
    MAX_FRAME_SIZE = 1, 2, 3, 4, 5
E = ErrorCodes
MAXWIN = (1 << 31) - 1
code_name = h2attack.code_name


class CheckFailed(Exception):
    pass


# ---- bytes on the wire ----

def frame(ftype, flags, sid, payload=b""):
    """One frame, as given: any length, flags and stream id (the reserved bit included)."""
    return (len(payload).to_bytes(3, "big") + bytes([ftype, flags]) +
            (sid & 0xFFFFFFFF).to_bytes(4, "big") + payload)


def settings(*pairs, flags=0, sid=0):
    return frame(SETTINGS, flags, sid, b"".join(
        k.to_bytes(2, "big") + v.to_bytes(4, "big") for k, v in pairs))


def window_update(sid, inc):
    return frame(WINDOW_UPDATE, 0, sid, inc.to_bytes(4, "big"))


def rst_stream(sid, code):
    return frame(RST_STREAM, 0, sid, int(code).to_bytes(4, "big"))


def priority(sid, dep, weight=15, exclusive=False):
    return frame(PRIORITY, 0, sid, ((dep | (exclusive << 31)).to_bytes(4, "big") +
                                    bytes([weight])))


def ping(data, flags=0, sid=0):
    return frame(PING, flags, sid, data)


def hpack_int(value, prefix, first=0):
    """An integer with an N-bit prefix (RFC 7541 5.1)."""
    top = (1 << prefix) - 1
    if value < top:
        return bytes([first | value])
    out = [first | top]
    value -= top
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def octets(s):
    return s if isinstance(s, bytes) else s.encode("latin-1")


def literal(name, value):
    """A literal field line without indexing, with a new name, no Huffman (RFC 7541
    6.2.2): the octets go out exactly as given, uppercase and controls included."""
    n, v = octets(name), octets(value)
    return b"\x00" + hpack_int(len(n), 7) + n + hpack_int(len(v), 7) + v


def block(fields):
    return b"".join(literal(n, v) for n, v in fields)


# ---- a connection that remembers the order of what arrived ----

class Conn(h2attack.Client):
    """h2attack's client, plus the sequence of frames received (events: (type, stream,
    flags, error code or DATA length)), the raw field blocks and the PING payloads acked."""

    def __init__(self, args, settings_=None, auto_window=True, preface=True):
        self.events = []
        self.raw_blocks = {}
        self.ping_acked = []
        super().__init__(args, settings_, auto_window, preface)

    def _handle(self, f):
        extra = getattr(f, "error_code", None)
        if f.type == DATA:
            extra = len(f.data)
        self.events.append((f.type, f.stream_id, frozenset(f.flags), extra))
        if f.type == PING and "ACK" in f.flags:
            self.ping_acked.append(bytes(f.opaque_data))
        super()._handle(f)

    def _on_block(self, sid, blk, end_stream):
        self.raw_blocks.setdefault(sid, []).append(bytes(blk))
        super()._on_block(sid, blk, end_stream)

    def send_raw(self, *chunks):
        return super().send_raw(b"".join(chunks))

    def data_lengths(self, sid):
        return [x for t, s, _, x in self.events if t == DATA and s == sid and x > 0]

    def describe(self, sid=None):
        """What the server did, in a few words, for a failure's detail."""
        out = []
        if sid is not None:
            if sid in self.responses:
                out.append("stream %d: %d%s" % (sid, self.responses[sid],
                                                " ended" if sid in self.ended else " not ended"))
            elif sid in self.ended:
                out.append("stream %d ended" % sid)
        if self.rst:
            out.append("RST_STREAM " + ", ".join("%d:%s" % (s, code_name(c))
                                                 for s, c in sorted(self.rst.items())))
        out.append("GOAWAY %s" % code_name(self.goaway[0]) if self.goaway else "no GOAWAY")
        out.append("closed" if self.closed else "still open")
        return ", ".join(out)


# ---- the context of one check ----

class Ctx:
    def __init__(self, args, index):
        self.args = args
        self.t = args.timeout
        self.marker = "h2spec-%d-%d" % (os.getpid(), index)
        self.conns = []

    def conn(self, settings_=(), auto_window=True, preface=True, authority=None):
        a = SimpleNamespace(host=self.args.host, port=self.args.port, sni=self.args.sni,
                            authority=authority or self.args.authority)
        c = Conn(a, dict(settings_) if preface else None, auto_window, preface)
        self.conns.append(c)
        if c.alpn != "h2":
            raise CheckFailed("ALPN chose %r, not h2" % c.alpn)
        if preface:
            # the server's SETTINGS, and its ACK of ours: our settings are in force
            if not c.pump(self.t, lambda: (c.server_settings and c.settings_acks > 0) or
                          c.closed):
                raise CheckFailed("no SETTINGS and SETTINGS ACK from the server: " +
                                  c.describe())
        return c

    def req(self, method="GET", path="/status/200", extra=(), scheme="https",
            authority=None):
        """A request's fields, with this check's marker last."""
        return [(":method", method), (":scheme", scheme), (":path", path),
                (":authority", authority or self.args.authority)] + list(extra) + \
            [("x-check", self.marker)]

    def headers(self, sid, fields, end_stream=True, end_headers=True, flags=0):
        blk = fields if isinstance(fields, bytes) else block(fields)
        return frame(HEADERS, flags | (END_STREAM if end_stream else 0) |
                     (END_HEADERS if end_headers else 0), sid, blk)

    # -- outcomes --

    def conn_error(self, c, codes):
        """A GOAWAY with one of codes, then the close."""
        codes = codes if isinstance(codes, tuple) else (codes,)
        c.pump(self.t, lambda: c.closed)
        want = "/".join(code_name(x) for x in codes)
        if c.goaway is None:
            raise CheckFailed("want GOAWAY %s and the close; got %s" % (want, c.describe()))
        if c.goaway[0] not in codes:
            raise CheckFailed("want GOAWAY %s; got %s" % (want, c.describe()))
        if not c.closed:
            raise CheckFailed("GOAWAY %s, but the connection stayed open %g s" %
                              (code_name(c.goaway[0]), self.t))

    def stream_error(self, c, sid, codes):
        """RST_STREAM with one of codes on sid, or the same as a connection error."""
        codes = codes if isinstance(codes, tuple) else (codes,)
        c.pump(self.t, lambda: sid in c.rst or c.goaway is not None or c.closed)
        want = "/".join(code_name(x) for x in codes)
        if sid in c.rst and c.rst[sid] in codes:
            return
        if sid not in c.rst and c.goaway is not None and c.goaway[0] in codes:
            c.pump(self.t, lambda: c.closed)
            if c.closed:
                return
        raise CheckFailed("want RST_STREAM %s on stream %d; got %s" % (want, sid,
                                                                      c.describe(sid)))

    def malformed(self, c, sid, forwarded_check=True):
        """RFC 9113 8.1.1: a stream error PROTOCOL_ERROR (perhaps after a response) or a
        400 response; and, unless the request was partly forwarded before it became
        malformed, nothing of it at the backend."""
        c.pump(self.t, lambda: sid in c.rst or sid in c.ended or c.goaway is not None or
               c.closed)
        if sid in c.ended and sid not in c.rst:
            c.pump(0.2, lambda: sid in c.rst)   # a RST_STREAM following the 400 (allowed)
        if sid in c.rst and c.rst[sid] == E.PROTOCOL_ERROR:
            pass
        elif c.responses.get(sid) == 400 and sid in c.ended and \
                c.rst.get(sid, E.PROTOCOL_ERROR) in (E.PROTOCOL_ERROR, E.NO_ERROR):
            pass
        elif sid not in c.rst and sid not in c.responses and c.goaway is not None and \
                c.goaway[0] == E.PROTOCOL_ERROR:
            pass
        else:
            why = "want RST_STREAM PROTOCOL_ERROR or 400 on stream %d; got %s" % (
                sid, c.describe(sid))
            if forwarded_check:
                try:
                    self.not_forwarded()
                    why += "; not forwarded"
                except CheckFailed as e:
                    why += "; and " + str(e)
            raise CheckFailed(why)
        if forwarded_check:
            self.not_forwarded()

    def response(self, c, sid, status=None):
        """A final response on sid, ended, and no RST_STREAM on it (after a PING's round
        trip, so that one sent right after the response would be seen)."""
        c.pump(self.t, lambda: sid in c.ended or sid in c.rst or c.closed)
        if sid in c.ended and not c.closed:
            c.send_raw(ping(b"response"))
            c.pump(self.t, lambda: b"response" in c.ping_acked or c.closed)
        if sid not in c.responses or sid not in c.ended:
            raise CheckFailed("want a complete response on stream %d; got %s" %
                              (sid, c.describe(sid)))
        if sid in c.rst:
            raise CheckFailed("response %d, then RST_STREAM %s on a complete request" %
                              (c.responses[sid], code_name(c.rst[sid])))
        if c.goaway is not None and c.goaway[0] != E.NO_ERROR:
            raise CheckFailed("response, but GOAWAY %s" % code_name(c.goaway[0]))
        if status is not None and c.responses[sid] not in (
                status if isinstance(status, tuple) else (status,)):
            raise CheckFailed("want status %s; got %d" % (status, c.responses[sid]))

    def alive(self, c, payload=b"alive?!!"):
        """The connection goes on: a PING is answered with its payload, nothing reset."""
        c.send_raw(ping(payload))
        c.pump(self.t, lambda: payload in c.ping_acked or c.closed)
        if payload not in c.ping_acked or c.goaway is not None or c.rst:
            raise CheckFailed("want the PING answered and nothing else; got %s%s" % (
                "" if payload in c.ping_acked else "no PING ACK, ", c.describe()))

    # -- the backend --

    def backend(self, path):
        """GET path straight from the backend (not through sysbind); the response."""
        s = socket.create_connection(("127.0.0.1", self.args.backend), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" %
                   (path, self.args.backend)).encode())
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def accepted(self):
        m = re.search(rb'"accepted":(\d+)', self.backend("/stats"))
        return int(m.group(1)) if m else -1

    def not_forwarded(self):
        """Nothing carrying this check's marker reached the backend.  The backend, one
        event loop, answers a request of ours only after it has recorded every byte sent
        to it before: once it answered, the record is complete."""
        for c in self.conns:
            c.pump(0.05)
        self.backend("/status/204?sync")
        with open(self.args.record, "rb") as f:
            rec = f.read()
        i = rec.find(self.marker.encode())
        if i >= 0:
            start = rec.rfind(b"\r\n\r\n", 0, i)
            head = rec[start + 4 if start >= 0 else max(0, i - 200):i].split(b"\r\n")[0]
            raise CheckFailed("the request reached the backend: %r" % head[:120])


# ---- the catalogue ----

CHECKS = []


def check(name):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


def slow(ms=3000):
    return "/slow/%d" % ms


# 3.4 HTTP/2 connection preface

@check("3.4 invalid connection preface: connection error PROTOCOL_ERROR (GOAWAY optional), closed")
def _(x):
    c = x.conn(preface=False)
    c.send_raw(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + settings())
    c.pump(x.t, lambda: c.closed)
    if not c.closed or (c.goaway is not None and c.goaway[0] != E.PROTOCOL_ERROR):
        raise CheckFailed(c.describe())


@check("3.4 preface followed by a PING, not SETTINGS: connection error PROTOCOL_ERROR, closed")
def _(x):
    c = x.conn(preface=False)
    c.send_raw(h2attack.PREFACE + ping(b"12345678"))
    c.pump(x.t, lambda: c.closed)
    if not c.closed or (c.goaway is not None and c.goaway[0] != E.PROTOCOL_ERROR):
        raise CheckFailed(c.describe())


# 4.1 Frame format

@check("4.1 GET (the baseline): the response arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)


@check("4.1 unknown flags on a PING: ignored, the PING acknowledged")
def _(x):
    c = x.conn()
    c.send_raw(ping(b"flags!!!", flags=0xFE))
    c.pump(x.t, lambda: b"flags!!!" in c.ping_acked or c.closed)
    if b"flags!!!" not in c.ping_acked:
        raise CheckFailed("no PING ACK: " + c.describe())


@check("4.1 reserved bit set in a HEADERS frame's stream identifier: ignored, the response "
       "arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(0x80000001, x.req()))
    x.response(c, 1, 200)


# 4.2 Frame size

@check("4.2 DATA of SETTINGS_MAX_FRAME_SIZE octets: accepted, the response arrives")
def _(x):
    c = x.conn()
    n = c.server_settings.get(MAX_FRAME_SIZE, 16384)
    c.send_raw(x.headers(1, x.req("POST", "/echo", [("content-length", str(n))]), False),
               frame(DATA, END_STREAM, 1, b"d" * n))
    x.response(c, 1, 200)
    if b'"body_length":%d,' % n not in bytes(c.bodies.get(1, b"")):
        raise CheckFailed("the backend did not get %d bytes: %r" %
                          (n, bytes(c.bodies.get(1, b""))[:200]))


@check("4.2 DATA larger than SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    n = c.server_settings.get(MAX_FRAME_SIZE, 16384) + 1
    c.send_raw(x.headers(1, x.req("POST", "/echo", [("content-length", str(n))]), False),
               frame(DATA, END_STREAM, 1, b"d" * n))
    x.stream_error(c, 1, E.FRAME_SIZE_ERROR)


@check("4.2 HEADERS larger than SETTINGS_MAX_FRAME_SIZE: connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    n = c.server_settings.get(MAX_FRAME_SIZE, 16384) + 1
    blk = block(x.req())
    blk += literal("x-pad", "p" * (n - len(blk)))   # n octets and a few: too many
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS, 1, blk))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


# 4.3 Field section compression and decompression

@check("4.3 a field block that cannot be decoded (a string cut short): connection error "
       "COMPRESSION_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, block(x.req()) + b"\x00\x0aab"))
    x.conn_error(c, E.COMPRESSION_ERROR)


# 5.1 Stream states

@check("5.1 idle: DATA: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(DATA, END_STREAM, 1, b"test"))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("5.1 idle: RST_STREAM: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(rst_stream(1, E.CANCEL))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("5.1 idle: WINDOW_UPDATE: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(window_update(1, 100))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("5.1 idle: CONTINUATION: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(CONTINUATION, END_HEADERS, 1, block(x.req())))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("5.1 idle: PRIORITY: accepted, then HEADERS on that stream answered")
def _(x):
    c = x.conn()
    c.send_raw(priority(3, 0), x.headers(3, x.req()))
    x.response(c, 3, 200)


@check("5.1 half-closed (remote): HEADERS: stream error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), x.headers(1, [("x-late", "1")]))
    x.stream_error(c, 1, E.STREAM_CLOSED)


@check("5.1 half-closed (remote): CONTINUATION: connection error PROTOCOL_ERROR (6.10) or "
       "STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-late", "1")])))
    x.conn_error(c, (E.PROTOCOL_ERROR, E.STREAM_CLOSED))


@check("5.1 half-closed (remote): WINDOW_UPDATE and PRIORITY accepted, the response arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow(300))), window_update(1, 1000), priority(1, 0))
    x.response(c, 1, 200)


@check("5.1 closed (the client's RST_STREAM): DATA: stream error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", slow()), False), rst_stream(1, E.CANCEL),
               frame(DATA, END_STREAM, 1, b"test"))
    x.stream_error(c, 1, E.STREAM_CLOSED)


@check("5.1 closed (the client's RST_STREAM): HEADERS: stream error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), rst_stream(1, E.CANCEL),
               x.headers(1, x.req()))
    x.stream_error(c, 1, E.STREAM_CLOSED)


@check("5.1 closed (the client's RST_STREAM): CONTINUATION: connection error PROTOCOL_ERROR "
       "(6.10) or STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), rst_stream(1, E.CANCEL),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-late", "1")])))
    x.conn_error(c, (E.PROTOCOL_ERROR, E.STREAM_CLOSED))


@check("5.1 closed (both END_STREAMs): DATA: connection error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    c.send_raw(frame(DATA, END_STREAM, 1, b"test"))
    x.conn_error(c, E.STREAM_CLOSED)


@check("5.1 closed (both END_STREAMs): HEADERS: connection error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    c.send_raw(x.headers(1, x.req()))
    x.conn_error(c, E.STREAM_CLOSED)


@check("5.1 closed (both END_STREAMs): CONTINUATION: connection error PROTOCOL_ERROR (6.10) or "
       "STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    c.send_raw(frame(CONTINUATION, END_HEADERS, 1, block([("x-late", "1")])))
    x.conn_error(c, (E.PROTOCOL_ERROR, E.STREAM_CLOSED))


@check("5.1 closed: PRIORITY accepted, the connection goes on")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    c.send_raw(priority(1, 0))
    x.alive(c)


# 5.1.1 Stream identifiers

@check("5.1.1 HEADERS on an even-numbered stream: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(2, x.req()))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("5.1.1 HEADERS on a stream id lower than one already opened: connection error "
       "PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(5, x.req(path=slow())), x.headers(3, x.req()))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 5.1.2 Stream concurrency

@check("5.1.2 one stream beyond SETTINGS_MAX_CONCURRENT_STREAMS: stream error PROTOCOL_ERROR or "
       "REFUSED_STREAM")
def _(x):
    c = x.conn()
    n = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if n is None or n > 1000:
        return "SKIP", "the server announced no SETTINGS_MAX_CONCURRENT_STREAMS (or %s)" % n
    c.send_raw(b"".join(x.headers(2 * i + 1, x.req(path=slow())) for i in range(n + 1)))
    x.stream_error(c, 2 * n + 1, (E.PROTOCOL_ERROR, E.REFUSED_STREAM))


# 5.3.1 Stream dependencies

@check("5.3.1 HEADERS depending on its own stream: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS | PRIO, 1,
                     (1).to_bytes(4, "big") + b"\x0f" + block(x.req())))
    x.stream_error(c, 1, E.PROTOCOL_ERROR)


@check("5.3.1 PRIORITY making a stream depend on itself: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), priority(1, 1))
    x.stream_error(c, 1, E.PROTOCOL_ERROR)


# 5.4.1 Connection error handling (every connection error above also asserts the close)

@check("5.4.1 a connection error after a stream was answered: GOAWAY PROTOCOL_ERROR naming "
       "stream 1 as the last processed (6.8), then the close")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    c.send_raw(ping(b"12345678", sid=3))
    x.conn_error(c, E.PROTOCOL_ERROR)
    if c.goaway[1] != 1:
        raise CheckFailed("GOAWAY's last stream id is %d, not 1" % c.goaway[1])


# 5.5 Extending HTTP/2

@check("5.5 a frame of unknown type: ignored, the connection goes on")
def _(x):
    c = x.conn()
    c.send_raw(frame(0xFF, 0, 0, b"unknown"))
    x.alive(c)


@check("5.5 an unknown frame in the middle of a field block: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(), end_headers=False), frame(0xFF, 0, 1, b"unknown"),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-more", "1")])))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 6.1 DATA

@check("6.1 DATA on stream 0: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False), frame(DATA, END_STREAM, 0, b"test"))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.1 DATA on a half-closed (remote) stream: stream error STREAM_CLOSED")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), frame(DATA, END_STREAM, 1, b"test"))
    x.stream_error(c, 1, E.STREAM_CLOSED)


@check("6.1 DATA whose Pad Length is not below its payload's: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False),
               frame(DATA, END_STREAM | PADDED, 1, b"\x06" + b"test\x00"))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.1 padded DATA: accepted, the padding not forwarded (the backend gets 4 bytes)")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo", [("content-length", "4")]), False),
               frame(DATA, END_STREAM | PADDED, 1, b"\x05" + b"test" + b"\x00" * 5))
    x.response(c, 1, 200)
    if b'"body_length":4,' not in bytes(c.bodies.get(1, b"")):
        raise CheckFailed("echo: %r" % bytes(c.bodies.get(1, b""))[:300])


# 6.2 HEADERS

@check("6.2 HEADERS on stream 0: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(0, x.req()))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.2 HEADERS whose Pad Length is not below its payload's: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    blk = block(x.req())
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS | PADDED, 1,
                     bytes([len(blk) + 1]) + blk))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.2 padded HEADERS with a priority: accepted, the response arrives")
def _(x):
    c = x.conn()
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS | PADDED | PRIO, 1,
                     b"\x04" + (0).to_bytes(4, "big") + b"\x0f" + block(x.req()) + b"\x00" * 4))
    x.response(c, 1, 200)


@check("6.2 HEADERS without END_HEADERS, then a PRIORITY: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(), end_headers=False), priority(1, 0),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-more", "1")])))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.2 HEADERS without END_HEADERS, then HEADERS on another stream: connection error "
       "PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(), end_headers=False), x.headers(3, x.req()))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 6.3 PRIORITY

@check("6.3 PRIORITY on stream 0: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(priority(0, 1))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.3 PRIORITY of 4 octets: stream error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), frame(PRIORITY, 0, 1, b"\x00\x00\x00\x00"))
    x.stream_error(c, 1, E.FRAME_SIZE_ERROR)


# 6.4 RST_STREAM

@check("6.4 RST_STREAM on stream 0: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(rst_stream(0, E.CANCEL))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.4 RST_STREAM of 3 octets: connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), frame(RST_STREAM, 0, 1, b"\x00\x00\x08"))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


# 6.5 SETTINGS

@check("6.5 SETTINGS with ACK and a payload: connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 100), flags=ACK))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


@check("6.5 SETTINGS on stream 1: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 100), sid=1))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.5 SETTINGS of 3 octets (not a multiple of 6): connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(SETTINGS, 0, 0, b"\x00\x02\x00"))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


# 6.5.2 Defined settings

@check("6.5.2 SETTINGS_ENABLE_PUSH 2: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((ENABLE_PUSH, 2)))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.5.2 SETTINGS_INITIAL_WINDOW_SIZE 2^31: connection error FLOW_CONTROL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 1 << 31)))
    x.conn_error(c, E.FLOW_CONTROL_ERROR)


@check("6.5.2 SETTINGS_MAX_FRAME_SIZE 16383: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((MAX_FRAME_SIZE, 16383)))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.5.2 SETTINGS_MAX_FRAME_SIZE 2^24: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(settings((MAX_FRAME_SIZE, 1 << 24)))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.5.2 an unknown setting: ignored, the SETTINGS acknowledged")
def _(x):
    c = x.conn()
    acks = c.settings_acks
    c.send_raw(settings((0xFF, 1)))
    c.pump(x.t, lambda: c.settings_acks > acks or c.closed)
    if c.settings_acks <= acks:
        raise CheckFailed("no SETTINGS ACK: " + c.describe())
    x.alive(c)


# 6.5.3 Settings synchronization

@check("6.5.3 SETTINGS: acknowledged with an empty SETTINGS ACK")
def _(x):
    c = x.conn()
    acks = c.settings_acks
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 65535)))
    c.pump(x.t, lambda: c.settings_acks > acks or c.closed)
    if c.settings_acks <= acks:
        raise CheckFailed("no SETTINGS ACK: " + c.describe())


@check("6.5.3 two values of SETTINGS_INITIAL_WINDOW_SIZE in one frame: processed in order (DATA "
       "of 1 octet)")
def _(x):
    c = x.conn(auto_window=False)
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)))
    c.pump(x.t, lambda: c.settings_acks > 1 or c.closed)
    c.send_raw(x.headers(1, x.req(path="/bytes/1000")))
    c.pump(x.t, lambda: c.data_lengths(1) or c.done(1) or c.closed)
    c.pump(0.2, lambda: c.closed)   # anything beyond the window would come now
    if c.data_lengths(1) != [1]:
        raise CheckFailed("want one DATA of 1 octet; got DATA lengths %s, %s" %
                          (c.data_lengths(1), c.describe(1)))


# 6.6 PUSH_PROMISE, 8.4 Server push

@check("8.4 PUSH_PROMISE from a client: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())),
               frame(PUSH_PROMISE, END_HEADERS, 1, (2).to_bytes(4, "big") + block(x.req())))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 6.7 PING

@check("6.7 PING: a PING with ACK and the same payload")
def _(x):
    c = x.conn()
    x.alive(c, b"\x01\x02\x03\x04\x05\x06\x07\x08")


@check("6.7 PING with ACK: not answered")
def _(x):
    c = x.conn()
    c.send_raw(ping(b"ackedack", flags=ACK))
    x.alive(c, b"normal!!")
    if b"ackedack" in c.ping_acked:
        raise CheckFailed("the server answered a PING ACK")


@check("6.7 PING on stream 1: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(ping(b"12345678", sid=1))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.7 PING of 6 octets: connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(ping(b"123456"))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


# 6.8 GOAWAY

@check("6.8 GOAWAY on stream 1: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(GOAWAY, 0, 1, (0).to_bytes(4, "big") + (0).to_bytes(4, "big")))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 6.9 WINDOW_UPDATE

@check("6.9 WINDOW_UPDATE of 0 on the connection: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(window_update(0, 0))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.9 WINDOW_UPDATE of 0 on a stream: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), window_update(1, 0))
    x.stream_error(c, 1, E.PROTOCOL_ERROR)


@check("6.9 WINDOW_UPDATE of 3 octets: connection error FRAME_SIZE_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01"))
    x.conn_error(c, E.FRAME_SIZE_ERROR)


# 6.9.1 The flow-control window

@check("6.9.1 SETTINGS_INITIAL_WINDOW_SIZE 1: the response's DATA comes 1 octet at a time")
def _(x):
    c = x.conn({INITIAL_WINDOW_SIZE: 1}, auto_window=False)
    c.send_raw(x.headers(1, x.req(path="/bytes/1000")))
    c.pump(x.t, lambda: c.data_lengths(1) or c.done(1) or c.closed)
    c.pump(0.2, lambda: c.closed)
    if c.data_lengths(1) != [1]:
        raise CheckFailed("want one DATA of 1 octet; got DATA lengths %s, %s" %
                          (c.data_lengths(1), c.describe(1)))


@check("6.9.1 WINDOW_UPDATE taking the connection window past 2^31-1: connection error "
       "FLOW_CONTROL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(window_update(0, MAXWIN))
    x.conn_error(c, E.FLOW_CONTROL_ERROR)


@check("6.9.1 WINDOW_UPDATE taking a stream window past 2^31-1: stream error FLOW_CONTROL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), window_update(1, MAXWIN))
    x.stream_error(c, 1, E.FLOW_CONTROL_ERROR)


# 6.9.2 Initial flow-control window size

@check("6.9.2 SETTINGS_INITIAL_WINDOW_SIZE raised from 0 after HEADERS: DATA of the new size (1)")
def _(x):
    c = x.conn({INITIAL_WINDOW_SIZE: 0}, auto_window=False)
    c.send_raw(x.headers(1, x.req(path="/bytes/1000")))
    c.pump(x.t, lambda: 1 in c.responses or c.done(1) or c.closed)
    if c.data_lengths(1):
        raise CheckFailed("DATA on a window of 0: %s" % c.data_lengths(1))
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 1)))
    c.pump(x.t, lambda: c.data_lengths(1) or c.done(1) or c.closed)
    c.pump(0.2, lambda: c.closed)
    if c.data_lengths(1) != [1]:
        raise CheckFailed("want one DATA of 1 octet; got DATA lengths %s, %s" %
                          (c.data_lengths(1), c.describe(1)))


@check("6.9.2 SETTINGS_INITIAL_WINDOW_SIZE lowered below what was sent: the window goes "
       "negative, DATA only once it is positive")
def _(x):
    c = x.conn({INITIAL_WINDOW_SIZE: 5}, auto_window=False)
    c.send_raw(x.headers(1, x.req(path="/bytes/1000")))
    c.pump(x.t, lambda: sum(c.data_lengths(1)) >= 5 or c.done(1) or c.closed)
    if sum(c.data_lengths(1)) != 5:
        raise CheckFailed("want 5 octets first; got DATA lengths %s, %s" %
                          (c.data_lengths(1), c.describe(1)))
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 3)))           # window 5 - 5 - 2 = -2
    c.pump(x.t, lambda: c.settings_acks > 1 or c.closed)
    c.send_raw(window_update(1, 2))                           # 0: still nothing
    c.send_raw(ping(b"window0!"))
    c.pump(x.t, lambda: b"window0!" in c.ping_acked or c.closed)
    if sum(c.data_lengths(1)) != 5:
        raise CheckFailed("DATA sent on a window of -2 + 2: lengths %s" % c.data_lengths(1))
    c.send_raw(window_update(1, 1))                           # 1: one octet
    c.pump(x.t, lambda: sum(c.data_lengths(1)) > 5 or c.done(1) or c.closed)
    c.pump(0.2, lambda: c.closed)
    if sum(c.data_lengths(1)) != 6:
        raise CheckFailed("want one more DATA of 1 octet; got DATA lengths %s, %s" %
                          (c.data_lengths(1), c.describe(1)))


@check("6.9.2 SETTINGS_INITIAL_WINDOW_SIZE change overflowing an open stream's window: "
       "connection error FLOW_CONTROL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), window_update(1, MAXWIN - 65535))
    c.send_raw(ping(b"windowup"))
    c.pump(x.t, lambda: b"windowup" in c.ping_acked or c.closed)
    if c.closed or 1 in c.rst:
        raise CheckFailed("the stream's window raised to 2^31-1 was refused: " + c.describe(1))
    c.send_raw(settings((INITIAL_WINDOW_SIZE, 65536)))
    x.conn_error(c, E.FLOW_CONTROL_ERROR)


# 6.10 CONTINUATION

@check("6.10 HEADERS and several CONTINUATION frames: the response arrives")
def _(x):
    c = x.conn()
    blk = block(x.req())
    c.send_raw(frame(HEADERS, END_STREAM, 1, blk[:10]),
               frame(CONTINUATION, 0, 1, blk[10:20]),
               frame(CONTINUATION, END_HEADERS, 1, blk[20:]))
    x.response(c, 1, 200)


@check("6.10 CONTINUATION followed by a DATA frame: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    blk = block(x.req("POST", "/echo"))
    c.send_raw(frame(HEADERS, 0, 1, blk[:10]), frame(CONTINUATION, 0, 1, blk[10:]),
               frame(DATA, END_STREAM, 1, b"test"))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.10 CONTINUATION on stream 0: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    blk = block(x.req())
    c.send_raw(frame(HEADERS, END_STREAM, 1, blk[:10]),
               frame(CONTINUATION, END_HEADERS, 0, blk[10:]))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.10 CONTINUATION on another stream than its HEADERS: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    blk = block(x.req())
    c.send_raw(frame(HEADERS, END_STREAM, 1, blk[:10]),
               frame(CONTINUATION, END_HEADERS, 3, blk[10:]))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.10 CONTINUATION after HEADERS with END_HEADERS: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-more", "1")])))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.10 CONTINUATION after CONTINUATION with END_HEADERS: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    blk = block(x.req("POST", "/echo"))
    c.send_raw(frame(HEADERS, 0, 1, blk[:10]), frame(CONTINUATION, END_HEADERS, 1, blk[10:]),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-more", "1")])))
    x.conn_error(c, E.PROTOCOL_ERROR)


@check("6.10 CONTINUATION after DATA: connection error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False), frame(DATA, 0, 1, b"test"),
               frame(CONTINUATION, END_HEADERS, 1, block([("x-more", "1")])))
    x.conn_error(c, E.PROTOCOL_ERROR)


# 7 Error codes

@check("7 GOAWAY with an unknown error code: no special behaviour, the open stream's response "
       "arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow(300))),
               frame(GOAWAY, 0, 0, (0).to_bytes(4, "big") + (0xFF).to_bytes(4, "big")))
    x.response(c, 1, 200)


@check("7 RST_STREAM with an unknown error code: no special behaviour, the connection goes on")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path=slow())), rst_stream(1, 0xFF))
    x.alive(c)


# 8.1 HTTP message framing

@check("8.1 POST with a trailer section (HEADERS, DATA, HEADERS with END_STREAM): the response "
       "arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False), frame(DATA, 0, 1, b"test"),
               x.headers(1, [("x-trailer", "1")]))
    x.response(c, 1, 200)


@check("8.1 a second HEADERS without END_STREAM (trailers that do not end the stream): stream "
       "error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False), frame(DATA, 0, 1, b"test"),
               x.headers(1, [("x-trailer", "1")], end_stream=False))
    x.malformed(c, 1, forwarded_check=False)


def bodiless(x, method, path, status):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(method, path)))
    x.response(c, 1, status)
    first = [e for e in c.events if e[1] == 1 and e[0] == HEADERS]
    if not first or "END_STREAM" not in first[0][2]:
        raise CheckFailed("the response's HEADERS did not carry END_STREAM (DATA lengths %s)"
                          % c.data_lengths(1))
    # a late RST_STREAM (when the backend's side ends, say) would come meanwhile
    c.send_raw(x.headers(3, x.req()))
    x.response(c, 3, 200)
    if 1 in c.rst:
        raise CheckFailed("RST_STREAM %s on stream 1 after its complete response" %
                          code_name(c.rst[1]))


@check("8.1 a 204 from the backend: HEADERS with END_STREAM, no RST_STREAM")
def _(x):
    bodiless(x, "GET", "/status/204", 204)


@check("8.1 a 304 from the backend: HEADERS with END_STREAM, no RST_STREAM")
def _(x):
    bodiless(x, "GET", "/status/304", 304)


@check("8.1 a 304 from the backend with a Content-Length (the representation's): HEADERS with "
       "END_STREAM, no RST_STREAM")
def _(x):
    bodiless(x, "GET", "/status/304?length=1000", 304)


@check("8.1 a 204 to a POST with a body: HEADERS with END_STREAM, no RST_STREAM")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/status/204", [("content-length", "4")]), False),
               frame(DATA, END_STREAM, 1, b"test"))
    x.response(c, 1, 204)
    first = [e for e in c.events if e[1] == 1 and e[0] == HEADERS]
    if "END_STREAM" not in first[0][2]:
        raise CheckFailed("the response's HEADERS did not carry END_STREAM")


@check("8.1 a 304 to a request ended by an empty DATA frame: HEADERS with END_STREAM, no "
       "RST_STREAM")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("GET", "/status/304"), False), frame(DATA, END_STREAM, 1))
    x.response(c, 1, 304)
    first = [e for e in c.events if e[1] == 1 and e[0] == HEADERS]
    if "END_STREAM" not in first[0][2]:
        raise CheckFailed("the response's HEADERS did not carry END_STREAM")


@check("8.1 HEAD: HEADERS with END_STREAM, no RST_STREAM")
def _(x):
    bodiless(x, "HEAD", "/bytes/1000", 200)


def early(x, authority, path, status):
    """A POST whose body has not ended, answered early: the whole response (END_STREAM)
    before any RST_STREAM, which can only be NO_ERROR."""
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", path, [("content-length", "100000")],
                                  authority=authority), False),
               frame(DATA, 0, 1, b"b" * 100))
    # the response's end, even after a RST_STREAM (to tell a late response from none)
    c.pump(x.t, lambda: 1 in c.ended or c.closed)
    c.pump(0.3, lambda: 1 in c.rst or c.closed)
    ev = [(t, fl, v) for t, s, fl, v in c.events if s == 1 and t in (HEADERS, DATA, RST_STREAM)]
    seq = " ".join({HEADERS: "HEADERS", DATA: "DATA", RST_STREAM: "RST"}[t] +
                   ("+ES" if t != RST_STREAM and "END_STREAM" in fl else "") +
                   ("(%s)" % code_name(v) if t == RST_STREAM else "") for t, fl, v in ev)
    end_at = next((i for i, (t, fl, _) in enumerate(ev)
                   if t != RST_STREAM and "END_STREAM" in fl), None)
    rst_at = next((i for i, (t, _, _) in enumerate(ev) if t == RST_STREAM), None)
    if c.responses.get(1) != status:
        raise CheckFailed("want %d; got %s (frames: %s)" % (status, c.describe(1), seq))
    if end_at is None:
        raise CheckFailed("the response never ended (frames: %s)" % seq)
    if rst_at is not None and rst_at < end_at:
        raise CheckFailed("RST_STREAM before the response's end (frames: %s)" % seq)
    if rst_at is not None and c.rst[1] != E.NO_ERROR:
        raise CheckFailed("RST_STREAM %s after the response, not NO_ERROR (frames: %s)" %
                          (code_name(c.rst[1]), seq))
    return "PASS", "frames: " + seq


@check("8.1 early answer (a stopped site's 503 to a POST whose body goes on): the whole "
       "response, then at most RST_STREAM NO_ERROR")
def _(x):
    return early(x, x.args.stopped_authority, "/echo", 503)


@check("8.1 early answer (a site without a backend, its diagnostic page): the whole response, "
       "then at most RST_STREAM NO_ERROR")
def _(x):
    return early(x, x.args.nobackend_authority, "/echo", 200)


@check("8.1 early answer (the backend's 403 before the body): the whole response, then at most "
       "RST_STREAM NO_ERROR")
def _(x):
    return early(x, None, "/fault/early-403", 403)


# 8.1.1 Malformed messages

@check("8.1.1 content-length 10, 4 octets of DATA: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo", [("content-length", "10")]), False),
               frame(DATA, END_STREAM, 1, b"test"))
    x.malformed(c, 1, forwarded_check=False)


@check("8.1.1 content-length 2, 4 octets of DATA: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo", [("content-length", "2")]), False),
               frame(DATA, END_STREAM, 1, b"test"))
    x.malformed(c, 1, forwarded_check=False)


# 8.2 HTTP fields

def bad_field(name, value="1"):
    def fn(x):
        c = x.conn()
        c.send_raw(x.headers(1, x.req(extra=[(name, value)])))
        x.malformed(c, 1)
    return fn


for _name, _field in [
        ("8.2 an uppercase field name", ("X-Upper", "1")),
        ("8.2.1 a field name with a space", ("x bad", "1")),
        ("8.2.1 a field name with a colon", ("x:bad", "1")),
        ("8.2.1 a field name with an octet above 0x7e", ("x-\xe9", "1")),
        ("8.2.1 a field value with NUL", ("x-bad", "a\x00b")),
        ("8.2.1 a field value with CR", ("x-bad", "a\rb")),
        ("8.2.1 a field value with LF", ("x-bad", "a\nb")),
        ("8.2.1 a field value with CRLF and a field line after it",
         ("x-bad", "a\r\nx-smuggled: 1")),
        ("8.2.1 a field value starting with a space", ("x-bad", " a")),
        ("8.2.1 a field value ending with a tab", ("x-bad", "a\t")),
        ("8.2.2 a connection field", ("connection", "keep-alive")),
        ("8.2.2 a keep-alive field", ("keep-alive", "timeout=5")),
        ("8.2.2 a proxy-connection field", ("proxy-connection", "keep-alive")),
        ("8.2.2 a transfer-encoding field", ("transfer-encoding", "chunked")),
        ("8.2.2 an upgrade field", ("upgrade", "websocket")),
        ("8.2.2 te other than trailers", ("te", "gzip"))]:
    check(_name + ": malformed, not forwarded")(bad_field(*_field))


@check("8.2.2 te: trailers: accepted, the response arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(extra=[("te", "trailers")])))
    x.response(c, 1, 200)


@check("8.2.3 two cookie fields: one Cookie field at the HTTP/1.1 backend, joined with \"; \"")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req(path="/echo", extra=[("cookie", "a=1"), ("cookie", "b=2")])))
    x.response(c, 1, 200)
    body = bytes(c.bodies.get(1, b"")).decode("latin-1")
    cookies = re.findall(r'"(cookie: [^"]*)"', body, re.I)
    if [s.lower() for s in cookies] != ["cookie: a=1; b=2"]:
        raise CheckFailed("the backend got %s" % cookies)


# 8.3 HTTP control data (pseudo-header fields)

def bad_request(fields_fn, end_stream=True):
    def fn(x):
        c = x.conn()
        c.send_raw(x.headers(1, fields_fn(x), end_stream))
        x.malformed(c, 1)
    return fn


def without(x, name):
    return [f for f in x.req() if f[0] != name]


def dup(x, name):
    f = x.req()
    i = next(i for i, (n, _) in enumerate(f) if n == name)
    return f[:i + 1] + [f[i]] + f[i + 1:]


for _name, _fn in [
        ("8.3 an unknown pseudo-header field",
         lambda x: x.req()[:4] + [(":foo", "bar")] + x.req()[4:]),
        ("8.3 a response pseudo-header field (:status) in a request",
         lambda x: x.req()[:4] + [(":status", "200")] + x.req()[4:]),
        ("8.3 a pseudo-header field after a regular field",
         lambda x: x.req()[:3] + [("x-regular", "1"), x.req()[3]] + x.req()[4:]),
        ("8.3 :method twice", lambda x: dup(x, ":method")),
        ("8.3 :scheme twice", lambda x: dup(x, ":scheme")),
        ("8.3 :path twice", lambda x: dup(x, ":path")),
        ("8.3 :authority twice", lambda x: dup(x, ":authority")),
        ("8.3.1 no :method", lambda x: without(x, ":method")),
        ("8.3.1 no :scheme", lambda x: without(x, ":scheme")),
        ("8.3.1 no :path", lambda x: without(x, ":path")),
        ("8.3.1 an empty :path", lambda x: x.req(path="")),
        ("8.3.1 :path not origin-form (\"evil\")", lambda x: x.req(path="evil")),
        ("8.3.1 :path in absolute-form (\"http://evil.example/x\")",
         lambda x: x.req(path="http://evil.example/x")),
        ("8.3.1 :path \"*\" with GET", lambda x: x.req(path="*")),
        ("8.3.1 :scheme foo (not https on TLS) with :path http://evil.example/x",
         lambda x: x.req(path="http://evil.example/x", scheme="foo")),
        ("8.5 CONNECT with :scheme and :path", lambda x: x.req("CONNECT", "/")),
        ("8.5 CONNECT without :authority",
         lambda x: [(":method", "CONNECT"), ("x-check", x.marker)])]:
    check(_name + ": malformed, not forwarded")(bad_request(_fn))


@check("8.3 a pseudo-header field in a trailer section: stream error PROTOCOL_ERROR")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("POST", "/echo"), False), frame(DATA, 0, 1, b"test"),
               x.headers(1, [(":method", "POST")]))
    x.malformed(c, 1, forwarded_check=False)


@check("8.3.1 OPTIONS with :path \"*\": not malformed, a response arrives")
def _(x):
    c = x.conn()
    c.send_raw(x.headers(1, x.req("OPTIONS", "*")))
    x.response(c, 1)
    return "PASS", "status %d" % c.responses[1]


# 8.5 The CONNECT method

@check("8.5 CONNECT (:method and :authority only): 400 as HTTP/1.1's CONNECT gets, no backend "
       "connection")
def _(x):
    before = x.accepted()
    c = x.conn()
    c.send_raw(x.headers(1, [(":method", "CONNECT"), (":authority", "evil.example:443"),
                             ("x-check", x.marker)]))
    c.pump(x.t, lambda: c.done(1) or c.closed)
    if c.responses.get(1) != 400 or 1 not in c.ended:
        raise CheckFailed("want a 400 response; got " + c.describe(1))
    x.not_forwarded()
    after = x.accepted()
    if after - before != 2:   # the sync request and this /stats probe only
        raise CheckFailed("the backend accepted %d connection(s) meanwhile" % (after - before - 2))


# RFC 7541 HPACK

def hpack_error(blk_fn):
    def fn(x):
        c = x.conn()
        c.send_raw(x.headers(1, blk_fn(x)))
        x.conn_error(c, E.COMPRESSION_ERROR)
    return fn


for _name, _fn in [
        ("RFC 7541 2.3.3 an indexed field beyond both tables (index 70)",
         lambda x: block(x.req()) + hpack_int(70, 7, 0x80)),
        ("RFC 7541 2.3.3 a literal whose name index is beyond both tables (70)",
         lambda x: block(x.req()) + hpack_int(70, 6, 0x40) + b"\x01a"),
        ("RFC 7541 5.1 an integer beyond any limit (an index of 2^70)",
         lambda x: block(x.req()) + b"\xff" + b"\xff" * 10 + b"\x01"),
        ("RFC 7541 5.2 a Huffman string holding EOS",
         lambda x: block(x.req()) + b"\x00\x06x-test\x84\xff\xff\xff\xff"),
        ("RFC 7541 5.2 Huffman padding longer than 7 bits",
         lambda x: block(x.req()) + b"\x00\x06x-test\x82\x1f\xff"),
        ("RFC 7541 5.2 Huffman padding not the most significant bits of EOS",
         lambda x: block(x.req()) + b"\x00\x06x-test\x81\x18"),
        ("RFC 7541 6.1 an indexed field of index 0", lambda x: block(x.req()) + b"\x80"),
        ("RFC 7541 6.3 a dynamic table size update after a field line",
         lambda x: block(x.req()) + b"\x20")]:
    check(_name + ": connection error COMPRESSION_ERROR")(hpack_error(_fn))


@check("RFC 7541 4.2 a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE: connection "
       "error COMPRESSION_ERROR")
def _(x):
    c = x.conn()
    limit = c.server_settings.get(HEADER_TABLE_SIZE, 4096)
    c.send_raw(x.headers(1, hpack_int(limit + 1, 5, 0x20) + block(x.req())))
    x.conn_error(c, E.COMPRESSION_ERROR)


@check("RFC 7541 2.3.2 Huffman literals indexed, then reused from the dynamic table in a later "
       "block: both responses arrive")
def _(x):
    c = x.conn()
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS, 1, c.enc.encode(x.req())))
    x.response(c, 1, 200)
    blk = c.enc.encode(x.req())
    c.send_raw(frame(HEADERS, END_STREAM | END_HEADERS, 3, blk))
    x.response(c, 3, 200)
    return "PASS", "second block %d octets" % len(blk)


@check("RFC 7541 4.2 SETTINGS_HEADER_TABLE_SIZE 0: the server's next field block starts with a "
       "size update to 0")
def _(x):
    c = x.conn({HEADER_TABLE_SIZE: 0})
    c.send_raw(x.headers(1, x.req()))
    x.response(c, 1, 200)
    first = c.raw_blocks[1][0]
    if first[:1] != b"\x20":
        raise CheckFailed("the response's block starts %s" % first[:8].hex())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sni", default="")
    p.add_argument("--authority", required=True, help="a site with the test backend")
    p.add_argument("--stopped-authority", required=True, help="a stopped site")
    p.add_argument("--nobackend-authority", required=True, help="a site without a backend")
    p.add_argument("--backend", type=int, required=True, help="the test backend's port")
    p.add_argument("--record", required=True, help="the test backend's --record file")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds per outcome")
    p.add_argument("--only", default="", help="run the checks whose name matches")
    p.add_argument("--list", action="store_true", help="list the checks")
    args = p.parse_args()
    if args.host not in h2attack.LOOPBACK:
        raise SystemExit("h2spec: loopback only")
    n = 0
    for i, (name, fn) in enumerate(CHECKS):
        if args.only and not re.search(args.only, name):
            continue
        n += 1
        if args.list:
            print(name)
            continue
        x = Ctx(args, i)
        try:
            r = fn(x)
            verdict, detail = r if r else ("PASS", "")
        except CheckFailed as e:
            verdict, detail = "FAIL", str(e)
        except Exception as e:   # a broken check says so, and the run goes on
            tb = traceback.extract_tb(e.__traceback__)[-1]
            verdict, detail = "FAIL", "the check itself broke: %s: %s (line %d)" % (
                type(e).__name__, e, tb.lineno)
        finally:
            for c in x.conns:
                try:
                    c.sock.close()
                except OSError:
                    pass
        print("\t".join([verdict, name] + ([detail.replace("\t", " ").replace("\n", " ")]
                                           if detail else [])))
        sys.stdout.flush()
    print("END\t%d" % n)


if __name__ == "__main__":
    main()
