"""Fuzzing the wire parsers: they parse or raise ProxyProtocolError, nothing else; and no
fuzzed request is ever allowed to a host the rules deny."""
from __future__ import annotations

import ssl

from hypothesis import HealthCheck, example, given, settings, strategies as st

from ringfence.errors import ProxyProtocolError
from ringfence.policy.model import Item, NetPolicy
from ringfence.proxy import wire
from ringfence.proxy.rules import NetRules, canonical_host, decide

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hello() -> bytes:
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="seed.example.com")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


SEEDS = {
    "request": b"POST http://a.test:8080/p?q HTTP/1.1\r\nHost: a.test:8080\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
    "connect": b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
    "response": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    "socks": b"\x05\x01\x00\x03\x0bexample.com\x01\xbb",
    "chunked": b"5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    "hello": _hello(),
}


@st.composite
def mutated(draw, seed: bytes):
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[i:i + draw(st.integers(1, 8))]
        elif op == "dup":
            data[i:i] = data[i:i + draw(st.integers(1, 64))]
    return bytes(data)


def inputs(seed: str):
    return st.one_of(st.binary(max_size=600), mutated(SEEDS[seed]))


def parses_or_protocol_error(fn, data):
    try:
        fn(data)
    except ProxyProtocolError:
        pass


@FUZZ
@given(data=st.one_of(inputs("request"), inputs("connect")))
def test_fuzz_request_head(data):
    parses_or_protocol_error(lambda d: wire.parse_request_head(d, 512), data)


@FUZZ
@given(data=inputs("response"), method=st.sampled_from(["GET", "HEAD"]))
def test_fuzz_response_head(data, method):
    parses_or_protocol_error(lambda d: wire.parse_response_head(d, method), data)


@FUZZ
@given(data=inputs("socks"))
def test_fuzz_socks(data):
    parses_or_protocol_error(wire.parse_socks_greeting, data)
    parses_or_protocol_error(wire.parse_socks_request, data)


@FUZZ
@given(data=inputs("hello"))
def test_fuzz_client_hello(data):
    parses_or_protocol_error(wire.parse_client_hello, data)


@FUZZ
@given(data=inputs("chunked"), step=st.integers(1, 64))
def test_fuzz_chunked(data, step):
    reader = wire.BodyReader(wire.Framing("chunked"))

    def run(d):
        for i in range(0, len(d), step):
            n = reader.feed(d[i:i + step])
            assert 0 <= n <= len(d[i:i + step])
            if reader.done:
                return
    parses_or_protocol_error(run, data)


# ---------------------------------------------------------------- never allowed

RULES = NetRules.from_policy(NetPolicy(
    allowed_domains=(Item("allowed.test", "t"), Item("*.ok.test", "t"), Item("127.0.0.1:8080", "t")),
    denied_domains=(Item("bad.ok.test", "t"), Item("169.254.0.0/16", "t"))))
HOST_PARTS = st.sampled_from([
    "allowed.test", "ALLOWED.test.", "a.ok.test", "bad.ok.test", "BAD.ok.test.", "ok.test",
    "evil.test", "allowed.test.evil.test", "127.0.0.1", "2130706433", "0x7f.1", "017700000001",
    "[::ffff:127.0.0.1]", "169.254.169.254", "0xa9fea9fe", "[::ffff:a9fe:a9fe]", "[::1]",
    "allowed.test@evil.test", "evil.test#allowed.test", "allowed.test%00.evil", "",
])
PORTS = st.sampled_from(["", ":80", ":8080", ":443", ":0", ":65536", ":8080:80", ":08080"])


@st.composite
def fuzzed_requests(draw):
    host, port = draw(HOST_PARTS), draw(PORTS)
    header_host = draw(st.one_of(st.none(), HOST_PARTS))
    if header_host is not None:
        header_host += draw(PORTS)
    if draw(st.booleans()):
        line = f"CONNECT {host}{port} HTTP/1.1"
    else:
        line = f"GET http://{host}{port}/{draw(st.sampled_from(['', 'x', '@evil.test/']))} HTTP/1.1"
    head = line + "\r\n" + (f"Host: {header_host}\r\n" if header_host is not None else "") + "\r\n"
    data = head.encode()
    if draw(st.booleans()):
        data = draw(mutated(data))
    return data


@settings(max_examples=600, deadline=None)
@given(data=fuzzed_requests())
@example(data=b"GET http://ALLOWED.test./x HTTP/1.1\r\nHost: allowed.test.\r\n\r\n")
@example(data=b"GET http://allowed.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n")
@example(data=b"CONNECT 2130706433:8080 HTTP/1.1\r\n\r\n")
def test_no_fuzzed_request_reaches_a_denied_host(data):
    try:
        req = wire.parse_request_head(data)
    except ProxyProtocolError:
        return
    if req is None:
        return
    decision = decide(RULES, req.host, req.port)
    if not decision.allow:
        return
    name, ip = canonical_host(req.host)
    if ip is None:
        assert name == "allowed.test" or (name.endswith(".ok.test") and name != "bad.ok.test")
    else:
        assert (str(ip), req.port) == ("127.0.0.1", 8080)
    if not req.is_connect:
        # the Host sent upstream is the authority that was judged, never a client's own
        forwarded = wire.build_forward_head(req)
        hosts = [line for line in forwarded.split(b"\r\n") if line.lower().startswith(b"host:")]
        assert hosts == [f"Host: {req.authority}".encode()]
        assert canonical_host(wire.parse_authority(req.authority, 80)[0])[0] == name
