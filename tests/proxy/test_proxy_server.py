"""The proxy over real loopback sockets: every refusal has a positive control beside it."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from proxy_helpers import (http_connect, http_request, read_response, recv_all,
                           socks_connect, tls_over)
from ringfence.proxy.server import Limits


def body(data: bytes) -> dict:
    return json.loads(data)


# ---------------------------------------------------------------- positive controls

def test_http_forward_rewrites_to_origin_form(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    status, headers, data, _ = http_request(
        proxy, f"http://127.0.0.1:{origin.port}/a/b?c=1",
        headers={"Host": f"127.0.0.1:{origin.port}", "Proxy-Authorization": "Basic eDp5",
                 "Proxy-Connection": "keep-alive", "X-Test": "kept"})
    assert status == 200
    seen = body(data)
    assert seen["path"] == "/a/b?c=1" and seen["host"] == f"127.0.0.1:{origin.port}"
    assert seen["headers"]["x-test"] == "kept"
    assert "proxy-authorization" not in seen["headers"]
    assert "proxy-connection" not in seen["headers"]
    row = proxy.rows(1)[0]
    assert (row["decision"], row["protocol"], row["port"]) == ("allow", "http", origin.port)
    assert row["bytes_up"] > 0 and row["bytes_down"] > len(data)


def test_http_bodies_content_length_and_chunked(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    payload = os.urandom(300_000)
    status, _, data, sock = http_request(proxy, f"http://127.0.0.1:{origin.port}/len",
                                         method="POST", body=payload)
    assert status == 200 and body(data)["body_len"] == len(payload)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 70_000]), payload[i:i + 70_000])
                      for i in range(0, len(payload), 70_000)) + b"0\r\n\r\n"
    # same keep-alive connection, chunked request body, chunked response
    status, headers, data, _ = http_request(proxy, f"http://127.0.0.1:{origin.port}/chunked",
                                            method="POST", sock=sock, body=chunks,
                                            headers={"Transfer-Encoding": "chunked"})
    assert status == 200 and headers.get("transfer-encoding") == "chunked"
    assert body(data)["body_sha"] == hashlib.sha256(payload).hexdigest()
    assert len(origin.seen) == 2


def test_http_head_and_close_delimited(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    status, headers, data, sock = http_request(proxy, f"http://127.0.0.1:{origin.port}/h",
                                               method="HEAD")
    assert status == 200 and data == b"" and int(headers["content-length"]) > 0
    status, headers, data, sock = http_request(proxy, f"http://127.0.0.1:{origin.port}/close",
                                               sock=sock)
    assert status == 200 and body(data)["path"] == "/close"
    assert headers["connection"] == "close"
    assert recv_all(sock) == b""          # the proxy closed the client connection too


def test_pipelined_requests_are_each_forwarded(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    sock = proxy.connect()
    one = f"GET http://127.0.0.1:{origin.port}/p1 HTTP/1.1\r\n\r\n".encode()
    two = (f"POST http://127.0.0.1:{origin.port}/p2 HTTP/1.1\r\nContent-Length: 3\r\n"
           f"Connection: close\r\n\r\nabc").encode()
    sock.sendall(one + two)
    first = read_response(sock)
    assert body(first.read())["path"] == "/p1"
    second = read_response(sock, "POST")
    assert body(second.read())["body_len"] == 3
    assert [s["path"] for s in origin.seen] == ["/p1", "/p2"]


def test_malformed_request_body_aborts_at_once(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    sock = proxy.connect()
    sock.sendall(f"POST http://127.0.0.1:{origin.port}/bad HTTP/1.1\r\n"
                 f"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n".encode())
    start = time.monotonic()
    reply = recv_all(sock)
    assert reply.startswith(b"HTTP/1.1 400") and time.monotonic() - start < 5
    assert "chunk" in proxy.rows(1)[0]["error"]


def test_keep_alive_client_switching_host_is_judged_again(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    status, _, _, sock = http_request(proxy, f"http://127.0.0.1:{origin.port}/one")
    assert status == 200
    status, headers, _, sock = http_request(proxy, "http://denied.test/two", sock=sock)
    assert status == 403 and headers["x-ringfence-rule"] == "default-deny"
    assert [s["path"] for s in origin.seen] == ["/one"]


def test_connect_tunnel_with_real_tls(make_proxy, tls_origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}"])
    status, sock = http_connect(proxy, f"localhost:{tls_origin.port}")
    assert status == 200
    with tls_over(sock, cert[0], "localhost") as tls:
        tls.sendall(b"ping")
        assert tls.recv(100) == b"tls says: ping"
    assert tls_origin.sni == ["localhost"]
    row = proxy.rows(1)[0]
    assert (row["protocol"], row["decision"], row["rule"]) == ("connect", "allow", "localhost")


def test_socks5_domain_and_ipv4(make_proxy, tls_origin, origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}",
                              f"127.0.0.1:{origin.port}"])
    code, sock = socks_connect(proxy, "localhost", tls_origin.port)
    assert code == 0
    with tls_over(sock, cert[0], "localhost") as tls:
        tls.sendall(b"socks")
        assert tls.recv(100) == b"tls says: socks"
    code, sock = socks_connect(proxy, "127.0.0.1", origin.port, atyp="ipv4")
    assert code == 0
    sock.sendall(f"GET /s HTTP/1.1\r\nHost: 127.0.0.1:{origin.port}\r\nConnection: close\r\n\r\n".encode())
    assert b'"path": "/s"' in recv_all(sock)


def test_curl_through_the_proxy(make_proxy, origin, tls_origin, cert):
    """A real client, as the sandbox would run it (HTTP proxy, CONNECT, socks5h)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{origin.port}",
                              f"127.0.0.1:{tls_origin.port}"], tcp=True)
    purl = f"127.0.0.1:{proxy.address[1]}"
    base = ["curl", "-sS", "--noproxy", "", "--max-time", "20"]
    out = subprocess.run(base + ["-x", f"http://{purl}", f"http://127.0.0.1:{origin.port}/curl"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and body(out.stdout)["path"] == "/curl"
    out = subprocess.run(base + ["-x", f"socks5h://{purl}", f"http://127.0.0.1:{origin.port}/s5"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and body(out.stdout)["path"] == "/s5"
    out = subprocess.run(base + ["-x", f"http://{purl}", "-o", "/dev/null", "-w", "%{http_code}",
                                 "http://denied.test/"], capture_output=True, text=True)
    assert out.stdout == "403"
    out = subprocess.run(base + ["-x", f"socks5h://{purl}", "http://denied.test/"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    # TLS via CONNECT: curl's own ClientHello (SNI localhost) passes the SNI check
    out = subprocess.run(base + ["-x", f"http://{purl}", "--cacert", cert[0], "-o", "/dev/null",
                                 "-w", "%{http_connect}", f"https://localhost:{tls_origin.port}/"],
                         capture_output=True, text=True)
    assert out.stdout.startswith("200") and "localhost" in tls_origin.sni


# ---------------------------------------------------------------- refusals, each route

def test_refused_by_each_route_with_rule_log_and_one_notice(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"], deny=["*.evil.test"])
    status, headers, data, _ = http_request(proxy, "http://x.evil.test/steal?k=v")
    assert status == 403 and headers["x-ringfence-rule"] == "*.evil.test"
    assert b"ringfence: blocked x.evil.test:80" in data and b"*.evil.test" in data
    status, sock = http_connect(proxy, "x.evil.test:443")
    assert status == 403 and b"blocked x.evil.test:443 by rule *.evil.test" in recv_all(sock)
    code, sock = socks_connect(proxy, "x.evil.test", 443)
    assert code == 2 and recv_all(sock) == b""
    status, headers, _, _ = http_request(proxy, "http://other.test/")
    assert status == 403 and headers["x-ringfence-rule"] == "default-deny"
    rows = proxy.rows(4)
    assert [(r["protocol"], r["decision"], r["rule"]) for r in rows] == [
        ("http", "deny", "*.evil.test"), ("connect", "deny", "*.evil.test"),
        ("socks5", "deny", "*.evil.test"), ("http", "deny", "default-deny")]
    notices = proxy.notices.getvalue().splitlines()
    assert notices == [
        "ringfence: blocked x.evil.test:80 (*.evil.test) — allow it with --allow-domain x.evil.test",
        "ringfence: blocked other.test:80 (default-deny) — allow it with --allow-domain other.test",
    ]
    assert origin.seen == []
    # positive control on the same proxy
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/ok")[0] == 200


def test_localhost_refused_but_explicit_ip_allowed(make_proxy, origin):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{origin.port}"])
    status, headers, data, _ = http_request(proxy, f"http://localhost:{origin.port + 1}/")
    assert status == 403 and headers["x-ringfence-rule"] == "resolved-address"
    assert b"127.0.0.1" in data and b"loopback" in data
    code, _ = socks_connect(proxy, "localhost", origin.port + 1)
    assert code == 2
    # the same name on the port whose address is listed explicitly: allowed
    status, _, data, _ = http_request(proxy, f"http://localhost:{origin.port}/x")
    assert status == 200 and body(data)["path"] == "/x"
    status, _, _, _ = http_request(proxy, f"http://127.0.0.1:{origin.port}/y")
    assert status == 200
    assert [s["path"] for s in origin.seen] == ["/x", "/y"]


def test_localhost_alone_refused(make_proxy, origin):
    proxy = make_proxy(allow=["localhost"])
    status, sock = http_connect(proxy, f"localhost:{origin.port}")
    assert status == 403
    assert origin.seen == []
    assert "resolved-address" in proxy.notices.getvalue()


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1",
                                      "[::ffff:127.0.0.1]"])
def test_ip_spellings_through_the_proxy(make_proxy, origin, spelling):
    allowed = make_proxy(allow=[f"127.0.0.1:{origin.port}"])
    status, sock = http_connect(allowed, f"{spelling}:{origin.port}")
    assert status == 200
    sock.sendall(f"GET /spelled HTTP/1.1\r\nHost: {spelling}:{origin.port}\r\nConnection: close\r\n\r\n".encode())
    assert b"/spelled" in recv_all(sock)
    denied = make_proxy(allow=["127.0.0.0/8"], deny=["127.0.0.1"])
    status, _ = http_connect(denied, f"{spelling}:{origin.port}")
    assert status == 403
    if ":" in spelling:
        code, _ = socks_connect(denied, spelling.strip("[]"), origin.port, atyp="ipv6")
    else:
        code, _ = socks_connect(denied, spelling, origin.port)
    assert code == 2
    assert [s["path"] for s in origin.seen] == ["/spelled"]


# ---------------------------------------------------------------- SNI

def test_sni_mismatch_is_refused_before_the_server_sees_it(make_proxy, tls_origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}"])
    status, sock = http_connect(proxy, f"localhost:{tls_origin.port}")
    assert status == 200
    with pytest.raises((ssl.SSLError, OSError)):
        with tls_over(sock, cert[0], "evil.test") as tls:
            tls.sendall(b"x")
            tls.recv(10)
    assert "evil.test" not in tls_origin.sni
    row = proxy.rows(1)[0]
    assert (row["decision"], row["rule"]) == ("deny", "tls-sni-mismatch")
    assert "domain fronting" in row["reason"]
    assert "tls-sni-mismatch" in proxy.notices.getvalue()
    # positive control: the matching name passes through the same proxy
    status, sock = http_connect(proxy, f"localhost:{tls_origin.port}")
    with tls_over(sock, cert[0], "localhost") as tls:
        tls.sendall(b"ok")
        assert tls.recv(100) == b"tls says: ok"


def test_sni_mismatch_over_socks(make_proxy, tls_origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}"])
    code, sock = socks_connect(proxy, "localhost", tls_origin.port)
    assert code == 0
    with pytest.raises((ssl.SSLError, OSError)):
        with tls_over(sock, cert[0], "front.example.com") as tls:
            tls.recv(10)
    assert proxy.rows(1)[0]["rule"] == "tls-sni-mismatch"
    assert tls_origin.sni == []


def test_missing_sni(make_proxy, tls_origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}"])
    status, sock = http_connect(proxy, f"localhost:{tls_origin.port}")
    with pytest.raises((ssl.SSLError, OSError)):
        with tls_over(sock, cert[0], None) as tls:
            tls.recv(10)
    assert proxy.rows(1)[0]["rule"] == "tls-sni-missing"
    # an IP-literal target: clients send no SNI there, and that passes
    status, sock = http_connect(proxy, f"127.0.0.1:{tls_origin.port}")
    with tls_over(sock, cert[0], None) as tls:
        tls.sendall(b"ip")
        assert tls.recv(100) == b"tls says: ip"


def test_hello_sent_with_the_connect_request(make_proxy, tls_origin, cert):
    """A client that sends CONNECT and its ClientHello in one write is still checked."""
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{tls_origin.port}"])
    ctx = ssl.create_default_context(cafile=cert[0])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="evil.test")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    status, sock = http_connect(proxy, f"localhost:{tls_origin.port}", extra=outgoing.read())
    assert status == 200 and recv_all(sock) == b""
    assert proxy.rows(1)[0]["rule"] == "tls-sni-mismatch" and tls_origin.sni == []


# ---------------------------------------------------------------- malformed input

@pytest.mark.parametrize("data,expect", [
    (b"GARBAGE\r\n\r\n", b"HTTP/1.1 400"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 400"),
    (b"GET http://a.test/ HTTP/1.1\r\n" + b"X-Big: " + b"a" * 20000 + b"\r\n\r\n", b"HTTP/1.1 431"),
    (b"CONNECT bad_authority HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
    (b"CONNECT a.test:99999 HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
    (b"CONNECT 1.2.3.4.5:443 HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
    (b"GET http://a.test/ HTTP/1.1\r\nHost: b.test\r\n\r\n", b"HTTP/1.1 400"),
    (b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00", b"HTTP/1.1 400"),          # SOCKS4
    (b"\x16\x03\x01\x00\x05hello", b"HTTP/1.1 400"),                     # TLS to the proxy
    (b"\x05\x00", b"\x05"),                                               # no methods
    (b"\x05\x01\x00\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50", b"\x05\x00\x05\x01"),  # bad version
    (b"\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50", b"\x05\x00\x05\x07"),  # BIND
    (b"\x05\x01\x00\x05\x01\x00\x09\x7f\x00\x00\x01\x00\x50", b"\x05\x00\x05\x08"),  # ATYP 9
    (b"\x05\x01\x02", b"\x05\xff"),                                       # auth only
])
def test_malformed_input_gets_an_error_reply_a_row_and_a_closed_socket(make_proxy, origin, data, expect):
    proxy = make_proxy(allow=["a.test", f"127.0.0.1:{origin.port}"])
    sock = proxy.connect()
    sock.sendall(data)
    reply = recv_all(sock)
    assert reply.startswith(expect), reply[:80]
    rows = proxy.rows(1)
    assert len(rows) == 1 and rows[0]["decision"] in ("error", "deny") and rows[0]["error"] + rows[0]["reason"]
    assert origin.seen == []
    proxy.wait_idle()
    assert proxy.call(lambda: proxy.server.active) == 0
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/ctl")[0] == 200  # still serving


# ---------------------------------------------------------------- tunnels and limits

def test_half_close_in_both_directions(make_proxy, half_close_origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{half_close_origin.port}"])
    for route in ("connect", "socks"):
        if route == "connect":
            status, sock = http_connect(proxy, f"127.0.0.1:{half_close_origin.port}")
            assert status == 200
        else:
            code, sock = socks_connect(proxy, "127.0.0.1", half_close_origin.port, atyp="ipv4")
            assert code == 0
        payload = b"\x16\x00" + os.urandom(200_000)   # 0x16 but no TLS record: passes
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)     # the server only answers after our EOF
        assert recv_all(sock) == payload[::-1]
        sock.close()
    rows = proxy.rows(2)
    assert all(r["bytes_up"] == 200_002 and r["bytes_down"] == 200_002 for r in rows)


def test_head_and_idle_timeouts(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"],
                       limits=Limits(head_timeout=0.3, idle_timeout=0.5))
    sock = proxy.connect()
    sock.sendall(b"GET http://127.0.0.1/ HTTP/1.1\r\n")          # never finished
    assert recv_all(sock).startswith(b"HTTP/1.1 408")
    status, sock = http_connect(proxy, f"127.0.0.1:{origin.port}")
    assert status == 200
    start = time.monotonic()
    assert recv_all(sock) == b""                                 # idle tunnel closed
    assert time.monotonic() - start < 5
    rows = proxy.rows(2)
    assert "timed out" in rows[0]["error"] and "idle" in rows[1]["error"]


def test_connection_limit(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"], limits=Limits(max_connections=3))
    held = [http_connect(proxy, f"127.0.0.1:{origin.port}")[1] for _ in range(3)]
    extra = proxy.connect()
    assert recv_all(extra) == b""
    assert any("connection limit" in r["error"] for r in proxy.rows(1))
    for s in held:
        s.close()
    proxy.wait_idle()
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/after")[0] == 200


def test_upstream_errors(make_proxy):
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()                                                 # nothing listens there
    proxy = make_proxy(allow=[f"127.0.0.1:{port}"])
    status, headers, data, _ = http_request(proxy, f"http://127.0.0.1:{port}/")
    assert status == 502 and b"cannot connect" in data
    code, _ = socks_connect(proxy, "127.0.0.1", port, atyp="ipv4")
    assert code == 5
    row = proxy.rows(1)[0]
    assert row["decision"] == "allow" and "cannot connect" in row["error"]


def test_no_fd_or_task_leak_after_1000_connections(make_proxy, origin, tls_origin, cert):
    proxy = make_proxy(allow=["localhost", f"127.0.0.1:{origin.port}",
                              f"127.0.0.1:{tls_origin.port}"])
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/warm")[0] == 200
    proxy.wait_idle()
    pipes = lambda: 2 * proxy.call(lambda: proxy.server.pooled_pipes)  # noqa: E731  kept for reuse
    fds_before = len(os.listdir("/proc/self/fd")) - pipes()
    tasks_before = proxy.call(lambda: len(__import__("asyncio").all_tasks()))
    kinds = ["http", "connect", "socks", "denied", "garbage", "abort", "sni"]
    for i in range(1000):
        kind = kinds[i % len(kinds)]
        if kind == "http":
            _, _, _, s = http_request(proxy, f"http://127.0.0.1:{origin.port}/{i}")
        elif kind == "connect":
            _, s = http_connect(proxy, f"127.0.0.1:{origin.port}")
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            recv_all(s)
        elif kind == "socks":
            _, s = socks_connect(proxy, "127.0.0.1", origin.port, atyp="ipv4")
        elif kind == "denied":
            _, s = http_connect(proxy, "denied.test:443")
        elif kind == "garbage":
            s = proxy.connect()
            s.sendall(os.urandom(64))
        elif kind == "abort":
            s = proxy.connect()
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % origin.port)
        else:
            _, s = http_connect(proxy, f"localhost:{tls_origin.port}")
            try:
                tls_over(s, cert[0], "evil.test").close()
            except (ssl.SSLError, OSError):
                pass
        s.close()
    proxy.wait_idle(30)
    assert proxy.call(lambda: proxy.server.active) == 0
    assert proxy.call(lambda: len(__import__("asyncio").all_tasks())) == tasks_before
    time.sleep(0.2)
    assert pipes() <= 2 * 8          # sequential tunnels reuse a few pipes
    assert len(os.listdir("/proc/self/fd")) - pipes() <= fds_before + 2
    assert len(proxy.rows(1000, timeout=20)) >= 1000


# ---------------------------------------------------------------- plain HTTP inside tunnels

@pytest.mark.parametrize("route", ["connect", "socks"])
def test_forged_host_inside_a_tunnel_is_refused(make_proxy, origin, route):
    """A tunnel to an allowed host must not carry requests for another virtual host."""
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"])

    def tunnel():
        if route == "connect":
            status, sock = http_connect(proxy, f"127.0.0.1:{origin.port}")
            assert status == 200
        else:
            code, sock = socks_connect(proxy, "127.0.0.1", origin.port, atyp="ipv4")
            assert code == 0
        return sock

    good = f"GET /ok HTTP/1.1\r\nHost: 127.0.0.1:{origin.port}\r\n\r\n".encode()
    forged = b"GET /forged HTTP/1.1\r\nHost: blocked.example\r\nConnection: close\r\n\r\n"
    sock = tunnel()                                   # control: the right Host passes
    sock.sendall(good.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    assert b"/ok" in recv_all(sock)
    sock = tunnel()
    sock.sendall(forged)
    recv_all(sock)
    sock = tunnel()                                   # a good first request, a forged second
    sock.sendall(good + forged)
    recv_all(sock)
    paths = [s["path"] for s in origin.seen]
    assert paths[0] == "/ok" and "/forged" not in paths   # the second /ok may die with the tunnel


def test_non_http_tunnel_bytes_flow_at_once(make_proxy, origin):
    """A protocol that sends a few bytes and waits (no line end) is not held up by the
    HTTP check; a request line split across packets is still judged whole."""
    import socket as _s
    srv = _s.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    proxy = make_proxy(allow=[f"127.0.0.1:{port}", f"127.0.0.1:{origin.port}"])
    status, sock = http_connect(proxy, f"127.0.0.1:{port}")
    assert status == 200
    conn, _ = srv.accept()
    sock.sendall(b"x")
    conn.settimeout(5)
    assert conn.recv(1) == b"x"                       # forwarded without waiting for a line end
    conn.close()
    srv.close()
    status, sock = http_connect(proxy, f"127.0.0.1:{origin.port}")
    assert status == 200
    for part in (b"GET /split HT", b"TP/1.1\r", b"\nHost: forged.example\r\nConnection: close\r\n\r\n"):
        sock.sendall(part)
        time.sleep(0.05)
    recv_all(sock)
    # the request line may reach the server (unterminated), its forged Host header never does
    assert all(s["host"] != "forged.example" for s in origin.seen)
