"""The host-side services of a probe's world: loopback listeners that count their hits.

Each world gets its own set, in its own network namespace when this process may create
one (root): the probe, the sandbox and ringfence's proxy then all run in that namespace,
parallel worlds never share a port, and nothing touches the machine's real loopback.
Without that right, the services listen on the machine's loopback (ephemeral ports).

  allowed   HTTP on 127.0.0.1: the one target the sandbox may reach. It also acts like a
            fronting CDN: a request whose Host header or TLS SNI names the blocked target
            is passed on to the blocked server (so domain fronting shows up as a hit there)
  blocked   HTTP on 127.0.0.1: any hit is a leak
  udp       a UDP listener on 127.0.0.1
  v6        a TCP listener on [::1]
  unix      a unix socket at a path (like ssh-agent or docker.sock)
  abstract  an abstract unix socket
  proxy     an open proxy (HTTP forward, CONNECT, SOCKS5 CONNECT) used only by the
            no-sandbox validation run, standing in for "nothing filters the network"

The byte parsing (Host header, TLS SNI) is pure and lives in ``front_target``.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import selectors
import socket
import struct
import threading

BLOCKED_NAME = "blocked.ringfence.test"
CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
MAX_HEAD = 16384
IO_TIMEOUT = 5.0
COUNTED = ("allowed", "blocked", "udp", "v6", "unix", "abstract")


# ---------------------------------------------------------------- pure parsing

def host_header(head: bytes) -> str | None:
    """The Host header of an HTTP request head, lower-cased, or None."""
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"host":
            return value.strip().decode("latin-1").lower()
    return None


def client_hello_sni(data: bytes) -> str | None:
    """The server_name of a TLS ClientHello record, or None (never raises)."""
    try:
        if len(data) < 5 or data[0] != 0x16 or data[5] != 0x01:
            return None
        i = 5 + 4 + 2 + 32                      # record header, handshake header, version, random
        i += 1 + data[i]                        # session id
        i += 2 + int.from_bytes(data[i:i + 2], "big")   # cipher suites
        i += 1 + data[i]                        # compression methods
        end = i + 2 + int.from_bytes(data[i:i + 2], "big")
        i += 2
        while i + 4 <= min(end, len(data)):
            kind = int.from_bytes(data[i:i + 2], "big")
            size = int.from_bytes(data[i + 2:i + 4], "big")
            if kind == 0:                       # server_name: list len, type, name len, name
                n = int.from_bytes(data[i + 7:i + 9], "big")
                name = data[i + 9:i + 9 + n]
                return name.decode("ascii").lower() if len(name) == n and n else None
            i += 4 + size
    except (IndexError, UnicodeDecodeError):
        return None
    return None


def front_target(data: bytes, blocked_port: int) -> bool:
    """Would a fronting server route this request (or ClientHello) to the blocked target?"""
    name = client_hello_sni(data) if data[:1] == b"\x16" else host_header(data)
    return name in (BLOCKED_NAME, f"{BLOCKED_NAME}:{blocked_port}", f"127.0.0.1:{blocked_port}")


# ---------------------------------------------------------------- namespace helpers

def _lo_up() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = fcntl.ioctl(s, _SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack("16sH14x", ifr)[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))
    finally:
        s.close()


def _enter_new_netns() -> int | None:
    """Move the calling thread into a new network namespace; its fd, or None if not allowed."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return None
    _lo_up()
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


# ---------------------------------------------------------------- the services

class Services:
    """Start with ``start()``; ``hits()`` counts per service; ``close()`` stops everything."""

    def __init__(self, root: str, token: str):
        self.token = token
        self.unix_path = os.path.join(root, "run", "agent.sock")
        self.abstract_name = f"ringfence-verify-{token}"
        self.ports: dict[str, int] = {}
        self.netns_fd: int | None = None
        self._hits = dict.fromkeys(COUNTED, 0)
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._wake_r, self._wake_w = os.pipe2(os.O_CLOEXEC)
        self._thread = threading.Thread(target=self._main, name=f"verify-services-{token}", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        if not self._ready.is_set():
            raise OSError("the world's loopback services did not start")

    def hits(self) -> dict[str, int]:
        with self._lock:
            return dict(self._hits)

    def reset(self) -> None:
        with self._lock:
            self._hits = dict.fromkeys(COUNTED, 0)

    def close(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass
        self._thread.join(5)
        for fd in (self._wake_r, self._wake_w, self.netns_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.netns_fd = None

    # -- the loop thread (it and the handler threads it starts live in the namespace)

    def _hit(self, name: str) -> None:
        with self._lock:
            self._hits[name] += 1

    def _listeners(self) -> dict[socket.socket, str]:
        out: dict[socket.socket, str] = {}
        for name in ("allowed", "blocked", "proxy"):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            s.listen(128)
            out[s] = name
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        out[u] = "udp"
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::1", 0))
            v6.listen(16)
            out[v6] = "v6"
        except OSError:
            pass                                   # no IPv6 here: v6 probes are skipped
        os.makedirs(os.path.dirname(self.unix_path), exist_ok=True)
        us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        us.bind(self.unix_path)
        us.listen(16)
        out[us] = "unix"
        ab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ab.bind("\0" + self.abstract_name)
        ab.listen(16)
        out[ab] = "abstract"
        for s, name in out.items():
            if s.family != socket.AF_UNIX:
                self.ports[name] = s.getsockname()[1]
        return out

    def _main(self) -> None:
        try:
            self.netns_fd = _enter_new_netns()
            listeners = self._listeners()
        except BaseException as e:  # noqa: BLE001 - handed to start()
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        sel = selectors.DefaultSelector()
        for s in listeners:
            sel.register(s, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in sel.select():
                    if key.fileobj == self._wake_r:
                        return
                    self._ready_socket(key.fileobj, listeners[key.fileobj])
        finally:
            sel.close()
            for s in listeners:
                s.close()

    def _ready_socket(self, s: socket.socket, name: str) -> None:
        if name == "udp":
            try:
                s.recvfrom(65536)
                self._hit("udp")
            except OSError:
                pass
            return
        try:
            conn, _ = s.accept()
        except OSError:
            return
        if name in ("v6", "unix", "abstract"):
            self._hit(name)
            threading.Thread(target=self._greet, args=(conn, name), daemon=True).start()
        elif name == "proxy":
            threading.Thread(target=self._open_proxy, args=(conn,), daemon=True).start()
        else:
            self._hit(name)
            threading.Thread(target=self._http, args=(conn, name), daemon=True).start()

    def _greet(self, conn: socket.socket, name: str) -> None:
        with conn:
            try:
                conn.settimeout(IO_TIMEOUT)
                conn.sendall(f"{name}-ok {self.token}\n".encode())
            except OSError:
                pass

    def _http(self, conn: socket.socket, name: str) -> None:
        with conn:
            try:
                conn.settimeout(IO_TIMEOUT)
                data = _read_head(conn)
                if name == "allowed" and data and front_target(data, self.ports["blocked"]):
                    self._forward_to_blocked()
                body = f"{name}-ok {self.token}\n".encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass

    def _forward_to_blocked(self) -> None:
        with socket.create_connection(("127.0.0.1", self.ports["blocked"]), timeout=IO_TIMEOUT) as up:
            up.sendall(f"GET / HTTP/1.1\r\nHost: {BLOCKED_NAME}\r\nConnection: close\r\n\r\n".encode())
            while up.recv(4096):
                pass

    # -- the open proxy (validation runs only)

    def _open_proxy(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(IO_TIMEOUT)
                first = conn.recv(1, socket.MSG_PEEK)
                if first == b"\x05":
                    self._socks5(conn)
                elif first:
                    self._http_proxy(conn)
            except (OSError, ValueError, IndexError):
                pass

    def _http_proxy(self, conn: socket.socket) -> None:
        head = _read_head(conn)
        line, _, rest = head.partition(b"\r\n")
        method, target, version = line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, port = _split_authority(target, 443)
            up = socket.create_connection((host, port), timeout=IO_TIMEOUT)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(conn, up)
            return
        if not target.startswith("http://"):
            raise ValueError("not a proxy request")
        authority, _, path = target[7:].partition("/")
        host, port = _split_authority(authority, 80)
        up = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        up.sendall(f"{method} /{path} {version}\r\n".encode() + rest)
        _pipe(conn, up)

    def _socks5(self, conn: socket.socket) -> None:
        greeting = conn.recv(257)
        if len(greeting) < 2:
            return
        conn.sendall(b"\x05\x00")
        req = conn.recv(262)
        atyp = req[3]
        if atyp == 1:
            host, rest = socket.inet_ntop(socket.AF_INET, req[4:8]), req[8:]
        elif atyp == 4:
            host, rest = socket.inet_ntop(socket.AF_INET6, req[4:20]), req[20:]
        else:
            n = req[4]
            host, rest = req[5:5 + n].decode("ascii"), req[5 + n:]
        port = int.from_bytes(rest[:2], "big")
        up = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        conn.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        _pipe(conn, up)


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if data[:1] == b"\x16" and len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
            break                                  # a whole TLS record: the ClientHello
    return data


def _split_authority(text: str, default: int) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default
    host, sep, port = text.rpartition(":")
    return (host, int(port)) if sep else (text, default)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until both sides are done."""
    def one(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    t = threading.Thread(target=one, args=(b, a), daemon=True)
    t.start()
    one(a, b)
    t.join(IO_TIMEOUT * 2)
    b.close()
