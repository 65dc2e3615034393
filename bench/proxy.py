"""Benchmark ringfence's egress proxy against a direct loopback connection, same run.

Run with the venv python: ``.venv/bin/python bench/proxy.py [--gib 1] [--ttfb 500]
[--concurrent 500]``. Prints a rich table:

- throughput of a 1 GiB upload through a CONNECT tunnel vs direct (target >= 80 %);
- added time to first byte per new connection, p50 and p99 (target p50 < 2 ms);
- N concurrent tunnels held open, each then used once, with no error;
- the same through sandbox-runtime's proxy when @anthropic-ai/sandbox-runtime@0.0.78
  is installed under ~/.cache/ringfence-bench/ (skipped with a note otherwise).

Roles: the origin servers (a sink and an echo) run in one child process, the proxy in
another (as in production, where the launcher forks it); the client runs here. Same
client code and same servers for every route.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CHUNK = 1 << 20


# ---------------------------------------------------------------------------- servers

def _serve_origins() -> None:
    """Child: a sink (count bytes to EOF, reply the count) and an echo server."""
    sink = socket.create_server(("127.0.0.1", 0), backlog=1024)
    echo = socket.create_server(("127.0.0.1", 0), backlog=1024)

    def sink_one(conn):
        buf = bytearray(CHUNK)
        total = 0
        with conn:
            while n := conn.recv_into(buf):
                total += n
            conn.sendall(str(total).encode())

    def echo_one(conn):
        with conn:
            try:
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass

    def accept(server, fn):
        while True:
            conn, _ = server.accept()
            threading.Thread(target=fn, args=(conn,), daemon=True).start()

    for server, fn in ((sink, sink_one), (echo, echo_one)):
        threading.Thread(target=accept, args=(server, fn), daemon=True).start()
    print(sink.getsockname()[1], echo.getsockname()[1], flush=True)
    sys.stdin.read()


def _serve_proxy(path: str, state: str) -> None:
    """Child: ringfence's proxy on a unix socket, allowing 127.0.0.1 (any port)."""
    from ringfence.policy.model import Item, NetPolicy
    from ringfence.proxy.server import serve_forever

    listen = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listen.bind(path)
    listen.listen(4096)
    net = NetPolicy(allowed_domains=(Item("127.0.0.1", "bench"),))
    serve_forever(listen, net, sandbox_id="bench", log_path=os.path.join(state, "net.sqlite3"))


# ---------------------------------------------------------------------------- clients

class Route:
    """How a client reaches 127.0.0.1:port: directly, or through a proxy's CONNECT."""

    def __init__(self, name: str, proxy: str | tuple | None):
        self.name, self.proxy = name, proxy

    def open(self, port: int) -> socket.socket:
        if self.proxy is None:
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        family = socket.AF_UNIX if isinstance(self.proxy, str) else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.connect(self.proxy)
        s.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = s.recv(1)
            if not byte:
                raise ConnectionError(f"{self.name}: proxy closed during CONNECT")
            head += byte
        if not head.startswith(b"HTTP/1.1 200"):
            raise ConnectionError(f"{self.name}: {head.splitlines()[0]!r}")
        return s


def upload(route: Route, port: int, size: int) -> float:
    """Seconds to push ``size`` bytes to the sink and get its count back."""
    block = memoryview(os.urandom(CHUNK))
    s = route.open(port)
    start = time.perf_counter()
    sent = 0
    while sent < size:
        s.sendall(block[:min(CHUNK, size - sent)])
        sent += min(CHUNK, size - sent)
    s.shutdown(socket.SHUT_WR)
    reply = s.recv(64)
    elapsed = time.perf_counter() - start
    s.close()
    if int(reply or 0) != size:
        raise RuntimeError(f"{route.name}: sink got {reply!r}, expected {size}")
    return elapsed


def first_byte(route: Route, port: int) -> float:
    """Seconds from connect() to the first echoed byte on a new connection."""
    start = time.perf_counter()
    s = route.open(port)
    s.sendall(b"x")
    if s.recv(1) != b"x":
        raise RuntimeError(f"{route.name}: echo failed")
    elapsed = time.perf_counter() - start
    s.close()
    return elapsed


def concurrent(route: Route, port: int, n: int) -> tuple[int, int]:
    """Open n tunnels, hold them all, then use each once: (ok, errors)."""
    socks, errors = [], 0
    for _ in range(n):
        try:
            socks.append(route.open(port))
        except OSError:
            errors += 1
    ok = 0
    for i, s in enumerate(socks):
        try:
            s.settimeout(10)
            s.sendall(b"%d" % i)
            if s.recv(16) == b"%d" % i:
                ok += 1
            else:
                errors += 1
        except OSError:
            errors += 1
    for s in socks:
        s.close()
    return ok, errors


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------- sandbox-runtime

SRT_DIR = os.path.expanduser("~/.cache/ringfence-bench")
_SRT_SCRIPT = r"""
const path = require('path');
const base = path.join(process.argv[2], 'node_modules', '@anthropic-ai', 'sandbox-runtime');
(async () => {
  const mod = await import(path.join(base, 'dist', 'sandbox', 'http-proxy.js'));
  const server = mod.createHttpProxyServer({ filter: async () => true });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
"""


def start_srt():
    """sandbox-runtime's HTTP proxy, allowing everything; (process, port) or a reason."""
    pkg = os.path.join(SRT_DIR, "node_modules", "@anthropic-ai", "sandbox-runtime", "package.json")
    if not os.path.exists(pkg):
        return None, f"sandbox-runtime not installed under {SRT_DIR} (npm install --prefix " \
                     f"{SRT_DIR} @anthropic-ai/sandbox-runtime@0.0.78)"
    if shutil.which("node") is None:
        return None, "node is not installed"
    proc = subprocess.Popen(["node", "-e", _SRT_SCRIPT, SRT_DIR], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.kill()
        return None, f"could not start sandbox-runtime's proxy: {proc.stderr.read()[-300:]}"
    return proc, int(line)


# ---------------------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=1.0, help="upload size in GiB (default 1)")
    ap.add_argument("--runs", type=int, default=3, help="uploads per route; best is kept")
    ap.add_argument("--ttfb", type=int, default=500, help="new connections for time to first byte")
    ap.add_argument("--concurrent", type=int, default=500, help="tunnels held at once")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table
    console = Console()
    me = os.path.abspath(__file__)
    tmp = tempfile.mkdtemp(prefix="ringfence-bench-")
    children = []
    try:
        origins = subprocess.Popen([sys.executable, me, "--role", "origins"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(origins)
        sink_port, echo_port = map(int, origins.stdout.readline().split())
        sock_path = os.path.join(tmp, "proxy.sock")
        proxy = subprocess.Popen([sys.executable, me, "--role", "proxy", sock_path, tmp])
        children.append(proxy)
        while not os.path.exists(sock_path):
            time.sleep(0.01)
        routes = [Route("direct", None), Route("ringfence CONNECT", sock_path)]
        srt, srt_port = start_srt()
        if srt is None:
            console.print(f"[yellow]note:[/] sandbox-runtime skipped: {srt_port}")
        else:
            children.append(srt)
            routes.append(Route("sandbox-runtime CONNECT", ("127.0.0.1", srt_port)))

        size = int(args.gib * (1 << 30))
        results = {}
        for route in routes:
            first_byte(route, echo_port)                      # warm up
        for _ in range(args.runs):
            for route in routes:
                t = upload(route, sink_port, size)
                results.setdefault(route.name, {"up": []})["up"].append(t)
        for route in routes:
            samples = [first_byte(route, echo_port) for _ in range(args.ttfb)]
            results[route.name]["ttfb"] = samples
            results[route.name]["conc"] = concurrent(route, echo_port, args.concurrent)

        direct = results["direct"]
        best_direct = min(direct["up"])
        table = Table(title=f"egress proxy: {args.gib:g} GiB upload (best of {args.runs}), "
                            f"{args.ttfb} new connections, {args.concurrent} concurrent tunnels")
        for col in ("route", "GiB/s", "vs direct", "TTFB p50", "TTFB p99",
                    "added p50", "added p99", "concurrent ok/err"):
            table.add_column(col, justify="left" if col == "route" else "right")
        for route in routes:
            r = results[route.name]
            best = min(r["up"])
            p50, p99 = pct(r["ttfb"], 50), pct(r["ttfb"], 99)
            d50, d99 = pct(direct["ttfb"], 50), pct(direct["ttfb"], 99)
            ok, err = r["conc"]
            table.add_row(route.name, f"{size / best / (1 << 30):.2f}",
                          f"{best_direct / best:.0%}", f"{p50 * 1e3:.3f} ms", f"{p99 * 1e3:.3f} ms",
                          "-" if route.proxy is None else f"{(p50 - d50) * 1e3:.3f} ms",
                          "-" if route.proxy is None else f"{(p99 - d99) * 1e3:.3f} ms",
                          f"{ok}/{err}")
        console.print(table)
        rf = results["ringfence CONNECT"]
        ratio = best_direct / min(rf["up"])
        added = (pct(rf["ttfb"], 50) - pct(direct["ttfb"], 50)) * 1e3
        console.print(f"targets: throughput >= 80 % of direct: "
                      f"{'[green]met' if ratio >= 0.8 else '[red]missed'}[/] ({ratio:.0%}); "
                      f"added TTFB p50 < 2 ms: {'[green]met' if added < 2 else '[red]missed'}[/] "
                      f"({added:.3f} ms); concurrent tunnels without error: "
                      f"{'[green]met' if rf['conc'][1] == 0 else '[red]missed'}[/]")
        print(f"stdev of ringfence uploads: {statistics.pstdev(rf['up']):.3f} s")
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--role"]:
        if sys.argv[2] == "origins":
            _serve_origins()
        else:
            _serve_proxy(sys.argv[3], sys.argv[4])
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
