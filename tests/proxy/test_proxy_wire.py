"""wire.py without sockets: each parser fed whole input, byte by byte, and with trailing data."""
from __future__ import annotations

import ssl

import pytest

from ringfence.errors import ProxyProtocolError
from ringfence.proxy import wire


def byte_by_byte(parse, data: bytes):
    """Feed a growing prefix; the event must appear exactly when the input is complete."""
    for i in range(len(data)):
        assert parse(data[:i]) is None, f"event before byte {i}"
    return parse(data)


def three_ways(parse, data: bytes, trailing: bytes = b"GET http://junk/ HTTP/1.1\r\n\x00\xff"):
    whole = parse(data)
    assert whole is not None
    assert byte_by_byte(parse, data) == whole
    assert parse(data + trailing) == whole
    return whole


# ---------------------------------------------------------------- HTTP requests

GET = (b"GET http://Example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
       b"User-Agent: t\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
       b"Proxy-Authorization: Basic eA==\r\n\r\n")


def test_absolute_form_get():
    req = three_ways(wire.parse_request_head, GET)
    assert (req.method, req.host, req.port, req.path, req.authority) == \
        ("GET", "Example.com", 8080, "/a/b?q=1", "Example.com:8080")
    assert req.keep_alive and req.body == wire.Framing("none") and req.head_len == len(GET)
    out = wire.build_forward_head(req)
    assert out.startswith(b"GET /a/b?q=1 HTTP/1.1\r\nHost: Example.com:8080\r\n")
    assert b"User-Agent: t\r\n" in out and out.endswith(b"Connection: close\r\n\r\n")
    for hop in (b"X-Hop", b"Proxy-Authorization", b"keep-alive"):
        assert hop not in out


@pytest.mark.parametrize("target,host,port,path", [
    ("http://a.test", "a.test", 80, "/"),
    ("http://a.test?x=1", "a.test", 80, "/?x=1"),
    ("HTTP://A.test:81/p", "A.test", 81, "/p"),
    ("http://[::1]:8080/", "::1", 8080, "/"),
    ("http://127.0.0.1/", "127.0.0.1", 80, "/"),
    ("http://2130706433:80/", "2130706433", 80, "/"),
])
def test_targets(target, host, port, path):
    req = wire.parse_request_head(f"GET {target} HTTP/1.1\r\n\r\n".encode())
    assert (req.host, req.port, req.path) == (host, port, path)


def test_connect():
    data = b"CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n"
    req = three_ways(wire.parse_request_head, data)
    assert req.is_connect and (req.host, req.port) == ("api.example.com", 443)
    req = wire.parse_request_head(b"CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n")
    assert (req.host, req.port) == ("2001:db8::1", 443)


def test_bodies_and_framing():
    req = wire.parse_request_head(b"POST http://a.test/ HTTP/1.1\r\nContent-Length: 5\r\n\r\n")
    assert req.body == wire.Framing("length", 5)
    req = wire.parse_request_head(b"POST http://a.test/ HTTP/1.1\r\n"
                                  b"Transfer-Encoding: gzip, chunked\r\n\r\n")
    assert req.body == wire.Framing("chunked")
    req = wire.parse_request_head(b"GET http://a.test/ HTTP/1.0\r\n\r\n")
    assert not req.keep_alive
    req = wire.parse_request_head(b"GET http://a.test/ HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert not req.keep_alive


@pytest.mark.parametrize("data,status,message", [
    (b"GET / HTTP/1.1\r\n\r\n", 400, "full URL"),
    (b"OPTIONS * HTTP/1.1\r\n\r\n", 400, "full URL"),
    (b"GET http://a.test/ HTTP/2.0\r\n\r\n", 400, "request line"),
    (b"GET  http://a.test/ HTTP/1.1\r\n\r\n", 400, "request line"),
    (b"G\x00T http://a.test/ HTTP/1.1\r\n\r\n", 400, "request line"),
    (b"\x16\x03\x01\x02\x00", 400, "not an HTTP request"),
    (b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00", 400, "not an HTTP request"),
    (b"GET http://a.test/ HTTP/1.1\nHost: a.test\n\n", 400, "bare LF"),
    (b"GET http://a.test/ HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400, "header"),
    (b"GET http://a.test/ HTTP/1.1\r\nX: a\rb\r\n\r\n", 400, "header"),
    (b"GET http://a.test/ HTTP/1.1\r\nX: a\nb\r\n\r\n", 400, "header"),
    (b"GET http://a.test/ HTTP/1.1\r\nX\x00Y: a\r\n\r\n", 400, "header"),
    (b"GET http://a.test/ HTTP/1.1\r\nX : a\r\n\r\n", 400, "header"),
    (b"GET http://a.test/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400, "folding"),
    (b"GET http://a.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n", 400, "forged Host"),
    (b"GET http://a.test/ HTTP/1.1\r\nHost: a.test:81\r\n\r\n", 400, "forged Host"),
    (b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", 400, "more than one Host"),
    (b"CONNECT a.test:443 HTTP/1.1\r\nHost: b.test:443\r\n\r\n", 400, "forged Host"),
    (b"GET http://u:p@a.test/ HTTP/1.1\r\n\r\n", 400, "user info"),
    (b"GET http://a.test@b.test/ HTTP/1.1\r\n\r\n", 400, "user info"),
    (b"GET https://a.test/ HTTP/1.1\r\n\r\n", 400, "CONNECT"),
    (b"GET http://a.test/#frag HTTP/1.1\r\n\r\n", 400, "fragment"),
    (b"GET http://a.test:0/ HTTP/1.1\r\n\r\n", 400, "port"),
    (b"GET http://a.test:99999/ HTTP/1.1\r\n\r\n", 400, "port"),
    (b"GET http://a.test:/ HTTP/1.1\r\n\r\n", 400, "port"),
    (b"GET http://a%2etest/ HTTP/1.1\r\n\r\n", 400, "bad host"),
    (b"CONNECT a.test HTTP/1.1\r\n\r\n", 400, "no port"),
    (b"CONNECT a.test:443/x HTTP/1.1\r\n\r\n", 400, "port"),
    (b"CONNECT user@a.test:443 HTTP/1.1\r\n\r\n", 400, "bad host"),
    (b"CONNECT [::1:443 HTTP/1.1\r\n\r\n", 400, "IPv6"),
    (b"CONNECT a.test:443:1 HTTP/1.1\r\n\r\n", 400, "port"),
    (b"POST http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "smuggling"),
    (b"POST http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "Content-Length"),
    (b"POST http://a.test/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length"),
    (b"POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "chunked"),
    (b"POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "chunked"),
    (b"POST http://a.test/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"),
])
def test_malformed_requests(data, status, message):
    with pytest.raises(ProxyProtocolError) as e:
        wire.parse_request_head(data)
    assert e.value.status == status
    assert message.lower() in str(e.value).lower()
    # byte by byte: the error arrives at some prefix, never a wrong event
    for i in range(len(data) + 1):
        try:
            assert wire.parse_request_head(data[:i]) is None
        except ProxyProtocolError:
            break
    else:
        pytest.fail("no prefix raised")


def test_oversized_heads():
    line = b"GET http://a.test/ HTTP/1.1\r\n"
    filler = b"X-Filler: " + b"a" * 100 + b"\r\n"
    with pytest.raises(ProxyProtocolError) as e:
        wire.parse_request_head(line + filler * 200, limit=4096)
    assert e.value.status == 431
    with pytest.raises(ProxyProtocolError) as e:   # head complete but over the limit
        wire.parse_request_head(line + filler * 50 + b"\r\n", limit=4096)
    assert e.value.status == 431
    with pytest.raises(ProxyProtocolError) as e:   # one endless request line
        wire.parse_request_head(b"GET http://a.test/" + b"a" * 5000, limit=4096)
    assert e.value.status == 414
    assert wire.parse_request_head(line + filler * 30 + b"\r\n", limit=4096) is not None


# ---------------------------------------------------------------- HTTP responses and bodies

def test_response_heads():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\nKeep-Alive: 5\r\n\r\n"
    resp = three_ways(lambda b: wire.parse_response_head(b, "GET"), data, b"abc")
    assert resp.status == 200 and resp.body == wire.Framing("length", 3)
    out = wire.build_response_head(resp, close=False)
    assert out == b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
    assert wire.build_response_head(resp, close=True).endswith(b"Connection: close\r\n\r\n")
    assert wire.parse_response_head(data, "HEAD").body == wire.Framing("none")
    for head, kind in [(b"HTTP/1.1 204 No Content\r\n\r\n", "none"),
                       (b"HTTP/1.1 100 Continue\r\n\r\n", "none"),
                       (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked"),
                       (b"HTTP/1.0 200 OK\r\n\r\n", "close"),
                       (b"HTTP/1.1 200\r\n\r\n", "close")]:
        assert wire.parse_response_head(head, "GET").body.kind == kind
    for bad in (b"HTTP/1.1 2000 OK\r\n\r\n", b"SSH-2.0-x\r\n\r\n", b"\x00\x01",
                b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"):
        with pytest.raises(ProxyProtocolError) as e:
            wire.parse_response_head(bad, "GET")
        assert e.value.status == 502


CHUNKED = b"5;ext=1\r\nhello\r\n1A\r\n" + b"x" * 26 + b"\r\n0\r\nTrailer-X: v\r\n\r\n"


def feed_all(reader, data: bytes, step: int) -> int:
    used = 0
    for i in range(0, len(data), step):
        piece = data[i:i + step]
        n = reader.feed(piece)
        used += n
        if reader.done:
            return used
        assert n == len(piece)
    return used


@pytest.mark.parametrize("step", [1, 2, 7, 1000])
def test_chunked_body_whole_bytewise_trailing(step):
    reader = wire.BodyReader(wire.Framing("chunked"))
    assert feed_all(reader, CHUNKED + b"GET http://next/", step) == len(CHUNKED)
    assert reader.done


def test_length_body():
    reader = wire.BodyReader(wire.Framing("length", 4))
    assert reader.feed(b"ab") == 2 and not reader.done
    assert reader.feed(b"cdEXTRA") == 2 and reader.done
    assert wire.BodyReader(wire.Framing("none")).done


@pytest.mark.parametrize("bad", [
    b"zz\r\nhi\r\n0\r\n\r\n", b"5\r\nhello!!\r\n0\r\n\r\n", b"-5\r\n", b"5\nhello\r\n",
    b" 5\r\nhello\r\n0\r\n\r\n", b"0x5\r\nhello\r\n", b"5\x00\r\nhello\r\n",
    b"0\r\nBad Trailer\r\n\r\n", b"1" * 5000,
])
def test_bad_chunked(bad):
    reader = wire.BodyReader(wire.Framing("chunked"))
    with pytest.raises(ProxyProtocolError):
        feed_all(reader, bad, 1)
        feed_all(wire.BodyReader(wire.Framing("chunked")), bad, len(bad))
        raise AssertionError("accepted")


# ---------------------------------------------------------------- SOCKS5

def test_socks_greeting():
    g = three_ways(wire.parse_socks_greeting, b"\x05\x02\x00\x02", b"\x05\x01")
    assert g.no_auth and g.length == 4
    assert wire.socks_method_reply(g) == b"\x05\x00"
    g = wire.parse_socks_greeting(b"\x05\x01\x02")
    assert not g.no_auth and wire.socks_method_reply(g) == b"\x05\xff"
    with pytest.raises(ProxyProtocolError, match="version"):
        wire.parse_socks_greeting(b"\x04\x01\x00")
    with pytest.raises(ProxyProtocolError, match="no method"):
        wire.parse_socks_greeting(b"\x05\x00")


@pytest.mark.parametrize("data,host,port", [
    (b"\x05\x01\x00\x03\x0bexample.com\x01\xbb", "example.com", 443),
    (b"\x05\x01\x00\x01\x7f\x00\x00\x01\x1f\x90", "127.0.0.1", 8080),
    (b"\x05\x01\x00\x04" + bytes(15) + b"\x01\x00\x50", "::1", 80),
])
def test_socks_requests(data, host, port):
    req = three_ways(wire.parse_socks_request, data, b"\x16\x03\x01")
    assert (req.host, req.port, req.length) == (host, port, len(data))


@pytest.mark.parametrize("data,code", [
    (b"\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50", 1),       # bad version
    (b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50", 7),       # BIND
    (b"\x05\x03\x00\x01\x7f\x00\x00\x01\x00\x50", 7),       # UDP ASSOCIATE
    (b"\x05\x01\x01\x01\x7f\x00\x00\x01\x00\x50", 1),       # reserved byte
    (b"\x05\x01\x00\x09\x7f\x00\x00\x01\x00\x50", 8),       # unknown ATYP
    (b"\x05\x01\x00\x03\x00\x00\x50", 8),                   # empty name
    (b"\x05\x01\x00\x03\x05a\x00b.c\x00\x50", 8),           # NUL in name
    (b"\x05\x01\x00\x03\x05a b.c\x00\x50", 8),              # space in name
    (b"\x05\x01\x00\x03\x05a@b.c\x00\x50", 8),
    (b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00", 1),       # port 0
])
def test_socks_request_errors(data, code):
    with pytest.raises(ProxyProtocolError) as e:
        wire.parse_socks_request(data)
    assert e.value.socks_reply == code


def test_socks_reply():
    assert wire.socks_reply(2) == b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00"


# ---------------------------------------------------------------- TLS ClientHello

def client_hello(server_hostname: str | None) -> bytes:
    """A real ClientHello from python's ssl module (OpenSSL)."""
    ctx = ssl.create_default_context()
    if server_hostname is None:
        ctx.check_hostname = False
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def resplit(hello: bytes, size: int) -> bytes:
    """Re-cut the handshake message of a one-record hello into records of ``size`` bytes."""
    header, body = hello[:5], hello[5:]
    assert len(body) == int.from_bytes(header[3:5], "big")
    return b"".join(header[:3] + len(body[i:i + size]).to_bytes(2, "big") + body[i:i + size]
                    for i in range(0, len(body), size))


def test_client_hello_sni_three_ways():
    data = client_hello("api.example.com")
    hello = three_ways(wire.parse_client_hello, data, b"\x17\x03\x03\x00\x05junk")
    assert hello.sni == "api.example.com" and hello.length == len(data)


@pytest.mark.parametrize("size", [1, 3, 100, 16384])
def test_client_hello_split_across_records(size):
    data = resplit(client_hello("split.example.com"), size)
    hello = wire.parse_client_hello(data)
    assert hello.sni == "split.example.com" and hello.length == len(data)
    assert wire.parse_client_hello(data[:-1]) is None


def test_looks_like_tls():
    assert wire.looks_like_tls(client_hello("x.example.com")) is True
    assert wire.looks_like_tls(b"\x16\x03") is None and wire.looks_like_tls(b"") is None
    assert wire.looks_like_tls(b"\x16\x00\x01") is False
    assert wire.looks_like_tls(b"SSH-2.0") is False


def test_client_hello_without_sni():
    assert wire.parse_client_hello(client_hello(None)).sni is None


@pytest.mark.parametrize("bad", [
    b"GET / HTTP/1.1\r\n\r\n", b"\x15\x03\x01\x00\x02\x02\x28", b"\x16\x02\x00\x00\x01\x01",
    b"\x16\x03\x01\x00\x00", b"\x16\x03\x01\x00\x04\x02\x00\x00\x00",
    b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00",          # body too short
    b"SSH-2.0-OpenSSH_9.2\r\n",
])
def test_client_hello_garbage(bad):
    with pytest.raises(ProxyProtocolError):
        wire.parse_client_hello(bad)


def test_client_hello_truncated_fields_and_duplicates():
    data = bytearray(client_hello("dup.example.com"))
    # corrupt the SNI list length inside the record: parse must raise, not crash
    idx = data.find(b"dup.example.com")
    data[idx - 5:idx - 3] = b"\xff\xff"
    with pytest.raises(ProxyProtocolError):
        wire.parse_client_hello(bytes(data))


def test_error_responses():
    out = wire.error_response(403, "blocked\x1b[31m x", rule="default-deny")
    head, body = out.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"X-Ringfence-Rule: default-deny" in head and b"Connection: close" in head
    assert b"\x1b" not in out and body == b"blocked?[31m x\n"
    assert int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) == len(body)
    for status in (400, 431, 502, 504):
        assert wire.error_response(status, "x").startswith(f"HTTP/1.1 {status} ".encode())
