"""Benchmark ringfence's egress proxy against a direct loopback connection, same run.

Run with the venv python: ``.venv/bin/python bench/proxy.py [--gib 1] [--ttfb 500]
[--concurrent 500]``. Prints a rich table:

- throughput of a 1 GiB upload through a CONNECT tunnel vs direct (target >= 80 %);
- added time to first byte per new connection, p50 and p99 (target p50 < 2 ms);
- N concurrent tunnels held open, each then used once, with no error;
- the same through sandbox-runtime's HTTP proxy, bare and behind its mux front end, when
  @anthropic-ai/sandbox-runtime@0.0.78 is installed under ~/.cache/ringfence-bench/
  (skipped with a note otherwise), and through socat as a C relay with no filtering:
  the floor for any proxy that adds a hop on this machine.

Roles: the origin servers (a sink and an echo) run in one child process, the proxy in
another (as in production, where the launcher forks it); the client runs here. Same
client code and same servers for every route.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
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
        with conn:
            head = b""
            while len(head) < 8 and (more := conn.recv(8 - len(head))):
                head += more
            want, total = int.from_bytes(head, "big"), 0
            while total < want and (n := conn.recv_into(buf, min(CHUNK, want - total))):
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


def _serve_proxy(port_file: str, state: str) -> None:
    """Child: ringfence's proxy accepting on a loopback TCP listener, as in production
    (there the listener lives in the sandbox's network namespace and is handed to the
    proxy), allowing 127.0.0.1 (any port). The port goes to ``port_file``."""
    from ringfence.policy.model import Item, NetPolicy
    from ringfence.proxy.server import serve_forever

    listen = socket.create_server(("127.0.0.1", 0), backlog=4096)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(listen.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    net = NetPolicy(allowed_domains=(Item("127.0.0.1", "bench"),))
    serve_forever(listen, net, sandbox_id="bench", log_path=os.path.join(state, "net.sqlite3"))


# ---------------------------------------------------------------------------- clients

class Route:
    """How a client reaches 127.0.0.1:port: directly, through a proxy's CONNECT, or
    through a plain relay (``relay`` maps a target port to the relay's unix socket)."""

    def __init__(self, name: str, proxy: str | tuple | None = None, *, relay: dict | None = None,
                 pid: int | None = None):
        self.name, self.proxy, self.relay, self.pid = name, proxy, relay, pid

    def open(self, port: int) -> socket.socket:
        if self.relay is not None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.relay[port])
            return s
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

    def cpu(self) -> float:
        """CPU seconds the proxy process has used so far (0 without one)."""
        return 0.0 if self.pid is None else process_cpu(self.pid)


def process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload(route: Route, port: int, size: int) -> float:
    """Seconds to push ``size`` bytes to the sink and get its count back."""
    block = memoryview(os.urandom(CHUNK))
    s = route.open(port)
    start = time.perf_counter()
    s.sendall(size.to_bytes(8, "big"))      # no half-close needed: sandbox-runtime's mux lacks it
    sent = 0
    while sent < size:
        s.sendall(block[:min(CHUNK, size - sent)])
        sent += min(CHUNK, size - sent)
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


def half_close(route: Route, port: int) -> bool:
    """Does an answer still arrive after the client shuts down its sending side?"""
    s = route.open(port)
    s.settimeout(5)
    s.sendall(b"half")
    s.shutdown(socket.SHUT_WR)
    data = b""
    try:
        while chunk := s.recv(16):
            data += chunk
    except OSError:
        pass
    s.close()
    return data == b"half"


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


# ---------------------------------------------------------------------------- other relays

SRT_PLACES = ("~/.cache/ringfence-bench/srt", "~/.cache/ringfence-bench")
SRT_VERSION = "0.0.78"
_SRT_SCRIPT = r"""
const base = process.argv[1];
const { createHttpProxyServer } = await import(base + '/dist/sandbox/http-proxy.js');
const { createMuxProxyServer } = await import(base + '/dist/sandbox/mux-proxy.js');
const allowAll = { filter: async () => true };
const direct = createHttpProxyServer(allowAll);
await new Promise((r) => direct.listen(0, '127.0.0.1', r));
const mux = createMuxProxyServer({ httpServer: createHttpProxyServer(allowAll),
                                   handleSocksConnection: (s) => s.destroy() });
await mux.listenHttpBackend();
await new Promise((r) => mux.server.listen(0, '127.0.0.1', r));
console.log(direct.address().port, mux.getPort());
"""


def start_srt():
    """sandbox-runtime's HTTP proxy and its mux front end, allowing everything.

    Returns (process, ports, version) or (None, reason, None).
    """
    import json
    for place in SRT_PLACES:
        base = os.path.join(os.path.expanduser(place), "node_modules", "@anthropic-ai",
                            "sandbox-runtime")
        if os.path.exists(os.path.join(base, "package.json")):
            break
    else:
        return None, (f"@anthropic-ai/sandbox-runtime@{SRT_VERSION} is not installed under "
                      f"{SRT_PLACES[0]} (npm install --prefix {SRT_PLACES[0]} "
                      f"@anthropic-ai/sandbox-runtime@{SRT_VERSION})"), None
    with open(os.path.join(base, "package.json")) as f:
        version = json.load(f)["version"]
    if shutil.which("node") is None:
        return None, "node is not installed", None
    proc = subprocess.Popen(["node", "--input-type=module", "-e", _SRT_SCRIPT, base],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ports = proc.stdout.readline().split()
    if len(ports) != 2:
        proc.kill()
        return None, f"could not start sandbox-runtime's proxy: {proc.stderr.read()[-300:]}", None
    return proc, tuple(map(int, ports)), version


def start_socat(tmp: str, ports: list[int]):
    """A C relay with no filtering (socat, as sandbox-runtime uses) per target port."""
    if shutil.which("socat") is None:
        return [], None
    procs, relay = [], {}
    for port in ports:
        path = os.path.join(tmp, f"socat-{port}.sock")
        procs.append(subprocess.Popen(["socat", f"UNIX-LISTEN:{path},fork,backlog=1024",
                                       f"TCP:127.0.0.1:{port}"]))
        relay[port] = path
    for path in relay.values():
        while not os.path.exists(path):
            time.sleep(0.01)
    return procs, relay


# ---------------------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=1.0, help="upload size in GiB (default 1)")
    ap.add_argument("--runs", type=int, default=3, help="uploads per route; the best is kept")
    ap.add_argument("--ttfb", type=int, default=500, help="new connections for time to first byte")
    ap.add_argument("--concurrent", type=int, default=500, help="tunnels held at once")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table
    console = Console(width=max(Console().width, 100))
    me = os.path.abspath(__file__)
    tmp = tempfile.mkdtemp(prefix="ringfence-bench-")
    children = []
    try:
        origins = subprocess.Popen([sys.executable, me, "--role", "origins"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(origins)
        sink_port, echo_port = map(int, origins.stdout.readline().split())
        port_file = os.path.join(tmp, "proxy.port")
        proxy = subprocess.Popen([sys.executable, me, "--role", "proxy", port_file, tmp])
        children.append(proxy)
        while not os.path.exists(port_file):
            time.sleep(0.01)
        with open(port_file) as f:
            proxy_port = int(f.read())
        routes = [Route("direct"), Route("ringfence", ("127.0.0.1", proxy_port), pid=proxy.pid)]
        srt, srt_ports, srt_version = start_srt()
        if srt is None:
            console.print(f"[yellow]note:[/] sandbox-runtime skipped: {srt_ports}")
        else:
            children.append(srt)
            routes += [Route("srt http", ("127.0.0.1", srt_ports[0]), pid=srt.pid),
                       Route("srt mux", ("127.0.0.1", srt_ports[1]), pid=srt.pid)]
        socats, relay = start_socat(tmp, [sink_port, echo_port])
        children += socats
        if relay is None:
            console.print("[yellow]note:[/] socat reference relay skipped: socat not installed")
        else:
            routes.append(Route("socat", relay=relay))

        size = int(args.gib * (1 << 30))
        results = {route.name: {"up": [], "cpu": [], "total": []} for route in routes}
        for route in routes:
            first_byte(route, echo_port)                      # warm up
        for _ in range(args.runs):
            for route in routes:
                others = route.cpu() + process_cpu(origins.pid) + time.process_time()
                cpu = route.cpu()
                results[route.name]["up"].append(upload(route, sink_port, size))
                results[route.name]["cpu"].append(route.cpu() - cpu)
                results[route.name]["total"].append(
                    route.cpu() + process_cpu(origins.pid) + time.process_time() - others)
        for route in routes:
            results[route.name]["ttfb"] = []
        for _ in range(args.ttfb):          # interleaved, so every route sees the same load
            for route in routes:
                results[route.name]["ttfb"].append(first_byte(route, echo_port))
        for route in routes:
            results[route.name]["half"] = half_close(route, echo_port)
            if route.relay is None:
                results[route.name]["conc"] = concurrent(route, echo_port, args.concurrent)

        direct = results["direct"]
        best_direct = min(direct["up"])
        d50, d99 = pct(direct["ttfb"], 50), pct(direct["ttfb"], 99)
        table = Table(title=f"egress proxy: {args.gib:g} GiB upload (best of {args.runs}), "
                            f"{args.ttfb} new connections, {args.concurrent} concurrent tunnels")
        for col in ("route", "GiB/s", "vs direct", "CPU s/GiB", "all CPU", "TTFB p50", "p99",
                    "added p50", "p99", "conc. ok/err", "half-close"):
            table.add_column(col, justify="left" if col == "route" else "right")
        for route in routes:
            r = results[route.name]
            best = min(r["up"])
            p50, p99 = pct(r["ttfb"], 50), pct(r["ttfb"], 99)
            ok_err = f"{r['conc'][0]}/{r['conc'][1]}" if "conc" in r else "-"
            via = route.name != "direct"
            table.add_row(route.name, f"{size / best / (1 << 30):.2f}", f"{best_direct / best:.0%}",
                          f"{min(r['cpu']) / args.gib:.2f}" if route.pid else "-",
                          f"{min(r['total']) / args.gib:.2f}" if route.relay is None else "-",
                          f"{p50 * 1e3:.2f}", f"{p99 * 1e3:.2f}",
                          f"{(p50 - d50) * 1e3:.2f}" if via else "-",
                          f"{(p99 - d99) * 1e3:.2f}" if via else "-", ok_err,
                          "yes" if r["half"] else "[red]no[/]")
        console.print(table)
        console.print("times in ms. ringfence: CONNECT to its TCP listener (as in the sandbox, "
                      f"where the proxy accepts on the listener the inner stage hands it). srt: sandbox-runtime {srt_version or '-'} HTTP proxy, bare "
                      "and behind its mux front end (production). socat: a C relay from a unix "
                      "socket to the server with no filtering. CPU s/GiB: the proxy process's own; all "
                      "CPU: client + servers + proxy per GiB, the cost of the route whatever the load.")
        rf = results["ringfence"]
        ratio = best_direct / min(rf["up"])
        added = (pct(rf["ttfb"], 50) - d50) * 1e3
        verdict = lambda ok: "[green]met[/]" if ok else "[red]missed[/]"  # noqa: E731
        console.print(f"targets: throughput >= 80 % of direct: {verdict(ratio >= 0.8)} ({ratio:.0%}); "
                      f"added TTFB p50 < 2 ms: {verdict(added < 2)} ({added:.3f} ms); "
                      f"{args.concurrent} concurrent tunnels without error: "
                      f"{verdict(rf['conc'][1] == 0 and rf['conc'][0] == args.concurrent)}")
        console.print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
                      "client, proxy and servers share them")
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
