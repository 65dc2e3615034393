"""Bytes on the proxy's wire: HTTP/1.x, SOCKS5 and the TLS ClientHello. Sans-I/O.

Every parser takes a buffer and returns an event, ``None`` for "need more bytes", or
raises :class:`WireError` (a ``ProxyProtocolError``) carrying the HTTP status or SOCKS
reply code to answer with. Nothing here touches a socket, so everything is fuzzable.
Grammars are full-match and strict: NUL, CR, LF and other control bytes in a request
line or a header, obsolete line folding, a Host header that disagrees with the request
target, userinfo in an authority, and conflicting body framing are all refused.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ringfence.errors import ProxyProtocolError

MAX_HEAD = 16 * 1024
MAX_HELLO = 64 * 1024

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TOKEN_CHARS = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([\x21-\x7e]+) HTTP/(1\.[01])")
_STATUS_LINE = re.compile(rb"HTTP/(1\.[01]) ([1-9][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?")
_HEADER = re.compile(rb"(" + _TOKEN + rb"):[ \t]*((?:[\x21-\x7e\x80-\xff](?:[ \t]*[\x21-\x7e\x80-\xff])*)?)[ \t]*")
_TOKEN_START = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_REG_NAME = re.compile(r"[A-Za-z0-9._-]{1,253}")
_IPV6_CHARS = re.compile(r"[0-9A-Fa-f:.]{2,45}")
_DIGITS = re.compile(rb"[0-9]{1,18}")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(;[\t\x20-\x7e\x80-\xff]*)?")
# Hop-by-hop fields, never forwarded (RFC 9110 7.6.1), plus Host, which is rewritten.
_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization",
                  b"proxy-authenticate", b"te", b"upgrade", b"host"})
REASONS = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 414: "URI Too Long", 431: "Request Header Fields Too Large",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
CONNECT_OK = b"HTTP/1.1 200 Connection established\r\n\r\n"

# SOCKS5 reply codes (RFC 1928 section 6)
SOCKS_OK, SOCKS_FAILURE, SOCKS_NOT_ALLOWED, SOCKS_NET_UNREACHABLE = 0, 1, 2, 3
SOCKS_HOST_UNREACHABLE, SOCKS_REFUSED, SOCKS_TTL_EXPIRED = 4, 5, 6
SOCKS_BAD_COMMAND, SOCKS_BAD_ADDRESS = 7, 8


class WireError(ProxyProtocolError):
    """Malformed bytes. ``status`` is the HTTP answer, ``socks_reply`` the SOCKS5 one."""

    def __init__(self, message: str, *, status: int = 400, socks_reply: int = SOCKS_FAILURE):
        super().__init__(message)
        self.status = status
        self.socks_reply = socks_reply


# ---------------------------------------------------------------------------- HTTP

@dataclass(frozen=True)
class Framing:
    """How a message body ends: "none", "length" (``length`` bytes), "chunked", "close"."""
    kind: str
    length: int = 0


@dataclass(frozen=True)
class Request:
    method: str
    target: str                  # as sent
    version: str                 # "1.1" or "1.0"
    headers: tuple[tuple[bytes, bytes], ...]
    host: str                    # from the target; brackets of an IPv6 literal removed
    port: int
    authority: str               # "host[:port]" as written in the target
    path: str                    # origin-form for the upstream server ("" for CONNECT)
    body: Framing
    keep_alive: bool
    head_len: int                # bytes of the buffer this head used

    @property
    def is_connect(self) -> bool:
        return self.method == "CONNECT"


@dataclass(frozen=True)
class Response:
    status: int
    version: str
    status_line: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: Framing
    head_len: int


def parse_request_head(buf: bytes | bytearray, limit: int = MAX_HEAD) -> Request | None:
    """Parse a proxy request head (absolute-form or CONNECT) from the start of ``buf``."""
    lines, head_len = _split_head(buf, limit, request=True)
    if lines is None:
        return None
    m = _REQUEST_LINE.fullmatch(lines[0])
    method, target, version = m.group(1).decode(), m.group(2).decode(), m.group(3).decode()
    headers = _parse_headers(lines[1:])
    if method == "CONNECT":
        host, port = parse_authority(target, None)
        authority, path = target, ""
    elif target.startswith("/") or target == "*":
        raise WireError("this is a proxy: send the full URL (GET http://host/path)")
    else:
        authority, host, port, path = _absolute_target(target)
    _check_host_header(headers, host, port)
    body = Framing("none") if method == "CONNECT" else _request_framing(headers, version)
    tokens = _connection_tokens(headers)
    keep_alive = version == "1.1" and b"close" not in tokens
    return Request(method, target, version, headers, host, port, authority, path, body,
                   keep_alive, head_len)


def parse_tunnel_request_head(buf: bytes | bytearray, limit: int = MAX_HEAD) -> Request | None:
    """Parse a plain-HTTP request sent *inside* a CONNECT or SOCKS tunnel.

    It must carry exactly one Host header: the caller compares it with the host the
    tunnel was opened to (a different one would be domain fronting without TLS).
    ``host``/``port`` come from the Host header (port 0 when it names none).
    """
    lines, head_len = _split_head(buf, limit, request=True)
    if lines is None:
        return None
    m = _REQUEST_LINE.fullmatch(lines[0])
    method, target, version = m.group(1).decode(), m.group(2).decode(), m.group(3).decode()
    if method == "CONNECT":
        raise WireError("CONNECT inside a tunnel")
    headers = _parse_headers(lines[1:])
    values = _values(headers, b"host")
    if len(values) != 1:
        raise WireError("a request inside a tunnel needs exactly one Host header")
    try:
        authority = values[0].decode("ascii")
        host, port = parse_authority(authority, 0)
    except (UnicodeDecodeError, WireError):
        raise WireError("malformed Host header") from None
    if not target.startswith("/") and target != "*":
        _, t_host, t_port, _ = _absolute_target(target)
        _check_host_header(headers, t_host, t_port if port else 0)
    tokens = _connection_tokens(headers)
    return Request(method, target, version, headers, host, port, authority, target,
                   _request_framing(headers, version), version == "1.1" and b"close" not in tokens, head_len)


def parse_response_head(buf: bytes | bytearray, method: str,
                        limit: int = 64 * 1024) -> Response | None:
    """Parse an upstream response head; ``method`` is the request's (HEAD has no body)."""
    lines, head_len = _split_head(buf, limit, request=False)
    if lines is None:
        return None
    m = _STATUS_LINE.fullmatch(lines[0])
    if m is None:
        raise WireError("upstream sent a malformed status line", status=502)
    status = int(m.group(2))
    headers = _parse_headers(lines[1:], status=502)
    if method == "HEAD" or status < 200 or status in (204, 304):
        body = Framing("none")
    else:
        te = _values(headers, b"transfer-encoding")
        if te:
            codings = [c.strip().lower() for c in b",".join(te).split(b",")]
            body = Framing("chunked" if codings[-1] == b"chunked" else "close")
        else:
            length = _content_length(headers, status=502)
            body = Framing("close") if length is None else Framing("length", length)
    return Response(status, m.group(1).decode(), lines[0], headers, body, head_len)


def parse_authority(text: str, default_port: int | None) -> tuple[str, int]:
    """``host[:port]`` or ``[v6][:port]`` -> (host without brackets, port)."""
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[1:end], text[end + 1:]
        if end < 0 or not _IPV6_CHARS.fullmatch(host):
            raise WireError(f"bad IPv6 authority {text[:80]!r}")
    else:
        host, sep, port_text = text.partition(":")
        rest = sep + port_text
        if not _REG_NAME.fullmatch(host):
            raise WireError(f"bad host in authority {text[:80]!r}: letters, digits, '.', '-' "
                            "and '_' only, no user info")
    if not rest:
        if default_port is None:
            raise WireError(f"authority {text[:80]!r} has no port (CONNECT needs host:port)")
        return host, default_port
    if not rest.startswith(":") or not rest[1:].isascii() or not rest[1:].isdigit() \
            or len(rest) > 6 or not 0 < int(rest[1:]) < 65536:
        raise WireError(f"bad port in authority {text[:80]!r}")
    return host, int(rest[1:])


def build_forward_head(req: Request) -> bytes:
    """The request for the origin server: origin-form, Host from the target, one use only."""
    drop = _HOP | _connection_tokens(req.headers)
    out = [f"{req.method} {req.path} HTTP/{req.version}\r\nHost: {req.authority}\r\n".encode()]
    out += [name + b": " + value + b"\r\n" for name, value in req.headers
            if name.lower() not in drop]
    out.append(b"Connection: close\r\n\r\n")
    return b"".join(out)


def build_response_head(resp: Response, *, close: bool) -> bytes:
    """The upstream response head for the client, hop-by-hop fields removed."""
    drop = _HOP | _connection_tokens(resp.headers)
    out = [resp.status_line + b"\r\n"]
    out += [name + b": " + value + b"\r\n" for name, value in resp.headers
            if name.lower() not in drop]
    if close:
        out.append(b"Connection: close\r\n")
    out.append(b"\r\n")
    return b"".join(out)


def error_response(status: int, message: str, *, rule: str | None = None) -> bytes:
    """A complete ``Connection: close`` response with a text body."""
    body = (_printable(message) + "\n").encode()
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}", "Connection: close"]
    if rule is not None:
        head.append(f"X-Ringfence-Rule: {_printable(rule)[:200]}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class BodyReader:
    """Finds where a body ends in a byte stream, without changing the bytes.

    ``feed(data)`` returns how many leading bytes of ``data`` belong to the body; after
    the last one ``done`` is True and the rest of the stream is the next message.
    """

    def __init__(self, framing: Framing, *, max_line: int = 4096, max_trailers: int = MAX_HEAD):
        self.framing = framing
        self.done = framing.kind == "none" or (framing.kind == "length" and not framing.length)
        self._left = framing.length
        self._state = "size"
        self._line = bytearray()
        self._max_line, self._trailers_left = max_line, max_trailers

    def feed(self, data: bytes | bytearray | memoryview) -> int:
        if self.done:
            return 0
        kind = self.framing.kind
        if kind == "close":
            return len(data)
        if kind == "length":
            n = min(self._left, len(data))
            self._left -= n
            self.done = self._left == 0
            return n
        return self._feed_chunked(data if isinstance(data, bytes) else bytes(data))

    def _feed_chunked(self, data: bytes) -> int:
        i, n = 0, len(data)
        while i < n and not self.done:
            if self._state == "data":
                take = min(self._left, n - i)
                i += take
                self._left -= take
                if self._left == 0:
                    self._state = "data-end"
                continue
            end = data.find(b"\n", i, i + self._max_line + 2 - len(self._line))
            if end < 0:
                self._line += data[i:]
                i = n
                if len(self._line) > self._max_line:
                    raise WireError("chunked body: line too long")
                continue
            if self._line:
                line = bytes(self._line + data[i:end + 1])
                self._line.clear()
            else:
                line = data[i:end + 1]
            i = end + 1
            if not line.endswith(b"\r\n"):
                raise WireError("chunked body: bad line ending")
            self._on_line(line[:-2])
        return i

    def _on_line(self, line: bytes) -> None:
        if self._state == "size":
            m = _CHUNK_SIZE.fullmatch(line)
            if m is None:
                raise WireError("chunked body: bad chunk size line")
            self._left = int(m.group(1), 16)
            self._state = "data" if self._left else "trailer"
        elif self._state == "data-end":
            if line:
                raise WireError("chunked body: chunk data longer than its size")
            self._state = "size"
        else:  # trailer section: header lines up to an empty one
            if not line:
                self.done = True
                return
            self._trailers_left -= len(line) + 2
            if self._trailers_left < 0 or not _HEADER.fullmatch(line):
                raise WireError("chunked body: bad or oversized trailer")


def _split_head(buf, limit, *, request: bool):
    status = 400 if request else 502
    if buf and buf[0] not in _TOKEN_START:
        raise WireError("not an HTTP request" if request else "upstream sent no HTTP response",
                        status=status)
    lf = bytes(buf[:limit]).find(b"\n")
    if lf == 0 or (lf > 0 and buf[lf - 1] != 13):
        raise WireError("bare LF line ending (lines must end with CRLF)", status=status)
    end = bytes(buf[:limit + 4]).find(b"\r\n\r\n")
    if end < 0 or end + 4 > limit:
        first = bytes(buf[:limit]).find(b"\r\n")
        if first >= 0:
            _check_start_line(bytes(buf[:first]), request)
        elif len(buf) >= limit:
            raise WireError("request line too long" if request else "status line too long",
                            status=414 if request else 502)
        if end >= 0 or len(buf) >= limit:
            raise WireError(f"head larger than {limit} bytes", status=431 if request else 502)
        return None, 0
    lines = bytes(buf[:end]).split(b"\r\n")
    _check_start_line(lines[0], request)
    return lines, end + 4


def _check_start_line(line: bytes, request: bool) -> None:
    if request and not _REQUEST_LINE.fullmatch(line):
        raise WireError("malformed request line (want: METHOD target HTTP/1.1)")
    if not request and not _STATUS_LINE.fullmatch(line):
        raise WireError("upstream sent a malformed status line", status=502)


def _parse_headers(lines, status: int = 400) -> tuple[tuple[bytes, bytes], ...]:
    out = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            raise WireError("obsolete header line folding", status=status)
        m = _HEADER.fullmatch(line)
        if m is None:
            raise WireError("malformed header line (control byte, missing ':' or bad name)",
                            status=status)
        out.append((m.group(1), m.group(2)))
    return tuple(out)


def _values(headers, name: bytes) -> list[bytes]:
    return [v for k, v in headers if k.lower() == name]


def _connection_tokens(headers) -> frozenset[bytes]:
    return frozenset(t.strip().lower() for v in _values(headers, b"connection")
                     for t in v.split(b",") if t.strip())


def _content_length(headers, status: int) -> int | None:
    values = {v.strip() for raw in _values(headers, b"content-length") for v in raw.split(b",")}
    if not values:
        return None
    if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
        raise WireError("conflicting or malformed Content-Length", status=status)
    return int(next(iter(values)))


def _request_framing(headers, version: str) -> Framing:
    te = _values(headers, b"transfer-encoding")
    length = _content_length(headers, 400)
    if not te:
        return Framing("none") if not length else Framing("length", length)
    if length is not None:
        raise WireError("both Transfer-Encoding and Content-Length (request smuggling)")
    if version == "1.0":
        raise WireError("Transfer-Encoding in an HTTP/1.0 request")
    codings = [c.strip().lower() for c in b",".join(te).split(b",")]
    if codings[-1] != b"chunked" or codings.count(b"chunked") != 1:
        raise WireError("Transfer-Encoding must end with a single 'chunked'")
    return Framing("chunked")


def _absolute_target(target: str) -> tuple[str, str, int, str]:
    scheme, sep, rest = target.partition("://")
    if not sep:
        raise WireError(f"bad request target {target[:80]!r}")
    if scheme.lower() != "http":
        raise WireError(f"scheme {scheme[:20]!r} is not proxied: use CONNECT for https")
    if "#" in rest:
        raise WireError("fragment in request target")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        raise WireError("user info in request target authority")
    host, port = parse_authority(authority, 80)
    if not path.startswith("/"):
        path = "/" + path
    return authority, host, port, path


def _check_host_header(headers, host: str, port: int) -> None:
    values = _values(headers, b"host")
    if len(values) > 1:
        raise WireError("more than one Host header")
    if not values:
        return
    try:
        h_host, h_port = parse_authority(values[0].decode("ascii"), port)
    except (UnicodeDecodeError, WireError):
        raise WireError("malformed Host header") from None
    if h_host.lower().rstrip(".") != host.lower().rstrip(".") or h_port != port:
        raise WireError("Host header does not match the request target (forged Host)")


def _printable(text: str) -> str:
    return "".join(c if 0x20 <= ord(c) < 0x7F or c == "\n" else "?" for c in text)


# ---------------------------------------------------------------------------- SOCKS5

@dataclass(frozen=True)
class SocksGreeting:
    methods: bytes
    length: int

    @property
    def no_auth(self) -> bool:
        return 0 in self.methods


@dataclass(frozen=True)
class SocksRequest:
    host: str
    port: int
    length: int


def parse_socks_greeting(buf: bytes | bytearray) -> SocksGreeting | None:
    """VER NMETHODS METHODS..."""
    if not buf:
        return None
    if buf[0] != 5:
        raise WireError(f"SOCKS version {buf[0]} is not 5")
    if len(buf) < 2:
        return None
    n = buf[1]
    if n == 0:
        raise WireError("SOCKS greeting offers no method")
    if len(buf) < 2 + n:
        return None
    return SocksGreeting(bytes(buf[2:2 + n]), 2 + n)


def socks_method_reply(greeting: SocksGreeting) -> bytes:
    """Choose "no authentication", or refuse all methods (0xFF)."""
    return b"\x05\x00" if greeting.no_auth else b"\x05\xff"


def parse_socks_request(buf: bytes | bytearray) -> SocksRequest | None:
    """VER CMD RSV ATYP DST.ADDR DST.PORT; only CONNECT (1) is served."""
    if len(buf) >= 1 and buf[0] != 5:
        raise WireError(f"SOCKS version {buf[0]} is not 5")
    if len(buf) >= 2 and buf[1] != 1:
        raise WireError(f"SOCKS command {buf[1]} is not supported (CONNECT only)",
                        socks_reply=SOCKS_BAD_COMMAND)
    if len(buf) >= 3 and buf[2] != 0:
        raise WireError("SOCKS reserved byte is not 0")
    if len(buf) < 5:
        return None
    atyp = buf[3]
    if atyp == 1:
        end = 4 + 4
        if len(buf) < end + 2:
            return None
        host = ".".join(str(b) for b in buf[4:end])
    elif atyp == 4:
        end = 4 + 16
        if len(buf) < end + 2:
            return None
        host = str(ipaddress.IPv6Address(bytes(buf[4:end])))
    elif atyp == 3:
        size = buf[4]
        end = 5 + size
        if size == 0:
            raise WireError("SOCKS domain name is empty", socks_reply=SOCKS_BAD_ADDRESS)
        if len(buf) < end + 2:
            return None
        try:
            host = bytes(buf[5:end]).decode("ascii")
        except UnicodeDecodeError:
            host = ""
        if not _REG_NAME.fullmatch(host):
            raise WireError("SOCKS domain name has characters a host name cannot have",
                            socks_reply=SOCKS_BAD_ADDRESS)
    else:
        raise WireError(f"SOCKS address type {atyp} is not supported",
                        socks_reply=SOCKS_BAD_ADDRESS)
    port = int.from_bytes(buf[end:end + 2], "big")
    if port == 0:
        raise WireError("SOCKS port 0")
    return SocksRequest(host, port, end + 2)


def socks_reply(code: int) -> bytes:
    """A reply with an all-zero IPv4 bound address (clients do not use it for CONNECT)."""
    return bytes((5, code, 0, 1, 0, 0, 0, 0, 0, 0))


# ---------------------------------------------------------------------------- TLS

@dataclass(frozen=True)
class ClientHello:
    sni: str | None              # the host_name in server_name, or None without one
    ech: bool                    # carries encrypted_client_hello (may be GREASE)
    length: int                  # bytes of records that held the hello


def looks_like_tls(buf: bytes | bytearray) -> bool | None:
    """Does the stream start like a TLS handshake record (16 03 0x)? None: too short."""
    if buf and buf[0] != 0x16:
        return False
    if len(buf) < 3:
        return None
    return buf[1] == 3 and buf[2] <= 4


HTTP_SNIFF = 64 << 10   # a first line longer than this is judged on its start alone


def may_start_request_line(data: bytes) -> bool:
    """Could ``data`` (a first line with no end yet) still become an HTTP request line?"""
    token, sp, _ = data.partition(b" ")
    return bool(sp) and bool(token) and all(c in _TOKEN_CHARS for c in token)


def is_request_line(line: bytes) -> bool:
    """Is this complete line (ending in LF) an HTTP/1.x (or h2c) request line?"""
    parts = line.rstrip(b"\r\n").split(b" ")
    return (len(parts) == 3 and bool(parts[0]) and all(c in _TOKEN_CHARS for c in parts[0])
            and parts[2].upper().startswith(b"HTTP/"))


def parse_client_hello(buf: bytes | bytearray, limit: int = MAX_HELLO) -> ClientHello | None:
    """Reassemble a ClientHello from TLS handshake records and read its server name."""
    hs = bytearray()
    offset = 0
    while offset + 5 <= len(buf):
        ctype, major, size = buf[offset], buf[offset + 1], int.from_bytes(buf[offset + 3:offset + 5], "big")
        if ctype != 22 or major != 3:
            raise WireError("not a TLS handshake record")
        if size == 0 or size > 16384 + 2048:
            raise WireError("TLS record length out of range")
        if offset + 5 + size > len(buf):
            return None
        hs += buf[offset + 5:offset + 5 + size]
        offset += 5 + size
        if hs[0] != 1:
            raise WireError("first TLS handshake message is not a ClientHello")
        if len(hs) >= 4:
            need = int.from_bytes(hs[1:4], "big")
            if need > limit:
                raise WireError("TLS ClientHello too large")
            if len(hs) >= 4 + need:
                sni, ech = _hello_body(memoryview(hs)[4:4 + need])
                return ClientHello(sni, ech, offset)
    if offset == 0 and buf and (buf[0] != 22 or (len(buf) > 1 and buf[1] != 3)):
        raise WireError("not a TLS handshake record")
    if len(buf) > 2 * limit:
        raise WireError("TLS ClientHello too large")
    return None


def _hello_body(body: memoryview) -> tuple[str | None, bool]:
    r = _Reader(body)
    r.take(2 + 32)                         # legacy_version, random
    r.vector(1, maximum=32)                # legacy_session_id
    suites = r.vector(2)
    if not suites or len(suites) % 2:
        raise WireError("TLS ClientHello cipher suites malformed")
    if not r.vector(1):                    # legacy_compression_methods
        raise WireError("TLS ClientHello has no compression method")
    if r.left() == 0:
        return None, False
    exts = _Reader(r.vector(2))
    if r.left():
        raise WireError("TLS ClientHello has bytes after its extensions")
    seen, sni = set(), None
    while exts.left():
        etype = int.from_bytes(exts.take(2), "big")
        data = exts.vector(2)
        if etype in seen:
            raise WireError("TLS ClientHello repeats an extension")
        seen.add(etype)
        if etype == 0:
            sni = _server_name(data)
    return sni, 0xFE0D in seen


def _server_name(data: memoryview) -> str | None:
    outer = _Reader(data)
    names = _Reader(outer.vector(2))
    if outer.left():
        raise WireError("TLS server_name extension malformed")
    host = None
    while names.left():
        kind = names.take(1)[0]
        name = names.vector(2)
        if kind == 0:
            if host is not None:
                raise WireError("TLS server_name has two host names")
            try:
                host = bytes(name).decode("ascii")
            except UnicodeDecodeError:
                raise WireError("TLS server name is not ASCII") from None
            if not host:
                raise WireError("TLS server name is empty")
    return host


class _Reader:
    def __init__(self, data: memoryview):
        self.data, self.pos = data, 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> memoryview:
        if n > self.left():
            raise WireError("TLS ClientHello truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def vector(self, size_len: int, maximum: int | None = None) -> memoryview:
        n = int.from_bytes(self.take(size_len), "big")
        if maximum is not None and n > maximum:
            raise WireError("TLS ClientHello field too long")
        return self.take(n)
