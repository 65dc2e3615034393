"""inner.py end to end, without bwrap: `python -I -S inner.py FD` with a real spec.

The command really runs under the spec's Landlock rules and seccomp filter; the bridge
really relays to a unix-socket echo server standing in for the host proxy.
"""
from __future__ import annotations

import marshal
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from ringfence.sandbox import inner
from ringfence.sandbox.landlock import build_rules
from ringfence.sandbox.seccomp import SeccompOptions, compile_filter

pytestmark = pytest.mark.skipif(inner.landlock_abi() == 0 or os.uname().machine != "x86_64",
                                reason="needs Landlock and x86_64")

PY = sys.executable
INNER = inner.__file__


def make_spec(tmp_path, argv, **over) -> dict:
    spec = {
        "argv": argv,
        "env": {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        "cwd": str(tmp_path),
        "landlock": build_rules(["/"], [str(tmp_path)], [], [], inner.landlock_abi()).to_spec(),
        "seccomp": compile_filter(SeccompOptions()),
        "bridge": None,
    }
    spec.update(over)
    return spec


def start_inner(spec, *, via="memfd", pass_fds=(), **popen) -> subprocess.Popen:
    data = marshal.dumps(spec) if isinstance(spec, dict) else spec
    if via == "memfd":
        fd = os.memfd_create("spec")
        os.write(fd, data)
    else:
        fd, w = os.pipe()
        os.write(w, data)               # small specs fit in the pipe buffer
        os.close(w)
    try:
        return subprocess.Popen([PY, "-I", "-S", INNER, str(fd)], pass_fds=(fd, *pass_fds),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    finally:
        os.close(fd)


def run_inner(spec, *, timeout=60, **kw) -> tuple[int, bytes, bytes]:
    proc = start_inner(spec, **kw)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


REPORT = r"""
import marshal, os, sys
fds = []
for fd in range(0, 4096):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
with open("/proc/self/environ", "rb") as f:
    environ = f.read()
sys.stdout.buffer.write(marshal.dumps((sys.argv, environ, os.getcwd(), fds)))
"""


def test_argv_env_cwd_exact_and_only_stdio_inherited(tmp_path):
    workdir = tmp_path / "w d"
    workdir.mkdir()
    env = {"PATH": "/usr/bin:/bin", "EMPTY": "", "UNICODE": "é ü", "SPACES": "a b  c"}
    leak = os.open("/dev/null", os.O_RDONLY)    # an fd the outer forgot: must not reach the command
    os.set_inheritable(leak, True)
    port = free_port()
    spec = make_spec(tmp_path, [PY, "-I", "-S", "-c", REPORT, "x y", "", "ü"], env=env, cwd=str(workdir),
                     bridge={"listen": [["127.0.0.1", port]], "unix": str(tmp_path / "none.sock")})
    try:
        code, out, err = run_inner(spec, pass_fds=(leak,))
    finally:
        os.close(leak)
    assert code == 0, err
    argv, environ, cwd, fds = marshal.loads(out)
    assert argv[1:] == ["x y", "", "ü"]
    assert sorted(environ.split(b"\0")[:-1]) == sorted(f"{k}={v}".encode() for k, v in env.items())
    assert cwd == str(workdir)
    assert fds == [0, 1, 2]                     # not the spec fd, the leak, nor the listeners


def test_spec_through_a_pipe_and_path_lookup_in_the_spec_env(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "mytool"
    tool.write_text("#!/bin/sh\necho found \"$@\"\n")
    tool.chmod(0o755)
    env = {"PATH": f"/nonexistent:{bindir}:/usr/bin:/bin"}
    code, out, err = run_inner(make_spec(tmp_path, ["mytool", "a"], env=env), via="pipe")
    assert (code, out) == (0, b"found a\n"), err
    # the host's PATH is not consulted: with none of its own, `sh` is not found
    code, _, err = run_inner(make_spec(tmp_path, ["sh", "-c", "exit 0"], env={"PATH": "/nonexistent"}))
    assert code == 127 and b"ringfence: cannot execute sh" in err


def test_exit_status_passes_through(tmp_path):
    assert run_inner(make_spec(tmp_path, ["sh", "-c", "exit 42"]))[0] == 42
    assert run_inner(make_spec(tmp_path, ["sh", "-c", "exit 0"]))[0] == 0
    assert run_inner(make_spec(tmp_path, ["sh", "-c", "kill -TERM $$"]))[0] == -15


def test_exec_failures_127_and_126(tmp_path):
    code, out, err = run_inner(make_spec(tmp_path, ["no-such-command-ringfence"]))
    assert code == 127 and out == b""
    assert err.startswith(b"ringfence: cannot execute no-such-command-ringfence: ")
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    code, _, err = run_inner(make_spec(tmp_path, [str(plain)]))
    assert code == 126 and b"Permission denied" in err


def test_sigpipe_is_default_again_in_the_command(tmp_path):
    code, out, _ = run_inner(make_spec(tmp_path, ["sh", "-c", "yes | head -n 1; echo ${PIPESTATUS:-done}"]))
    assert code == 0 and out.startswith(b"y\n")
    code, out, _ = run_inner(make_spec(tmp_path, ["sh", "-c", "grep SigIgn /proc/self/status"]))
    ignored = int(out.split()[1], 16)
    assert not ignored & (1 << 12) and not ignored & (1 << 24)   # SIGPIPE (13), SIGXFSZ (25)


def test_confinement_applies_to_the_command(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key").write_text("k")
    ll = build_rules(["/"], [str(tmp_path)], [str(secret)], [], inner.landlock_abi()).to_spec()
    script = ("import socket\n"
              "try:\n open('key').read(); print('read')\nexcept PermissionError: print('no-read')\n"
              "try:\n socket.socket(socket.AF_UNIX); print('unix')\nexcept PermissionError: print('no-unix')\n"
              "socket.socket(socket.AF_INET); print('inet')\n")
    code, out, err = run_inner(make_spec(tmp_path, [PY, "-I", "-S", "-c", script], landlock=ll, cwd=str(secret)))
    assert (code, out.split()) == (0, [b"no-read", b"no-unix", b"inet"]), err


@pytest.mark.parametrize("bad,needle", [
    ({"abi_min": 99}, b"needs Landlock ABI 99"),
    ({"handled": 1 << 40}, b"Landlock refused the ruleset"),
    ({"seccomp": b"1234567"}, b"seccomp program is malformed"),
    ({"seccomp": b"\xff\xff\x00\x00\x00\x00\x00\x00"}, b"prctl(PR_SET_SECCOMP) failed"),  # kernel refuses
    ({"cwd": "/nonexistent/dir"}, b"cannot enter the working directory"),
])
def test_setup_failure_exits_3_without_exec(tmp_path, bad, needle):
    marker = tmp_path / "ran"
    spec = make_spec(tmp_path, ["sh", "-c", f"touch {marker}"])
    for key, value in bad.items():
        if key in ("abi_min", "handled"):
            spec["landlock"] = dict(spec["landlock"], **{key: value})
        else:
            spec[key] = value
    code, out, err = run_inner(spec)
    assert code == 3 and out == b"" and not marker.exists()
    assert err.startswith(b"ringfence: ") and needle in err and b"\n  fix: " in err


def test_bad_spec_and_usage_exit_3(tmp_path):
    code, _, err = run_inner(b"\x00garbage")
    assert code == 3 and b"cannot read the sandbox spec" in err
    code, _, err = run_inner({"argv": ["true"]})
    assert code == 3 and b"cannot read the sandbox spec" in err
    proc = subprocess.run([PY, "-I", "-S", INNER], capture_output=True)
    assert proc.returncode == 3 and b"usage" in proc.stderr


# ---------------------------------------------------------------- the bridge

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EchoServer:
    """The stand-in host proxy: a unix socket that echoes everything after the client's EOF."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1024)
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        with conn:
            data = bytearray()
            while chunk := conn.recv(1 << 16):
                data += chunk
            conn.sendall(data)                  # only after the half-close came through


@pytest.fixture
def echo(tmp_path):
    server = EchoServer(str(tmp_path / "proxy.sock"))
    yield server
    server.sock.close()


CLIENT = r"""
import socket, sys, time
host, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = time.monotonic()
socks = [socket.create_connection((host, port), timeout=60) for _ in range(n)]   # all open at once
payloads = [bytes([i % 251]) * size + str(i).encode() for i in range(n)]
for s, p in zip(socks, payloads):
    s.sendall(p)
    s.shutdown(socket.SHUT_WR)
good = 0
for s, p in zip(socks, payloads):
    got = bytearray()
    while chunk := s.recv(1 << 16):
        got += chunk
    good += got == p
print(good, round(time.monotonic() - start, 3))
"""


def bridge_spec(tmp_path, argv, unix, listen=None):
    port = free_port()
    listen = listen or [["127.0.0.1", port], ["::1", port]]
    return port, make_spec(tmp_path, argv, bridge={"listen": listen, "unix": unix})


def test_bridge_relays_both_ways_with_half_close(tmp_path, echo):
    port, spec = bridge_spec(tmp_path, None, echo.path)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "1", str(4 << 20)]
    code, out, err = run_inner(spec)
    assert code == 0, err
    assert out.split()[0] == b"1" and echo.connections == 1


def test_bridge_over_ipv6_when_the_host_has_it(tmp_path, echo):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here (the bridge then skips ::1)")
    port, spec = bridge_spec(tmp_path, None, echo.path)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "::1", str(port), "3", "1000"]
    code, out, err = run_inner(spec)
    assert (code, out.split()[0]) == (0, b"3"), err


def test_bridge_500_concurrent_connections(tmp_path, echo):
    port, spec = bridge_spec(tmp_path, None, echo.path)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "500", "2000"]
    code, out, err = run_inner(spec, timeout=120)
    assert code == 0, err
    assert out.split()[0] == b"500" and echo.connections == 500


DEAD = r"""
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
start = time.monotonic()
try:
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    print("eof" if s.recv(100) == b"" else "data")
except ConnectionError:
    print("reset")
except TimeoutError:
    print("hang")
print(round(time.monotonic() - start, 3))
"""


def test_dead_proxy_closes_the_connection_at_once(tmp_path):
    port, spec = bridge_spec(tmp_path, None, str(tmp_path / "no-proxy.sock"))
    spec["argv"] = [PY, "-I", "-S", "-c", DEAD, str(port)]
    code, out, err = run_inner(spec)
    assert code == 0, err
    outcome, seconds = out.split()
    assert outcome in (b"eof", b"reset") and float(seconds) < 10


def test_ipv6_listen_failure_is_skipped_silently(tmp_path, echo):
    try:
        taken = socket.socket(socket.AF_INET6)
        taken.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with taken:
        taken.listen()
        port = taken.getsockname()[1]
        _, spec = bridge_spec(tmp_path, None, echo.path, listen=[["127.0.0.1", port], ["::1", port]])
        spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "2", "10"]
        code, out, err = run_inner(spec)
    assert (code, out.split()[0], err) == (0, b"2", b"")


def test_listen_failure_on_ipv4_exits_3(tmp_path, echo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        marker = tmp_path / "ran"
        _, spec = bridge_spec(tmp_path, ["sh", "-c", f"touch {marker}"], echo.path,
                              listen=[["127.0.0.1", port]])
        code, _, err = run_inner(spec)
    assert code == 3 and b"cannot listen on 127.0.0.1" in err and not marker.exists()


WAIT = r"""
import os, sys
kids = open(f"/proc/self/task/{os.getpid()}/children").read().split()
print(" ".join(kids), flush=True)
sys.stdin.readline()
"""


def test_bridge_holds_no_stdio_is_confined_and_dies_with_the_command(tmp_path, echo):
    _, spec = bridge_spec(tmp_path, [PY, "-I", "-S", "-c", WAIT], echo.path)
    proc = start_inner(spec, stdin=subprocess.PIPE)
    try:
        line = proc.stdout.readline().split()
        assert line == [], "the bridge is not a child of the command (a wait(-1) loop must not see it)"
        bridge = _bridge_of(proc.pid)
        command_stdio = {os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in (0, 1, 2)}
        bridge_fds = {os.readlink(f"/proc/{bridge}/fd/{fd}") for fd in os.listdir(f"/proc/{bridge}/fd")}
        assert not bridge_fds & command_stdio
        rest = bridge_fds - {"/dev/null", "anon_inode:[pidfd]"}   # the pidfd watches the command
        assert rest and all(f.startswith("socket:") for f in rest)
        with open(f"/proc/{bridge}/status") as f:
            status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
        assert status["NoNewPrivs"].strip() == "1"
        proc.stdin.write(b"\n")
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read() == b""        # EOF: nothing else holds the command's stdout
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(bridge):
        time.sleep(0.05)
    assert not _alive(bridge)


def _bridge_of(command_pid: int) -> int:
    """The bridge forked by the inner stage that became ``command_pid``: same command line
    as the inner stage (it never execs), another pid."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == command_pid:
                continue
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if INNER.encode() in argv and _alive(int(name)):
                return int(name)
        time.sleep(0.05)
    raise AssertionError("no bridge process found")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- bytecode

def _load_copy(tmp_path):
    import importlib.util
    import shutil
    src = tmp_path / "pkg" / "inner.py"
    src.parent.mkdir()
    shutil.copy(INNER, src)
    spec = importlib.util.spec_from_file_location("inner_copy", src)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return src, module


def test_bytecode_runs_the_same(tmp_path):
    import py_compile
    src, _module = _load_copy(tmp_path)
    pyc = py_compile.compile(str(src), cfile=str(tmp_path / "inner.pyc"))
    spec = make_spec(tmp_path, ["sh", "-c", "echo $X; exit 7"], env={"PATH": "/usr/bin:/bin", "X": "from pyc"})
    data = marshal.dumps(spec)
    fd = os.memfd_create("spec")
    os.write(fd, data)
    try:
        proc = subprocess.run([PY, "-I", "-S", pyc, str(fd)], pass_fds=(fd,), capture_output=True)
    finally:
        os.close(fd)
    assert (proc.returncode, proc.stdout) == (7, b"from pyc\n"), proc.stderr
