"""Real loopback servers and clients for the proxy tests: no mocks, real sockets.

- ``ProxyHarness`` runs ``ProxyServer`` on its own event loop in a thread, on a unix
  socket (as in production, behind the sandbox's bridge) or a TCP port (for curl).
- ``Origin`` is a threaded HTTP/1.1 server that records every request it receives.
- ``TLSOrigin`` is a TLS server (self-signed cert for localhost) that records the SNI
  of every handshake it sees.
- client helpers speak HTTP absolute-form, CONNECT and SOCKS5 by hand.
"""
from __future__ import annotations

import asyncio
import hashlib
import http.client
import io
import json
import os
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ringfence.policy.model import Item, NetPolicy
from ringfence.proxy.log import DecisionLog, read_rows
from ringfence.proxy.rules import NetRules
from ringfence.proxy.server import Limits, ProxyServer, local_addresses


class ProxyHarness:
    def __init__(self, tmp_path, allow=(), deny=(), *, limits=Limits(), tcp=False,
                 log_path=None):
        self.notices = io.StringIO()
        if tcp:
            listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listen.bind(("127.0.0.1", 0))
            self.address = listen.getsockname()
        else:
            self.address = str(tmp_path / "proxy.sock")
            listen = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listen.bind(self.address)
        listen.listen(1024)
        self.family = listen.family
        net = NetPolicy(tuple(Item(a, "test allow") for a in allow),
                        tuple(Item(d, "test deny") for d in deny))
        self.rules = NetRules.from_policy(net, local_addresses())
        self.log_path = str(log_path or tmp_path / "network.sqlite3")
        self.log = DecisionLog(self.log_path, warn=self.notices)
        self.loop = asyncio.new_event_loop()
        self.server = ProxyServer(listen, self.rules, sandbox_id="test-sb", log=self.log,
                                  notice_stream=self.notices, limits=limits)
        self._listen = listen
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.serve())
        except asyncio.CancelledError:
            pass

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.stop)
        self.thread.join(10)
        self.loop.close()
        self._listen.close()
        self.log.close()

    def connect(self, timeout=10.0) -> socket.socket:
        s = socket.socket(self.family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.address)
        return s

    def call(self, fn):
        """Run ``fn()`` on the proxy's loop and return its result."""
        async def run():
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def rows(self, n=1, timeout=10.0) -> list[dict]:
        """Wait for at least ``n`` log rows (the writer thread is asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = read_rows(self.log_path)
            if len(rows) >= n or time.monotonic() > deadline:
                return rows

    def wait_idle(self, timeout=10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.call(lambda: self.server.active) and time.monotonic() < deadline:
            time.sleep(0.02)


class Endpoint:
    """A proxy listening at a unix socket path, started some other way."""

    def __init__(self, path: str):
        self.path = path

    def connect(self, timeout=10.0) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.path)
        return s


# ---------------------------------------------------------------------------- origins

class _OriginHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self):
        body = self._body()
        info = {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                "body_len": len(body), "body_sha": hashlib.sha256(body).hexdigest(),
                "headers": {k.lower(): v for k, v in self.headers.items()}}
        self.server.seen.append(info)
        data = json.dumps(info).encode()
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 7):
                part = data[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/close"):
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = _reply


class Origin:
    """A real HTTP/1.1 server on 127.0.0.1; ``seen`` lists the requests it got."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _OriginHandler)
        self.httpd.daemon_threads = True
        self.httpd.seen = []
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[dict]:
        return self.httpd.seen

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def make_cert(directory) -> tuple[str, str]:
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class TLSOrigin:
    """TLS server on 127.0.0.1: answers one line per connection; records SNI values."""

    def __init__(self, cert: str, key: str):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sni: list[str | None] = []
        self.ctx.sni_callback = lambda sslsock, name, ctx: self.sni.append(name)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        conn.settimeout(10)
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                line = tls.recv(1024)
                tls.sendall(b"tls says: " + line)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


class HalfCloseOrigin:
    """Reads until EOF, then answers with what it read, reversed, and closes."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                conn.sendall(data[::-1])

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------- clients

def read_response(sock: socket.socket, method: str = "GET") -> http.client.HTTPResponse:
    resp = http.client.HTTPResponse(sock, method=method)
    resp.begin()
    return resp


def http_request(proxy: ProxyHarness, target: str, *, method="GET", headers=None,
                 body: bytes = b"", sock=None):
    """Send one absolute-form request; return (status, headers dict, body bytes, sock)."""
    sock = sock or proxy.connect()
    lines = [f"{method} {target} HTTP/1.1"]
    hdrs = dict(headers or {})
    if body and "Transfer-Encoding" not in hdrs:
        hdrs["Content-Length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in hdrs.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    resp = read_response(sock, method)
    data = resp.read()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, sock


def http_connect(proxy: ProxyHarness, authority: str, extra: bytes = b""):
    """CONNECT; return (status, sock). On 200 the socket is the tunnel."""
    sock = proxy.connect()
    sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode() + extra)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, sock


def socks_connect(proxy: ProxyHarness, host: str, port: int, *, atyp: str = "domain"):
    """SOCKS5 CONNECT with no auth; return (reply code, sock)."""
    sock = proxy.connect()
    sock.sendall(b"\x05\x01\x00")
    assert recv_exact(sock, 2) == b"\x05\x00"
    if atyp == "domain":
        addr = b"\x03" + bytes([len(host)]) + host.encode()
    elif atyp == "ipv4":
        addr = b"\x01" + socket.inet_pton(socket.AF_INET, host)
    else:
        addr = b"\x04" + socket.inet_pton(socket.AF_INET6, host)
    sock.sendall(b"\x05\x01\x00" + addr + port.to_bytes(2, "big"))
    reply = recv_exact(sock, 10)
    return reply[1], sock


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def tls_over(sock: socket.socket, cafile: str, server_hostname: str | None):
    """Wrap an open tunnel with a real TLS client (python's ssl builds the ClientHello)."""
    ctx = ssl.create_default_context(cafile=cafile)
    if server_hostname is None:
        ctx.check_hostname = False
    return ctx.wrap_socket(sock, server_hostname=server_hostname)
