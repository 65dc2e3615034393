"""The inner stage end to end, without bwrap: both implementations, one spec.

``ringfence-inner`` (inner.c, compiled here from the current source) and ``python -I -S
inner.py`` are run with real specs: the command really runs under the spec's Landlock
rules and seccomp filter, the proxy listeners really come through SCM_RIGHTS to a test
"proxy" that accepts on them, and (as root) the placeholder mounts are really made.
"""
from __future__ import annotations

import marshal
import os
import shutil
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
INNER_C = os.path.join(os.path.dirname(INNER), "inner.c")


@pytest.fixture(scope="session")
def compiled_inner(tmp_path_factory) -> str:
    """inner.c compiled now, so the tests cover the source even if the built binary is stale."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        pytest.skip("no C compiler: `make setup` installs gcc")
    out = str(tmp_path_factory.mktemp("inner") / "ringfence-inner")
    subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, INNER_C], check=True)
    return out


@pytest.fixture(params=["c", "py"])
def impl(request) -> list[str]:
    """The command line of one inner stage (without its FD argument)."""
    if request.param == "c":
        return [request.getfixturevalue("compiled_inner")]
    return [PY, "-I", "-S", INNER]


def make_spec(tmp_path, argv, **over) -> dict:
    spec = {
        "argv": argv,
        "env": {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        "cwd": str(tmp_path),
        "landlock": build_rules(["/"], [str(tmp_path)], [], [], inner.landlock_abi()).to_spec(),
        "seccomp": compile_filter(SeccompOptions()),
        "default_signals": [13, 25],      # SIGPIPE and SIGXFSZ, as the launcher sends
    }
    spec.update(over)
    return spec


def start_inner(impl, spec, *, via="memfd", pass_fds=(), **popen) -> subprocess.Popen:
    data = inner.pack_spec(spec) if isinstance(spec, dict) else spec
    if via == "memfd":
        fd = os.memfd_create("spec")
        os.write(fd, data)
    else:
        fd, w = os.pipe()
        os.write(w, data)               # small specs fit in the pipe buffer
        os.close(w)
    try:
        return subprocess.Popen([*impl, str(fd)], pass_fds=(fd, *pass_fds),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    finally:
        os.close(fd)


def run_inner(impl, spec, *, timeout=60, **kw) -> tuple[int, bytes, bytes]:
    proc = start_inner(impl, spec, **kw)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_spec_round_trip_and_strictness():
    spec = make_spec("/t", ["a", "b c"], env={"X": "1=2", "E": ""}, listen=[("127.0.0.1", 3128)], pass_fd=7,
                     mounts=[(1, "/t/.bashrc"), (3, "/t/.vscode")], go_fd=9, ready_fd=8)
    back = inner.parse_spec(inner.pack_spec(spec))
    for key in ("argv", "env", "cwd", "landlock", "seccomp", "listen", "pass_fd", "mounts", "go_fd", "ready_fd"):
        want = spec[key]
        if key == "landlock":
            want = dict(want, rules=[tuple(r) for r in want["rules"]])
        assert back[key] == want, key
    data = inner.pack_spec(spec)
    for bad in (data[:-1], data + b"x", b"RFSPEC1\0" + data[8:]):
        with pytest.raises(ValueError):
            inner.parse_spec(bad)
    with pytest.raises(ValueError):                        # listeners need a descriptor to go out on
        inner.parse_spec(inner.pack_spec(dict(spec, pass_fd=None)))


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


def test_argv_env_cwd_exact_and_only_stdio_inherited(impl, tmp_path):
    workdir = tmp_path / "w d"
    workdir.mkdir()
    env = {"PATH": "/usr/bin:/bin", "EMPTY": "", "UNICODE": "é ü", "SPACES": "a b  c"}
    leak = os.open("/dev/null", os.O_RDONLY)    # an fd the outer forgot: must not reach the command
    os.set_inheritable(leak, True)
    proxy = FakeProxy()
    spec = make_spec(tmp_path, [PY, "-I", "-S", "-c", REPORT, "x y", "", "ü"], env=env, cwd=str(workdir),
                     listen=[("127.0.0.1", free_port())], pass_fd=proxy.theirs)
    try:
        code, out, err = run_inner(impl, spec, pass_fds=(leak, proxy.theirs))
    finally:
        os.close(leak)
        proxy.close()
    assert code == 0, err
    argv, environ, cwd, fds = marshal.loads(out)
    assert argv[1:] == ["x y", "", "ü"]
    assert sorted(environ.split(b"\0")[:-1]) == sorted(f"{k}={v}".encode() for k, v in env.items())
    assert cwd == str(workdir)
    assert fds == [0, 1, 2]                     # not the spec fd, the leak, nor the listeners


def test_spec_through_a_pipe_and_path_lookup_in_the_spec_env(impl, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "mytool"
    tool.write_text("#!/bin/sh\necho found \"$@\"\n")
    tool.chmod(0o755)
    env = {"PATH": f"/nonexistent:{bindir}:/usr/bin:/bin"}
    code, out, err = run_inner(impl, make_spec(tmp_path, ["mytool", "a"], env=env), via="pipe")
    assert (code, out) == (0, b"found a\n"), err
    # the host's PATH is not consulted: with none of its own, `sh` is not found
    code, _, err = run_inner(impl, make_spec(tmp_path, ["sh", "-c", "exit 0"], env={"PATH": "/nonexistent"}))
    assert code == 127 and b"ringfence: cannot execute sh" in err


def test_exit_status_passes_through(impl, tmp_path):
    assert run_inner(impl, make_spec(tmp_path, ["sh", "-c", "exit 42"]))[0] == 42
    assert run_inner(impl, make_spec(tmp_path, ["sh", "-c", "exit 0"]))[0] == 0
    assert run_inner(impl, make_spec(tmp_path, ["sh", "-c", "kill -TERM $$"]))[0] == -15


def test_exec_failures_127_and_126(impl, tmp_path):
    code, out, err = run_inner(impl, make_spec(tmp_path, ["no-such-command-ringfence"]))
    assert code == 127 and out == b""
    assert err.startswith(b"ringfence: cannot execute no-such-command-ringfence: ")
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    code, _, err = run_inner(impl, make_spec(tmp_path, [str(plain)]))
    assert code == 126 and b"Permission denied" in err


def test_sigpipe_is_default_again_in_the_command(impl, tmp_path):
    code, out, _ = run_inner(impl, make_spec(tmp_path, ["sh", "-c", "yes | head -n 1; echo ${PIPESTATUS:-done}"]))
    assert code == 0 and out.startswith(b"y\n")
    code, out, _ = run_inner(impl, make_spec(tmp_path, ["sh", "-c", "grep SigIgn /proc/self/status"]))
    ignored = int(out.split()[1], 16)
    assert not ignored & (1 << 12) and not ignored & (1 << 24)   # SIGPIPE (13), SIGXFSZ (25)


def test_confinement_applies_to_the_command(impl, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key").write_text("k")
    ll = build_rules(["/"], [str(tmp_path)], [str(secret)], [], inner.landlock_abi()).to_spec()
    script = ("import socket\n"
              "try:\n open('key').read(); print('read')\nexcept PermissionError: print('no-read')\n"
              "try:\n socket.socket(socket.AF_UNIX); print('unix')\nexcept PermissionError: print('no-unix')\n"
              "socket.socket(socket.AF_INET); print('inet')\n")
    code, out, err = run_inner(impl, make_spec(tmp_path, [PY, "-I", "-S", "-c", script], landlock=ll, cwd=str(secret)))
    assert (code, out.split()) == (0, [b"no-read", b"no-unix", b"inet"]), err


@pytest.mark.parametrize("bad,needle", [
    ({"abi_min": 99}, b"needs Landlock ABI 99"),
    ({"handled": 1 << 40}, b"Landlock refused the ruleset"),
    ({"seccomp": b"1234567"}, b"seccomp program is malformed"),
    ({"seccomp": b"\xff\xff\x00\x00\x00\x00\x00\x00"}, b"prctl(PR_SET_SECCOMP) failed"),  # kernel refuses
    ({"cwd": "/nonexistent/dir"}, b"cannot enter the working directory"),
])
def test_setup_failure_exits_3_without_exec(impl, tmp_path, bad, needle):
    marker = tmp_path / "ran"
    spec = make_spec(tmp_path, ["sh", "-c", f"touch {marker}"])
    for key, value in bad.items():
        if key in ("abi_min", "handled"):
            spec["landlock"] = dict(spec["landlock"], **{key: value})
        else:
            spec[key] = value
    code, out, err = run_inner(impl, spec)
    assert code == 3 and out == b"" and not marker.exists()
    assert err.startswith(b"ringfence: ") and needle in err and b"\n  fix: " in err


def test_bad_spec_and_usage_exit_3(impl, tmp_path):
    code, _, err = run_inner(impl, b"\x00garbage")
    assert code == 3 and b"cannot read the sandbox spec" in err
    good = inner.pack_spec(make_spec(tmp_path, ["true"]))
    assert run_inner(impl, good)[0] == 0                  # the positive control
    for bad in (good[:-3], good + b"\0", good.replace(b"PATH=", b"=PATH")):
        code, out, err = run_inner(impl, bad)
        assert code == 3 and b"cannot read the sandbox spec" in err, bad[-20:]
    proc = subprocess.run(impl, capture_output=True)
    assert proc.returncode == 3 and b"usage" in proc.stderr


# ---------------------------------------------------------------- the proxy listeners

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeProxy:
    """Stands in for ringfence's proxy: receives the listening sockets the inner stage
    hands over (SCM_RIGHTS) and accepts on them, echoing each connection after its EOF."""

    def __init__(self, *, echo: bool = True):
        self.ours, theirs = socket.socketpair()
        self.theirs = theirs.detach()
        os.set_inheritable(self.theirs, True)
        self.listeners: list[socket.socket] = []
        self.connections = 0
        self.got = threading.Event()
        self.echo = echo
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self):
        try:
            _, fds, _, _ = socket.recv_fds(self.ours, 1, 8)
        except OSError:
            return
        self.listeners = [socket.socket(fileno=fd) for fd in fds]
        self.got.set()
        if self.echo:
            for sock in self.listeners:
                threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
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

    def close(self):
        try:
            os.close(self.theirs)
        except OSError:
            pass


@pytest.fixture
def proxy():
    p = FakeProxy()
    yield p
    p.close()
    for s in p.listeners:
        s.close()
    p.ours.close()


CLIENT = r"""
import socket, sys, time
host, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
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
print(good)
"""


def listen_spec(tmp_path, proxy, argv, listen=None):
    port = free_port()
    listen = listen or [("127.0.0.1", port), ("::1", port)]
    return port, make_spec(tmp_path, argv, listen=listen, pass_fd=proxy.theirs)


def test_listeners_reach_the_proxy_both_ways_with_half_close(impl, tmp_path, proxy):
    port, spec = listen_spec(tmp_path, proxy, None)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "1", str(4 << 20)]
    code, out, err = run_inner(impl, spec, pass_fds=(proxy.theirs,))
    assert code == 0, err
    assert out.split() == [b"1"] and proxy.connections == 1


def test_listeners_over_ipv6_when_the_host_has_it(impl, tmp_path, proxy):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here (the inner stage then skips ::1)")
    port, spec = listen_spec(tmp_path, proxy, None)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "::1", str(port), "3", "1000"]
    code, out, err = run_inner(impl, spec, pass_fds=(proxy.theirs,))
    assert (code, out.split()) == (0, [b"3"]), err


def test_500_concurrent_connections(impl, tmp_path, proxy):
    port, spec = listen_spec(tmp_path, proxy, None)
    spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "500", "2000"]
    code, out, err = run_inner(impl, spec, timeout=120, pass_fds=(proxy.theirs,))
    assert code == 0, err
    assert out.split() == [b"500"] and proxy.connections == 500


REFUSED = r"""
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    print("connected")
except ConnectionRefusedError:
    print("refused")
"""


def test_nothing_listens_once_the_proxy_is_gone(impl, tmp_path):
    """The proxy holds the only copy of the listeners: when it goes, connections are refused."""
    gone = FakeProxy(echo=False)
    port, spec = listen_spec(tmp_path, gone, [PY, "-I", "-S", "-c", "import sys; sys.stdin.readline()\n" + REFUSED])
    spec["argv"].append(str(port))
    proc = start_inner(impl, spec, stdin=subprocess.PIPE, pass_fds=(gone.theirs,))
    try:
        assert gone.got.wait(30)
        probe = socket.create_connection(("127.0.0.1", port), timeout=10)   # positive control: it listens
        probe.close()
        for s in gone.listeners:                                          # the proxy dies
            s.close()
        out, err = proc.communicate(b"go\n", timeout=60)
    finally:
        proc.kill()
        gone.close()
        gone.ours.close()
    assert (proc.returncode, out.split()) == (0, [b"refused"]), err


def test_dead_proxy_before_hand_over_exits_3(impl, tmp_path, proxy):
    marker = tmp_path / "ran"
    _, alive = listen_spec(tmp_path, proxy, ["sh", "-c", f"touch {marker}"], listen=[("127.0.0.1", free_port())])
    assert run_inner(impl, alive, pass_fds=(proxy.theirs,))[0] == 0 and marker.exists()   # positive control
    marker.unlink()
    ours, theirs = socket.socketpair()
    ours.close()                                      # nobody to hand the listeners to
    spec = make_spec(tmp_path, ["sh", "-c", f"touch {marker}"], listen=[("127.0.0.1", free_port())],
                     pass_fd=theirs.fileno())
    code, _, err = run_inner(impl, spec, pass_fds=(theirs.fileno(),))
    theirs.close()
    assert code == 3 and b"cannot hand the proxy listener" in err and not marker.exists()


def test_ipv6_listen_failure_is_skipped_silently(impl, tmp_path, proxy):
    try:
        taken = socket.socket(socket.AF_INET6)
        taken.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with taken:
        taken.listen()
        port = taken.getsockname()[1]
        _, spec = listen_spec(tmp_path, proxy, None, listen=[("127.0.0.1", port), ("::1", port)])
        spec["argv"] = [PY, "-I", "-S", "-c", CLIENT, "127.0.0.1", str(port), "2", "10"]
        code, out, err = run_inner(impl, spec, pass_fds=(proxy.theirs,))
    assert (code, out.split(), err) == (0, [b"2"], b"")


def test_listen_failure_on_ipv4_exits_3(impl, tmp_path, proxy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        marker = tmp_path / "ran"
        _, spec = listen_spec(tmp_path, proxy, ["sh", "-c", f"touch {marker}"], listen=[("127.0.0.1", port)])
        code, _, err = run_inner(impl, spec, pass_fds=(proxy.theirs,))
    assert code == 3 and b"cannot listen on 127.0.0.1" in err and not marker.exists()
    code, _, err = run_inner(impl, spec, pass_fds=(proxy.theirs,))       # control: the port is free again
    assert code == 0 and marker.exists(), err


# ---------------------------------------------------------------- go, mounts, capabilities

def test_waits_for_go_and_refuses_without_it(impl, tmp_path):
    marker = tmp_path / "ran"
    r, w = os.pipe()
    os.write(w, b"1")
    os.close(w)
    spec = make_spec(tmp_path, ["sh", "-c", f"touch {marker}"], go_fd=r)
    assert run_inner(impl, spec, pass_fds=(r,))[0] == 0 and marker.exists()   # positive control
    os.close(r)
    marker.unlink()
    r, w = os.pipe()
    os.close(w)                                       # the launcher died: EOF, never "1"
    code, _, err = run_inner(impl, make_spec(tmp_path, ["sh", "-c", f"touch {marker}"], go_fd=r), pass_fds=(r,))
    os.close(r)
    assert code == 3 and b"placeholders were ready" in err and not marker.exists()


CAPS = "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"
PROBE = ("for f in stub.file stub.dir/x denied.file; do (echo x >> $f) 2>/dev/null && echo wrote-$f; done; "
         "cat denied.file 2>/dev/null && echo read-denied; cat stub.file && echo read-stub; "
         "echo x > other.file && echo wrote-other; " + CAPS)


@pytest.mark.skipif(os.geteuid() != 0, reason="without bwrap, making mounts needs root (ringfence run covers them)")
def test_mounts_are_made_and_every_capability_is_dropped(impl, tmp_path):
    (tmp_path / "stub.file").touch()
    (tmp_path / "stub.dir").mkdir()
    (tmp_path / "denied.file").write_text("secret\n")
    (tmp_path / "other.file").touch()
    spec = make_spec(tmp_path, ["sh", "-c", PROBE],
                     mounts=[(inner.MOUNT_EMPTY, str(tmp_path / "stub.file")),
                             (inner.MOUNT_DIR, str(tmp_path / "stub.dir")),
                             (inner.MOUNT_DENIED, str(tmp_path / "denied.file"))])
    code, out, err = run_inner(impl, spec)
    assert code == 0, err
    lines = out.decode().split("\n")
    assert "wrote-other" in lines and "read-stub" in lines      # positive controls
    assert not [x for x in lines if x.startswith("wrote-") and x != "wrote-other"]
    assert "read-denied" not in lines
    caps = [x.split()[1] for x in lines if x.startswith("Cap")]
    assert len(caps) == 5 and set(caps) == {"0000000000000000"}
    # nothing propagated out: on the host the files are untouched and unmounted
    assert (tmp_path / "denied.file").read_text() == "secret\n" and (tmp_path / "stub.file").read_text() == ""
    with open("/proc/self/mountinfo") as f:
        assert str(tmp_path) not in f.read()


def test_a_symlinked_placeholder_is_refused(impl, tmp_path):
    (tmp_path / "target").touch()
    (tmp_path / "stub.file").symlink_to(tmp_path / "target")
    marker = tmp_path / "ran"
    spec = make_spec(tmp_path, ["sh", "-c", f"touch {marker}"], mounts=[(inner.MOUNT_EMPTY, str(tmp_path / "stub.file"))])
    code, _, err = run_inner(impl, spec)
    assert code == 3 and not marker.exists()
    if os.geteuid() == 0:
        assert b"symbolic link" in err
        (tmp_path / "stub.file").unlink()
        (tmp_path / "stub.file").touch()                 # control: a plain placeholder is mounted
        code, _, err = run_inner(impl, spec)
        assert code == 0 and marker.exists(), err


# ---------------------------------------------------------------- bytecode

def _load_copy(tmp_path):
    import importlib.util
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
    data = inner.pack_spec(spec)
    fd = os.memfd_create("spec")
    os.write(fd, data)
    try:
        proc = subprocess.run([PY, "-I", "-S", pyc, str(fd)], pass_fds=(fd,), capture_output=True)
    finally:
        os.close(fd)
    assert (proc.returncode, proc.stdout) == (7, b"from pyc\n"), proc.stderr


# ---------------------------------------------------------------- unprivileged, under real bwrap

@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("bwrap"),
                    reason="needs root to become an unprivileged user (setpriv), and bwrap")
def test_unprivileged_user_gets_its_mounts_and_keeps_no_capability(compiled_inner):
    """As an ordinary user, bwrap keeps CAP_SYS_ADMIN for the inner stage only: the mounts
    are made and the command has no capability left (the path a non-root user takes)."""
    import tempfile
    base = tempfile.mkdtemp(dir="/var/tmp")            # not /tmp: bwrap gives the sandbox its own
    try:
        os.chmod(base, 0o755)
        binary = os.path.join(base, "ringfence-inner")
        shutil.copy(compiled_inner, binary)
        proj = os.path.join(base, "proj")
        os.mkdir(proj)
        open(os.path.join(proj, ".bashrc"), "w").close()
        os.mkdir(os.path.join(proj, ".vscode"))
        for p in (proj, os.path.join(proj, ".bashrc"), os.path.join(proj, ".vscode")):
            os.chown(p, 65534, 65534)
        script = ("grep -E '^Cap(Prm|Eff|Bnd|Amb)' /proc/self/status; id -u; "
                  "echo x > .bashrc || echo no-write; touch .vscode/x || echo no-dir; "
                  "echo y > ok.txt && echo control-ok")
        spec = make_spec(proj, ["sh", "-c", script], cwd=proj,
                         landlock=build_rules(["/"], [proj], [], [], inner.landlock_abi()).to_spec(),
                         mounts=[(inner.MOUNT_EMPTY, os.path.join(proj, ".bashrc")),
                                 (inner.MOUNT_DIR, os.path.join(proj, ".vscode"))])
        fd = os.memfd_create("spec")
        os.write(fd, inner.pack_spec(spec))
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                "bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--disable-userns",
                "--die-with-parent", "--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--bind", proj, proj, "--", binary, str(fd)]
        try:
            r = subprocess.run(argv, pass_fds=(fd,), capture_output=True, text=True, timeout=60)
        finally:
            os.close(fd)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.split()
        assert "control-ok" in lines and "no-write" in lines and "no-dir" in lines, r.stdout + r.stderr
        assert "65534" in lines
        caps = [x for x in lines if len(x) == 16 and set(x) <= set("0123456789abcdef")]
        assert caps == ["0000000000000000"] * 4, r.stdout
        assert open(os.path.join(proj, ".bashrc")).read() == ""
    finally:
        shutil.rmtree(base, ignore_errors=True)
