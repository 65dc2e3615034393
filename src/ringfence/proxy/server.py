"""The filtering egress proxy's sockets: the only asyncio code in ringfence.

One listener serves HTTP (absolute-form forwarding and CONNECT) and SOCKS5 (CONNECT):
the first byte decides (0x05 is SOCKS5). Each client connection is one task that turns
bytes into events with ``wire``, asks ``rules`` and carries out the answer:

- a target is judged by name first, so a refused name is never even looked up in DNS;
- an allowed name is resolved here, on the host side, its addresses are judged again
  (the resolved-address guard) and the connection goes to an address that passed: no
  second lookup, no DNS rebinding;
- each plain-HTTP request is judged on its own (a keep-alive client may switch hosts) and
  sent upstream in origin-form, one request per upstream connection;
- in a tunnel, if the client's first bytes are a TLS handshake record (16 03 0x) or the
  port is 443, the ClientHello is read before any client byte reaches the server, and its
  SNI must name the tunnel's host (``rules.decide_sni``). A different name (domain
  fronting) closes the tunnel; so does no name for a host name target, since it would
  hide the real server; an IP-literal target may omit it (RFC 6066 forbids IPs in SNI).
  Port 443 carries TLS only: other bytes there close the tunnel. Other traffic on other
  ports passes through unchanged. An encrypted ClientHello (ECH) is not opened: its
  outer SNI is what gets checked;
- tunnel bytes move with ``os.splice`` through a pipe, in the kernel, and each side's
  EOF is passed on as a half-close.

Limits (``Limits``): request-head size, head/handshake timeout, connect timeout, idle
timeout, total lifetime per client connection, and concurrent client connections.

A refusal is an HTTP 403 naming the rule in ``X-Ringfence-Rule`` (SOCKS reply 2), a log
row, and one line on the notice stream the first time that host is refused.
"""
from __future__ import annotations

import asyncio
import ctypes
import errno
import fcntl
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from ringfence.proxy import wire
from ringfence.proxy.log import DecisionLog, default_path
from ringfence.proxy.rules import Decision, NetRules, canonical_host, decide, decide_sni

PIPE_SIZE = 256 * 1024   # more than a unix socket's default send buffer holds
_SPLICE_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_RECV = 256 * 1024


@dataclass(frozen=True)
class Limits:
    max_head: int = wire.MAX_HEAD     # bytes of one request head
    head_timeout: float = 30.0        # to receive a request head, a SOCKS handshake or a ClientHello
    connect_timeout: float = 10.0     # DNS lookup plus TCP connect upstream
    idle_timeout: float = 300.0       # no byte in either direction
    total_timeout: float = 12 * 3600.0  # lifetime of one client connection
    max_connections: int = 1024       # client connections served at once; more are closed


@dataclass
class _Flow:
    """One decision being made and carried out; becomes one log row."""
    client: str
    protocol: str
    started: float = field(default_factory=time.time)
    host: str = ""
    port: int = 0
    decision: str = "error"
    rule: str = ""
    reason: str = ""
    error: str = ""
    up: int = 0
    down: int = 0
    last: float = field(default_factory=time.monotonic)
    logged: bool = False

    def target(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


class _Refused(Exception):
    def __init__(self, decision):
        super().__init__(decision.reason)
        self.decision = decision


class _Upstream(Exception):
    """Allowed, but the upstream could not be reached."""

    def __init__(self, message: str, status: int, socks: int):
        super().__init__(message)
        self.status, self.socks = status, socks


class _ClientGone(Exception):
    pass


class _Pipes:
    """Kernel pipes for splice, lent to a pump only while bytes are in flight.

    Idle tunnels hold no pipe, which keeps file descriptors and the per-user pipe-buffer
    quota (``fs.pipe-user-pages-soft``) for the tunnels that are moving data.
    """

    def __init__(self, keep: int = 64):
        self._free: list[tuple[int, int]] = []
        self._keep = keep

    def __len__(self) -> int:
        return len(self._free)

    def take(self) -> tuple[int, int]:
        if self._free:
            return self._free.pop()
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.fcntl(w, _F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass  # over the pipe quota: the default size works, only slower
        return r, w

    def give(self, pipe: tuple[int, int], *, empty: bool) -> None:
        if empty and len(self._free) < self._keep:
            self._free.append(pipe)
        else:
            os.close(pipe[0])
            os.close(pipe[1])

    def close(self) -> None:
        while self._free:
            self.give(self._free.pop(), empty=False)


class ProxyServer:
    """Serves ``listen`` (one or more unix or TCP sockets, already listening) until :meth:`stop`."""

    def __init__(self, listen: socket.socket | list[socket.socket], rules: NetRules, *, sandbox_id: str,
                 log: DecisionLog | None = None, notice_stream: TextIO | None = sys.stderr,
                 limits: Limits = Limits()):
        self.rules, self.sandbox_id, self.limits = rules, sandbox_id, limits
        self._listen = _sockets(listen)
        self._log = log
        self._notice = notice_stream
        self._noticed: set[object] = set()
        self._tasks: set[asyncio.Task] = set()
        self._pipes = _Pipes()
        self._serving: asyncio.Task | None = None

    @property
    def active(self) -> int:
        return len(self._tasks)

    @property
    def pooled_pipes(self) -> int:
        return len(self._pipes)

    async def serve(self) -> None:
        self._serving = asyncio.current_task()
        try:
            await asyncio.gather(*(self._accept_loop(sock) for sock in self._listen))
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._pipes.close()

    async def _accept_loop(self, listen: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        listen.setblocking(False)
        while True:
            try:
                sock, addr = await loop.sock_accept(listen)
            except OSError as e:
                if e.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                self._say_once(("accept",), f"ringfence: proxy cannot accept: {e.strerror}; "
                               "retrying (fix: raise the open-file limit)")
                await asyncio.sleep(0.1)
                continue
            client = f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else "unix"
            if len(self._tasks) >= self.limits.max_connections:
                sock.close()
                flow = _Flow(client, "-", error=f"connection limit "
                             f"({self.limits.max_connections}) reached; closed")
                self._finish(flow)
                continue
            task = loop.create_task(self._handle(sock, client))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def stop(self) -> None:
        """Stop accepting and close every connection (call on the server's loop)."""
        if self._serving is not None:
            self._serving.cancel()

    # ------------------------------------------------------------------ per connection

    async def _handle(self, sock: socket.socket, client: str) -> None:
        sock.setblocking(False)
        flow = _Flow(client, "http")
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                async with asyncio.timeout(self.limits.head_timeout):
                    first = await _recv(sock)
                if not first:
                    return
                if first[0] == 5:
                    flow.protocol = "socks5"
                    await self._socks(sock, first, flow)
                else:
                    await self._http(sock, first, flow)
        except TimeoutError:
            flow.error = flow.error or "timed out"
            self._finish(flow)
        except (_ClientGone, ConnectionError) as e:
            flow.error = flow.error or f"connection closed: {e}"
            self._finish(flow)
        except OSError as e:
            flow.error = flow.error or f"socket error: {e}"
            self._finish(flow)
        except asyncio.CancelledError:
            flow.error = flow.error or "proxy stopped"
            self._finish(flow)
            raise
        except Exception as e:  # fail closed: log, close, keep serving others
            flow.decision, flow.error = "error", f"internal error: {type(e).__name__}: {e}"
            self._finish(flow)
            self._say_once(("internal",), f"ringfence: proxy internal error ({type(e).__name__}: "
                           f"{e}); that connection was closed")
        finally:
            sock.close()

    async def _http(self, sock, buf: bytes, flow: _Flow) -> None:
        while True:
            try:
                async with asyncio.timeout(self.limits.head_timeout):
                    req, buf = await _fill(sock, buf, lambda b: wire.parse_request_head(b, self.limits.max_head))
            except wire.WireError as e:
                flow.error = str(e)
                self._finish(flow)
                await _send_quietly(sock, wire.error_response(e.status, f"ringfence: {e}"))
                return
            except TimeoutError:
                flow.error = "timed out waiting for a complete request head"
                self._finish(flow)
                await _send_quietly(sock, wire.error_response(408, f"ringfence: {flow.error}"))
                return
            except _ClientGone:
                flow.error = "client closed in the middle of a request head"
                self._finish(flow)
                return
            buf = buf[req.head_len:]
            flow.host, flow.port = req.host, req.port
            if req.is_connect:
                flow.protocol = "connect"
                await self._tunnel_http(sock, req, buf, flow)
                return
            buf = await self._forward(sock, req, buf, flow)
            if buf is None:
                return
            flow = _Flow(flow.client, "http")
            try:
                async with asyncio.timeout(self.limits.idle_timeout):
                    while not buf:
                        buf = await _recv(sock)
                        if not buf:
                            return
            except TimeoutError:
                return

    async def _tunnel_http(self, sock, req: wire.Request, buf: bytes, flow: _Flow) -> None:
        try:
            upstream = await self._open(req.host, req.port, flow)
        except (_Refused, _Upstream) as e:
            await self._answer_http(sock, e, flow)
            return
        try:
            await _sendall(sock, wire.CONNECT_OK)
            await self._relay(sock, upstream, buf, flow)
        finally:
            upstream.close()
        self._finish(flow)

    async def _forward(self, sock, req: wire.Request, buf: bytes, flow: _Flow) -> bytes | None:
        """Send one request upstream and its response back; return what the client sent
        after it, or None when the client connection must close."""
        try:
            upstream = await self._open(req.host, req.port, flow)
        except (_Refused, _Upstream) as e:
            await self._answer_http(sock, e, flow)
            return None
        body = wire.BodyReader(req.body)
        try:
            head = wire.build_forward_head(req)
            await _sendall(upstream, head)
            flow.up += len(head)
            if body.done:
                close = await self._relay_response(sock, upstream, req, flow)
                return None if close else buf
            # the body goes up while the response comes down (Expect: 100-continue, early errors)
            sender = asyncio.create_task(self._send_body(sock, upstream, body, buf, flow))
            relay = asyncio.create_task(self._relay_response(sock, upstream, req, flow))
            try:
                await asyncio.wait((sender, relay), return_when=asyncio.FIRST_EXCEPTION)
                if sender.done() and sender.exception() is not None:
                    sender.result()   # a bad body or a client gone: abandon the request
                close = relay.result()
                if not sender.done():
                    close = True      # answered before the whole body came: framing is lost
                return None if close else sender.result()
            finally:
                for task in (sender, relay):
                    task.cancel()
                await asyncio.gather(sender, relay, return_exceptions=True)
        except wire.WireError as e:
            flow.error = str(e)
            if flow.down == 0:
                await _send_quietly(sock, wire.error_response(e.status, f"ringfence: {e}"))
            return None
        except (TimeoutError, OSError, _ClientGone) as e:
            flow.error = str(e) or type(e).__name__
            return None
        finally:
            upstream.close()
            self._finish(flow)

    async def _send_body(self, sock, upstream, body: wire.BodyReader, buf: bytes, flow) -> bytes:
        rest = await self._copy_body(sock, upstream, body, buf, flow, "up")
        if rest is None:
            raise _ClientGone("client closed in the middle of the request body")
        return rest

    async def _copy_body(self, src, dst, reader: wire.BodyReader, buf: bytes, flow, way: str) -> bytes | None:
        """Copy one message body src -> dst as ``reader`` frames it, ``buf`` first; the bytes
        after it, or None if src closed before its end."""
        while True:
            n = reader.feed(buf)
            if n:
                await _sendall(dst, buf[:n])
                if way == "up":
                    flow.up += n
                else:
                    flow.down += n
            if reader.done:
                return buf[n:]
            async with asyncio.timeout(self.limits.idle_timeout):
                buf = await _recv(src)
            if not buf:
                return None

    async def _relay_response(self, sock, upstream, req: wire.Request, flow) -> bool:
        """Relay the response; return True if the client connection must close after it."""
        buf = b""
        while True:
            async with asyncio.timeout(self.limits.idle_timeout):
                resp, buf = await _fill(upstream, buf, lambda b: wire.parse_response_head(b, req.method))
            if resp.status == 101:
                raise wire.WireError("upstream switched protocols unasked", status=502)
            if resp.status >= 200:
                break
            interim = wire.build_response_head(resp, close=False)
            await _sendall(sock, interim)
            flow.down += len(interim)
            buf = buf[resp.head_len:]
        close = not req.keep_alive or resp.body.kind == "close"
        head = wire.build_response_head(resp, close=close)
        await _sendall(sock, head)
        flow.down += len(head)
        if await self._copy_body(upstream, sock, wire.BodyReader(resp.body), buf[resp.head_len:], flow, "down") is None:
            if resp.body.kind != "close":
                flow.error = "upstream closed before the end of the response"
            return True
        return close

    async def _answer_http(self, sock, e: Exception, flow: _Flow) -> None:
        self._finish(flow)
        if isinstance(e, _Refused):
            d = e.decision
            status = 400 if d.rule in ("invalid-host", "invalid-port") else 403
            body = f"ringfence: blocked {flow.target()} by rule {d.rule}: {d.reason}"
            if status == 403 and d.rule != "resolved-address":
                body += f"\nallow it with --allow-domain {flow.host}"
            await _send_quietly(sock, wire.error_response(status, body, rule=d.rule))
        else:
            await _send_quietly(sock, wire.error_response(e.status, f"ringfence: {e}"))

    async def _socks(self, sock, buf: bytes, flow: _Flow) -> None:
        try:
            async with asyncio.timeout(self.limits.head_timeout):
                greeting, buf = await _fill(sock, buf, wire.parse_socks_greeting)
                buf = buf[greeting.length:]
                await _sendall(sock, wire.socks_method_reply(greeting))
                if not greeting.no_auth:
                    flow.error = "client offers no SOCKS method without authentication"
                    self._finish(flow)
                    return
                req, buf = await _fill(sock, buf, wire.parse_socks_request)
        except wire.WireError as e:
            flow.error = str(e)
            self._finish(flow)
            await _send_quietly(sock, wire.socks_reply(e.socks_reply))
            return
        buf = buf[req.length:]
        flow.host, flow.port = req.host, req.port
        try:
            upstream = await self._open(req.host, req.port, flow)
        except _Refused:
            self._finish(flow)
            await _send_quietly(sock, wire.socks_reply(wire.SOCKS_NOT_ALLOWED))
            return
        except _Upstream as e:
            self._finish(flow)
            await _send_quietly(sock, wire.socks_reply(e.socks))
            return
        try:
            await _sendall(sock, wire.socks_reply(wire.SOCKS_OK))
            await self._relay(sock, upstream, buf, flow)
        finally:
            upstream.close()
        self._finish(flow)

    # ------------------------------------------------------------------ decisions

    async def _open(self, host: str, port: int, flow: _Flow) -> socket.socket:
        """Judge, resolve, judge again, connect; raise _Refused or _Upstream."""
        decision = decide(self.rules, host, port)
        if decision.allow and not decision.addresses:
            name = canonical_host(host)[0]
            try:
                async with asyncio.timeout(self.limits.connect_timeout):
                    infos = await asyncio.get_running_loop().getaddrinfo(
                        name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
            except (OSError, TimeoutError) as e:
                self._settle(flow, decision)
                flow.error = f"DNS lookup of {name} failed: {e}"
                raise _Upstream(flow.error, 502, wire.SOCKS_HOST_UNREACHABLE) from None
            decision = decide(self.rules, host, port, [info[4][0] for info in infos])
        self._settle(flow, decision)
        if not decision.allow:
            raise _Refused(decision)
        return await self._connect(decision.addresses, port, flow)

    def _settle(self, flow: _Flow, decision) -> None:
        flow.decision = "allow" if decision.allow else "deny"
        flow.rule, flow.reason = decision.rule, decision.reason

    async def _connect(self, addresses, port: int, flow: _Flow) -> socket.socket:
        loop = asyncio.get_running_loop()
        errors = []
        try:
            async with asyncio.timeout(self.limits.connect_timeout):
                for address in addresses:
                    family = socket.AF_INET6 if ":" in address else socket.AF_INET
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sock.setblocking(False)
                    try:
                        await loop.sock_connect(sock, (address, port))
                    except OSError as e:
                        sock.close()
                        errors.append(e)
                        continue
                    except BaseException:
                        sock.close()
                        raise
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    return sock
        except TimeoutError:
            flow.error = f"connecting to {flow.target()} timed out"
            raise _Upstream(flow.error, 504, wire.SOCKS_HOST_UNREACHABLE) from None
        refused = any(isinstance(e, ConnectionRefusedError) for e in errors)
        flow.error = f"cannot connect to {flow.target()}: " + "; ".join(
            e.strerror or str(e) for e in errors)
        raise _Upstream(flow.error, 502, wire.SOCKS_REFUSED if refused else wire.SOCKS_HOST_UNREACHABLE)

    # ------------------------------------------------------------------ tunnels

    async def _relay(self, client, upstream, buf: bytes, flow: _Flow) -> None:
        """Relay a tunnel both ways until both sides are done, idle, or refused."""
        up = asyncio.create_task(self._client_to_upstream(client, upstream, buf, flow))
        down = asyncio.create_task(self._splice(upstream, client, flow, "down"))
        pending = {up, down}
        check = max(0.05, min(self.limits.idle_timeout / 4, 5.0))
        try:
            while pending:
                done, pending = await asyncio.wait(pending, timeout=check,
                                                   return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()
                if pending and time.monotonic() - flow.last > self.limits.idle_timeout:
                    flow.error = f"idle for {self.limits.idle_timeout:g} s"
                    break
        except _Refused as e:
            self._settle(flow, e.decision)
        except wire.WireError as e:
            flow.decision, flow.rule = "deny", "tls-clienthello"
            flow.reason = f"the client's first bytes in the tunnel are not a TLS ClientHello: {e}"
        except TimeoutError:
            flow.error = "timed out waiting for the TLS ClientHello"
        except (_ClientGone, OSError) as e:
            flow.error = f"tunnel: {e}"
        finally:
            for task in (up, down):
                task.cancel()
            await asyncio.gather(up, down, return_exceptions=True)

    async def _client_to_upstream(self, client, upstream, buf: bytes, flow: _Flow) -> None:
        if not buf:
            buf = await _recv(client)
            if not buf:
                _shutdown(upstream)
                return
        async with asyncio.timeout(self.limits.head_timeout):
            while flow.port != 443 and wire.looks_like_tls(buf) is None:
                more = await _recv(client)
                if not more:
                    break
                buf += more
        if flow.port == 443 or wire.looks_like_tls(buf):
            async with asyncio.timeout(self.limits.head_timeout):
                hello, buf = await _fill(client, buf, wire.parse_client_hello)
            decision = decide_sni(self.rules, flow.host, flow.port, hello.sni)
            if not decision.allow:
                raise _Refused(decision)
        else:
            # Not TLS: bytes flow at once, but the line end of the first non-empty line is
            # held until that line is judged. If it is an HTTP request line, every request in
            # the tunnel has its Host header checked (see _http_in_tunnel).
            sent = b""                     # the open first line, already forwarded
            while True:
                if not buf:
                    async with asyncio.timeout(self.limits.idle_timeout):
                        buf = await _recv(client)
                    if not buf:
                        _shutdown(upstream)
                        return
                nl = buf.find(b"\n")
                if nl < 0 and len(sent) + len(buf) <= wire.HTTP_SNIFF:
                    keep = len(buf) - len(buf.rstrip(b"\r"))   # a trailing CR waits with the LF
                    out, buf = buf[:len(buf) - keep], buf[len(buf) - keep:]
                    if out:
                        await _sendall(upstream, out)
                        flow.up += len(out)
                        sent += out
                    if buf:
                        async with asyncio.timeout(self.limits.idle_timeout):
                            more = await _recv(client)
                        if not more:
                            _shutdown(upstream)
                            return
                        buf += more
                    continue
                if nl >= 0 and not (sent + buf[:nl + 1]).strip(b"\r\n"):
                    await _sendall(upstream, buf[:nl + 1])   # an empty line before the first
                    flow.up += nl + 1
                    sent, buf = b"", buf[nl + 1:]
                    continue
                if nl >= 0 and wire.is_request_line(sent + buf[:nl + 1]):
                    await self._http_in_tunnel(client, upstream, sent + buf, flow, skip=len(sent))
                    return
                if nl < 0 and wire.may_start_request_line(sent[:256] or buf[:256]):
                    raise _Refused(Decision(False, "tunnel-overlong-line",
                                            f"a first line over {wire.HTTP_SNIFF} bytes that may be an HTTP "
                                            "request line: its Host header could not be checked"))
                break                      # not HTTP: plain relay from here
        await _sendall(upstream, buf)
        flow.up += len(buf)
        flow.last = time.monotonic()
        await self._splice(client, upstream, flow, "up")

    async def _http_in_tunnel(self, client, upstream, buf: bytes, flow: _Flow, skip: int = 0) -> None:
        """Plain HTTP inside a tunnel: every request's Host header must name the host the
        tunnel was opened to, or a Host-routing server (a CDN, a reverse proxy) would take
        the request elsewhere: domain fronting without TLS. Bytes pass unchanged."""
        want = canonical_host(flow.host)[0]
        while True:
            async with asyncio.timeout(self.limits.idle_timeout):
                try:
                    req, buf = await _fill(client, buf, wire.parse_tunnel_request_head)
                except _ClientGone:
                    if buf:
                        raise
                    _shutdown(upstream)
                    return
            try:
                same = canonical_host(req.host)[0] == want and req.port in (0, flow.port)
            except ValueError:
                same = False
            if not same:
                raise _Refused(Decision(False, "tunnel-host-mismatch",
                                        f"a request in the tunnel to {flow.target()} names Host {req.authority!r} "
                                        "(domain fronting)"))
            head, buf = buf[skip:req.head_len], buf[req.head_len:]
            skip = 0                       # (the start of the first head was already sent)
            await _sendall(upstream, head)
            flow.up += len(head)
            flow.last = time.monotonic()
            buf = await self._send_body(client, upstream, wire.BodyReader(req.body), buf, flow)

    async def _splice(self, src: socket.socket, dst: socket.socket, flow: _Flow, way: str) -> None:
        """Move bytes src -> dst through a pipe in the kernel; half-close dst at EOF."""
        loop = asyncio.get_running_loop()
        s, d = src.fileno(), dst.fileno()
        pipe, left = None, 0
        try:
            while True:
                if pipe is None:
                    pipe = self._pipes.take()
                try:
                    n = os.splice(s, pipe[1], PIPE_SIZE, flags=_SPLICE_FLAGS)
                except BlockingIOError:
                    self._pipes.give(pipe, empty=True)
                    pipe = None
                    await _wait(loop, s, write=False)
                    continue
                if n == 0:
                    break
                flow.last = time.monotonic()
                if way == "up":
                    flow.up += n
                else:
                    flow.down += n
                left = n
                while left:
                    try:
                        left -= os.splice(pipe[0], d, left, flags=_SPLICE_FLAGS)
                    except BlockingIOError:
                        await _wait(loop, d, write=True)
            _shutdown(dst)
        finally:
            if pipe is not None:
                self._pipes.give(pipe, empty=left == 0)

    # ------------------------------------------------------------------ output

    def _finish(self, flow: _Flow) -> None:
        if flow.logged:
            return
        flow.logged = True
        if self._log is not None:
            self._log.write({
                "time": flow.started, "sandbox_id": self.sandbox_id, "client": flow.client,
                "protocol": flow.protocol, "host": flow.host, "port": flow.port,
                "decision": flow.decision, "rule": flow.rule, "reason": flow.reason,
                "bytes_up": flow.up, "bytes_down": flow.down,
                "duration_ms": round((time.time() - flow.started) * 1000, 3),
                "error": flow.error,
            })
        if flow.decision == "deny" and flow.rule not in ("invalid-host", "invalid-port"):
            if flow.rule.startswith("tls-") or flow.rule == "resolved-address":
                line = f"ringfence: blocked {flow.target()} ({flow.rule}): {flow.reason}"
            else:
                line = (f"ringfence: blocked {flow.target()} ({flow.rule}) — allow it with "
                        f"--allow-domain {flow.host}")
            self._say_once(("deny", flow.host), line)

    def _say_once(self, key: object, line: str) -> None:
        if key in self._noticed or self._notice is None:
            return
        self._noticed.add(key)
        try:
            self._notice.write(line + "\n")
            self._notice.flush()
        except (OSError, ValueError):
            pass


# ---------------------------------------------------------------------- socket helpers

def _sockets(listen) -> list[socket.socket]:
    """One listening socket or several, as a list."""
    return list(listen) if isinstance(listen, (list, tuple)) else [listen]


async def _recv(sock: socket.socket) -> bytes:
    return await asyncio.get_running_loop().sock_recv(sock, _RECV)


async def _sendall(sock: socket.socket, data: bytes) -> None:
    await asyncio.get_running_loop().sock_sendall(sock, data)


async def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        async with asyncio.timeout(5):
            await _sendall(sock, data)
    except (OSError, TimeoutError):
        pass


async def _fill(sock, buf: bytes, parse):
    """Read until ``parse(buf)`` returns an event; raise _ClientGone at EOF."""
    while True:
        event = parse(buf)
        if event is not None:
            return event, buf
        data = await _recv(sock)
        if not data:
            raise _ClientGone("peer closed in the middle of a message")
        buf += data


async def _wait(loop, fd: int, *, write: bool) -> None:
    fut = loop.create_future()
    if write:
        loop.add_writer(fd, _wake, fut)
    else:
        loop.add_reader(fd, _wake, fut)
    try:
        await fut
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)


def _wake(fut) -> None:
    if not fut.done():
        fut.set_result(None)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


# ---------------------------------------------------------------------- process entry

def serve_forever(listen: socket.socket | list[socket.socket], net_policy, *, sandbox_id: str,
                  log_path: str | None, notice_stream: TextIO = sys.stderr,
                  limits: Limits = Limits(), parent_pid: int | None = None) -> None:
    """Run the proxy in this (forked) process until SIGTERM or the parent dies.

    ``log_path`` None means the default database (``log.default_path()``).
    ``parent_pid``: the launcher's pid taken before the fork; without it, the parent at
    entry is assumed, which misses a launcher that died between fork and this call.
    """
    parent = os.getppid() if parent_pid is None else parent_pid
    _die_with_parent()
    if os.getppid() != parent:
        return
    _raise_fd_limit(notice_stream)
    rules = NetRules.from_policy(net_policy, local_addresses(notice_stream))
    log = DecisionLog(log_path or default_path(), warn=notice_stream)
    try:
        asyncio.run(_serve_main(listen, rules, sandbox_id, log, notice_stream, limits, parent))
    finally:
        log.close()
        for sock in _sockets(listen):
            sock.close()


async def _serve_main(listen, rules, sandbox_id, log, notice_stream, limits, parent) -> None:
    loop = asyncio.get_running_loop()
    server = ProxyServer(listen, rules, sandbox_id=sandbox_id, log=log,
                         notice_stream=notice_stream, limits=limits)
    # SIGTERM only: Ctrl-C in the terminal reaches the whole process group, and it is
    # meant for the agent (interrupt a turn), not for its network.
    loop.add_signal_handler(signal.SIGTERM, server.stop)

    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(1.0)
        server.stop()

    watcher = loop.create_task(watch_parent())
    try:
        await server.serve()
    except asyncio.CancelledError:
        pass
    finally:
        watcher.cancel()


def _die_with_parent() -> None:
    PR_SET_PDEATHSIG = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the getppid() poll in _serve_main still ends the proxy


def _raise_fd_limit(notice_stream) -> None:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            notice_stream.write(f"ringfence: cannot raise the open-file limit ({e}); the proxy "
                                "may refuse connections under load\n")


def local_addresses(notice_stream: TextIO | None = None) -> list[str]:
    """This host's interface addresses, from /proc (IPv4 LOCAL routes and if_inet6)."""
    found: list[str] = []
    try:
        with open("/proc/net/fib_trie") as f:
            last = None
            for line in f:
                text = line.strip()
                if text.startswith("|--"):
                    last = text[3:].strip()
                elif "/32 host LOCAL" in text and last:
                    found.append(last)
    except OSError as e:
        if notice_stream is not None:
            notice_stream.write(f"ringfence: cannot list this host's IPv4 addresses ({e}); "
                                "names resolving to them are not refused for that reason\n")
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                hexa = line.split()[0]
                found.append(":".join(hexa[i:i + 4] for i in range(0, 32, 4)))
    except OSError:
        pass  # IPv6 is off: no IPv6 address to protect
    return sorted(set(found))
