/*
 * http — HTTP/1.1 message heads over llhttp in strict mode: parsing requests from clients
 * and responses from backends, the checks llhttp leaves to us, HTTP.SYS's
 * size limits, and re-serialising heads for the other side (origin-form, hop-by-hop
 * headers removed, X-Forwarded-*).  Bodies are passed through callbacks as they arrive,
 * de-chunked; nothing is buffered whole.  A chunked body's trailer section is kept
 * (http_parser_trailers) and written again, filtered, as the last chunk of the other side
 * (http_last_chunk_add).  No sockets: the conn and upstream modules feed bytes in and
 * take evbuffers out.  One parser belongs to one connection (not
 * thread-safe across connections sharing it).
 */
#ifndef SYSBIND_HTTP_H
#define SYSBIND_HTTP_H

#include <stddef.h>
#include <event2/buffer.h>

/* How the limits count (a head exactly at a limit passes, one byte over is refused at that
 * byte, before it is stored): max_request_bytes counts every byte of the head on the wire,
 * empty lines before the request line and the blank line's CRLF included; max_field_length
 * counts one header line without its CRLF; max_url_length the request-target.  A response
 * parser applies the first two to the backend's head (as HTTP_ERR_BAD_RESPONSE). */
struct http_limits {
	unsigned long max_field_length;   /* one header line (name + value), HTTP.SYS MaxFieldLength */
	unsigned long max_request_bytes;  /* request line + all headers, MaxRequestBytes */
	unsigned long max_url_length;     /* request target; beyond it 414 */
};

/* Why a request was refused: respond.c turns it into HTTP.SYS's page and HTTPERR reason. */
enum http_error {
	HTTP_ERR_NONE = 0,
	HTTP_ERR_BAD_REQUEST,     /* 400 "The request is badly formed."  reason BadRequest */
	HTTP_ERR_VERB,            /* 400 Invalid Verb                    reason Verb */
	HTTP_ERR_URL,             /* 400 Invalid URL                     reason URL */
	HTTP_ERR_HEADER,          /* 400 Invalid Header                  reason Header */
	HTTP_ERR_HOSTNAME,        /* 400 Invalid Hostname                reason Hostname */
	HTTP_ERR_REQUEST_LENGTH,  /* 400 Request Too Long                reason RequestLength */
	HTTP_ERR_FIELD_LENGTH,    /* 400 Request Too Long                reason FieldLength */
	HTTP_ERR_URL_LENGTH,      /* 414                                 reason URL_Length */
	HTTP_ERR_LENGTH_REQUIRED, /* 411                                 reason LengthRequired */
	HTTP_ERR_NOT_IMPLEMENTED, /* 501 unknown transfer coding         reason N/I */
	HTTP_ERR_VERSION,         /* 505                                 reason Version_N/S */
	HTTP_ERR_INVALID_CRLF,    /* 400 badly formed                    reason Invalid_CR/LF */
	HTTP_ERR_BAD_RESPONSE,    /* backend's response is invalid: 502 */
};

/* The fields sysbind acts on, named once when a head is parsed (http_field_id), so that
 * nothing downstream compares names again. */
enum http_field {
	HF_OTHER = 0, HF_HOST, HF_CONTENT_LENGTH, HF_TRANSFER_ENCODING, HF_CONNECTION,
	HF_KEEP_ALIVE, HF_PROXY_CONNECTION, HF_TE, HF_TRAILER, HF_UPGRADE, HF_HTTP2_SETTINGS,
	HF_EXPECT, HF_X_FORWARDED_FOR, HF_X_FORWARDED_PROTO, HF_X_FORWARDED_HOST,
	HF_USER_AGENT, HF_REFERER, HF_ACCEPT, HF_COOKIE,
};

struct http_header {
	char            *name;   /* as received */
	char            *value;  /* leading/trailing whitespace removed */
	unsigned         name_len, value_len;
	enum http_field  id;
};

struct http_head;

/*
 * A trailer section (RFC 9110 §6.5): each field copied into one allocation of its own
 * (name, NUL, value, NUL), so that the list grows without moving what was read before.
 * Owned by whoever embeds it (the parser, for the message it read; an HTTP/2 stream, for
 * the trailers it received or will send) and freed by http_fields_clear, the one place.
 * A zeroed struct is an empty list.
 */
struct http_fields {
	struct http_header *v;
	size_t              n, cap;
	size_t              bytes;   /* name and value bytes held */
};

/* Append a copy of one field (lower: its name lowercased, for HTTP/2).  Returns 0, or -1
 * when out of memory (nothing appended). */
int http_fields_add(struct http_fields *l, const char *name, size_t nlen, const char *value,
    size_t vlen, int lower);

/* Free every field; the list is empty (and usable) again. */
void http_fields_clear(struct http_fields *l);

/*
 * 1 when a and b (alen, blen bytes) are the same field name to a CGI-style backend (CGI
 * and PHP, WSGI, Rack: HTTP_ and the name upper-cased, "-" as "_"): letters in any case,
 * "-" and "_" alike.  The one comparison of every name sysbind strips from, or forbids
 * in, what it forwards (hop-by-hop fields, the X-Forwarded-* fields and client-certificate
 * header it sets, http_trailer_forbidden), so that X_ARR_ClientCert never stands in for
 * X-ARR-ClientCert.  Pure; any thread.
 */
int http_name_eq_cgi(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Why a field must not travel in a trailer section, whichever way it goes (RFC 9110
 * §6.5.1: fields that frame or route the message, authenticate, modify the request,
 * control the response or say how to read its content; the hop-by-hop set; pseudo-header
 * fields; the X-Forwarded-* fields sysbind sets): "framing", "routing", ... for those,
 * NULL for a field that may be forwarded.  One table, in http.c, matched through
 * http_name_eq_cgi (X_Forwarded_For is forbidden as X-Forwarded-For is).
 */
const char *http_trailer_forbidden(const char *name, size_t len);

/* Mark in hop[0..nf) the fields of f that are hop-by-hop (the fixed set: Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, HTTP2-Settings;
 * and those its Connection fields name, never Host or Content-Length): one pass, the
 * named tokens hashed once.  The same rule http_request_serialize and
 * http_response_serialize apply; HTTP/2 uses it to keep connection-specific fields out
 * (RFC 9113 §8.2.2).  Names and values must be NUL-terminated.  Returns 0 or -1. */
int http_hop_fields(const struct http_header *f, size_t nf, unsigned char *hop);

/* 1 when a response of this status must not carry the field named name (len bytes, any
 * case) at all, whatever framing it goes out in: a Content-Length in a 1xx or a 204 (RFC
 * 9110 §8.6, "MUST NOT"; an HTTP/2 client refuses the response: nghttp2 resets the stream
 * on one in a 1xx, and on one other than 0 in a 204).  A 304's is its 200's length, and
 * stays.  http_response_serialize drops it; HTTP/2 responses use it too. */
int http_response_field_dropped(int status, const char *name, size_t len);

/* Which field name (len bytes, any case) is, HF_OTHER for the rest. */
enum http_field http_field_id(const char *name, size_t len);

/* The value of h's first field id, or NULL. */
const char *http_head_field(const struct http_head *h, enum http_field id);

/* One parsed message head.  Strings live until the next message starts on the parser. */
struct http_head {
	/* request */
	char   *method;          /* "GET" */
	char   *target;          /* as received */
	char   *path;            /* origin-form path?query for the backend */
	char   *host;            /* from an absolute-form target, else Host; NULL if none */
	/* response */
	int     status;
	const char *reason;      /* "" when the status line has none */
	/* both */
	int     version_major, version_minor;
	struct http_header *headers;   /* every field, in order */
	size_t  nheaders;
	int     keep_alive;      /* the sender keeps the connection after this message */
	int     chunked;         /* body framed with chunked coding */
	long long content_length;/* -1 when absent */
	int     upgrade;         /* Connection: upgrade + Upgrade present (request), or 101 (response) */
	char   *upgrade_proto;   /* the Upgrade field's value, NULL if none */
	int     expect_continue; /* request has Expect: 100-continue */
	size_t  head_bytes;      /* bytes of the head on the wire */
};

struct http_callbacks {
	/* The head is complete.  Return 0 to go on, -1 to stop with HTTP_FEED_ERROR.  A
	 * response callback may return 1 to declare the message bodiless (HEAD, 304). */
	int (*on_head)(void *arg, struct http_head *h);
	/* Body bytes, de-chunked.  Return 0 or -1. */
	int (*on_body)(void *arg, const char *data, size_t len);
	/* The message ended.  The parser pauses after it (see http_parser_feed). */
	int (*on_end)(void *arg);
};

enum http_kind { HTTP_PARSE_REQUEST, HTTP_PARSE_RESPONSE };

enum http_feed {
	HTTP_FEED_MORE = 0,  /* all bytes consumed, wants more */
	HTTP_FEED_PAUSED,    /* stopped after on_end (or after on_head when asked) */
	HTTP_FEED_UPGRADE,   /* the message upgraded the connection; remaining bytes are the tunnel's */
	HTTP_FEED_ERROR,     /* see http_parser_error */
};

struct http_parser;

/* A new parser (caller owns).  limits are copied; cb and arg are borrowed. */
struct http_parser *http_parser_new(enum http_kind kind, const struct http_limits *lim,
    const struct http_callbacks *cb, void *arg);
void http_parser_free(struct http_parser *p);

/*
 * Feed len bytes; *used receives how many were consumed (the caller drains that many).
 * After HTTP_FEED_PAUSED call http_parser_resume before feeding the next message (pipelined
 * requests are answered in order this way).  A response parser must be told the request
 * method first (http_parser_set_request_method) so HEAD responses are framed right.
 */
enum http_feed http_parser_feed(struct http_parser *p, const char *data, size_t len,
    size_t *used);

/* Bytes of a Content-Length body still to come when the parser is inside one (head
 * done, not chunked, not skipped), else 0: the next that many bytes are all body, each
 * handed to on_body as it is. */
unsigned long long http_parser_body_left(const struct http_parser *p);

/* The peer closed: returns 0 when that ends a message cleanly (close-delimited body, or
 * between messages), -1 when a message was cut short. */
int http_parser_finish(struct http_parser *p);

/* After a pause after on_head, resuming lets llhttp act on the head's framing at once: a
 * bodiless message completes inside this call (on_end is called from here, and the parser
 * is then paused after on_end), an upgrade request makes the next feed return
 * HTTP_FEED_UPGRADE. */
void http_parser_resume(struct http_parser *p);

/* The trailer section of the chunked message that just ended, every field as received
 * (the filter is the writer's), empty when it had none.  Valid from on_end until the next
 * message starts on the parser (as the head's strings) or http_parser_trim; borrowed.
 * The section was held to max_field_length per line and max_request_bytes in all. */
const struct http_fields *http_parser_trailers(const struct http_parser *p);

/* Between messages (after the last one ended and the parser was resumed, before a byte
 * of the next): give back the arena and header arrays, so an idle keep-alive connection
 * holds only the parser itself.  The last head's strings are gone after this.  Does
 * nothing in any other state. */
void http_parser_trim(struct http_parser *p);

/* Free this thread's stash of parser buffers (at the end of a worker thread). */
void http_parser_stash_drain(void);

/* Ask the parser to pause right after on_head (so the caller can route before the body). */
void http_parser_pause_after_head(struct http_parser *p, int on);

/* For a response parser: the method of the request it answers ("HEAD", "CONNECT", ...). */
void http_parser_set_request_method(struct http_parser *p, const char *method);

/* 1 while between messages (nothing of the next message received yet). */
int http_parser_idle(const struct http_parser *p);

/* The error after HTTP_FEED_ERROR, with a short detail for logs ("obs-fold in header"). */
/* HTTP_ERR_NONE (detail "stopped by on_head" ...) when one of our caller's callbacks
 * returned -1: that is not a parse error. */
enum http_error http_parser_error(const struct http_parser *p, const char **detail);

/* The head of the request refused after it was read whole (a Host missing or doubled, a
 * Transfer-Encoding refused), or NULL: HTTP.SYS logs such a refusal with the request's
 * version, method and URL, as for any request whose line it has read. */
struct http_head *http_parser_refused_head(struct http_parser *p);

/* 1 when the method is idempotent (RFC 9110 §9.2.2: GET HEAD OPTIONS TRACE PUT DELETE). */
int http_method_idempotent(const char *method);

/* What the forwarding head needs to know about the client connection. */
struct http_forward {
	const char *client_ip;    /* appended to X-Forwarded-For */
	int         tls;          /* X-Forwarded-Proto: https / http */
	int         upgrade;      /* keep Connection: upgrade + Upgrade (WebSocket) */
	const char *cert_header;  /* X-ARR-ClientCert: every field of this name the client sent
	                           * is removed, X_ARR_ClientCert too (http_name_eq_cgi;
	                           * NULL: none) */
	const char *client_cert;  /* its value, the client's certificate (base64 DER), added
	                           * when not NULL */
	const char *via;          /* a Via field added after the client's own (RFC 9110
	                           * §7.6.3), "1.1 sysbind-TOKEN"; NULL: none */
};

/* 1 when a Via field of h names mark (the received-by pseudonym a sysbind adds: its
 * forwarded requests carry it), else 0.  Pure. */
int http_head_via_has(const struct http_head *h, const char *mark);

/*
 * Append the request head for the backend to out: origin-form target, HTTP/1.1, Host
 * unchanged, hop-by-hop fields removed (Connection and what it names, Keep-Alive,
 * Proxy-Connection, TE, Trailer, Upgrade unless fw->upgrade), X-Forwarded-For appended,
 * X-Forwarded-Proto and X-Forwarded-Host set, fw->via appended as one more Via field
 * (the client's kept before it), fw->cert_header removed and set to
 * fw->client_cert when there is one (each name removed in every spelling a CGI backend
 * reads alike, http_name_eq_cgi: X_Forwarded_For goes, its values with it), framing kept
 * (Content-Length as received, Transfer-Encoding: chunked when the client's body is
 * chunked; the body is then re-chunked by http_chunk_append).  Returns 0 or -1.
 */
int http_request_serialize(const struct http_head *req, const struct http_forward *fw,
    struct evbuffer *out);

/*
 * Append the response head for the client: status line as HTTP/1.1, hop-by-hop fields
 * removed, framing chosen for the client: chunked_out 1 makes the body chunked (a
 * close-delimited backend body to an HTTP/1.1 client), keep_alive 0 adds
 * "Connection: close".  Returns 0 or -1.
 */
int http_response_serialize(const struct http_head *resp, int chunked_out, int keep_alive,
    struct evbuffer *out);

/* Append one chunk ("%zx\r\n" data "\r\n"); len 0 appends the last chunk "0\r\n\r\n". */
int http_chunk_append(struct evbuffer *out, const char *data, size_t len);

/* Append the last chunk with a trailer section: "0\r\n", each field of t that
 * http_trailer_forbidden allows and that is not named drop (the client-certificate header
 * sysbind sets, in any spelling http_name_eq_cgi matches; NULL: none), "\r\n".  t NULL or empty: "0\r\n\r\n".  Returns 0 or -1. */
int http_last_chunk_append(struct evbuffer *out, const struct http_fields *t, const char *drop);

/* The same three into the connection core's queues (iobuf.h). */
struct iobuf;
int http_request_head(const struct http_head *req, const struct http_forward *fw,
    struct iobuf *out);
int http_response_head(const struct http_head *resp, int chunked_out, int keep_alive,
    struct iobuf *out);
int http_chunk_add(struct iobuf *out, const char *data, size_t len);
/* The same with the data moved out of src when it can be (iobuf_move; the bytes written
 * are http_chunk_add's): 0 or -1 (out of memory), and in *lost, either way, how many bytes
 * src gave up. */
int http_chunk_move(struct iobuf *out, struct iobuf *src, const char *data, size_t len,
    size_t *lost);
int http_last_chunk_add(struct iobuf *out, const struct http_fields *t, const char *drop);

#endif
