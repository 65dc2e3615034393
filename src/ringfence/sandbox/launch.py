"""The outer stage of `ringfence run`: the only fork/exec of the native sandbox.

  policy -> plan (plan.py) -> bwrap argv (bwrap.py) + inner spec (Landlock rules,
  seccomp BPF, bridge, env, argv) -> stubs created -> proxy and watchdog forked ->
  bwrap exec'd -> wait -> clean up -> the command's exit status.

Nothing here runs the command without the sandbox: any failure before exec is an
error (SandboxError/PolicyError), and the inner stage refuses to exec when Landlock
or seccomp cannot be applied.

Clean-up that survives SIGKILL: stubs (placeholders for protected names that do not
exist yet) and the per-run directory are removed by ringfence at exit, and otherwise
by a watchdog process (own session) that wakes when ringfence's end of a pipe closes,
whatever killed it.
"""
from __future__ import annotations

import os
import _signal as signal
import sys

from ringfence.errors import SandboxError

FORWARD_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
INNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inner.py")
# The inner stage is imported, not run as a script, so its cached bytecode is used (a
# script is compiled from source every time). It imports nothing from ringfence.
INNER_ARGV = [sys.executable, "-I", "-S", "-c",
              f"import sys; sys.path[:0] = [{os.path.dirname(INNER)!r}]; import inner; sys.exit(inner.main(sys.argv))"]


def find_bwrap() -> str:
    for d in ("/usr/bin", "/usr/local/bin", "/bin"):
        p = os.path.join(d, "bwrap")
        if os.access(p, os.X_OK):
            return p
    raise SandboxError("bubblewrap (bwrap) is not installed: the namespace layer cannot be set up",
                       fix="apt-get install bubblewrap (or run `make setup`), then `ringfence doctor`")


def runtime_base() -> str:
    """A private per-user directory for sockets and placeholders (never the project)."""
    from ringfence.sandbox.compiled import runtime_base_path
    base = runtime_base_path()
    try:
        os.mkdir(base, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(base)
    import stat as _stat
    if not _stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise SandboxError(f"{base} is not a private directory owned by you",
                           fix=f"remove it (rm -rf {base}) and run again")
    for name, mode in (("denied", 0o000), ("empty", 0o444)):
        p = os.path.join(base, name)
        if not os.path.exists(p):
            fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, mode)
            os.close(fd)
        os.chmod(p, mode)
    return base


# ---------------------------------------------------------------- stubs

def create_stubs(stubs) -> list[tuple[str, str, int, int, int]]:
    """Create the placeholders the plan needs; never clobbers anything (O_EXCL / mkdir)."""
    made = []
    path = ""
    try:
        for path, kind in stubs:
            if kind == "dir":
                os.mkdir(path, 0o755)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o644))
            st = os.lstat(path)
            made.append((path, kind, st.st_dev, st.st_ino, st.st_ctime_ns))
    except FileExistsError:
        remove_stubs(made)
        raise SandboxError(f"{path} appeared while the sandbox was being prepared", fix="run again") from None
    except OSError as e:
        remove_stubs(made)
        raise SandboxError(f"cannot create a placeholder at {path}: {e.strerror}",
                           fix="check the project directory is writable") from None
    return made


def remove_stubs(made) -> None:
    """Remove our placeholders, only if they are still ours and still empty."""
    for path, kind, dev, ino, ctime in reversed(made):
        try:
            st = os.lstat(path)
            if (st.st_dev, st.st_ino, st.st_ctime_ns) != (dev, ino, ctime):
                continue
            if kind == "dir":
                os.rmdir(path)          # fails (and keeps it) if anything is inside
            elif st.st_size == 0:
                os.unlink(path)
        except OSError:
            pass


def _rmtree(path: str) -> None:
    try:
        for n in os.listdir(path):
            try:
                os.unlink(os.path.join(path, n))
            except OSError:
                pass
        os.rmdir(path)
    except OSError:
        pass


def start_watchdog(made, run_dir: str, death_r: int) -> int:
    """Fork a process that cleans up once ringfence is gone, however it ended."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(s, signal.SIG_IGN)
        os.closerange(3, death_r)
        os.closerange(death_r + 1, 65536)
        fd = os.open("/dev/null", os.O_RDWR)
        for i in (0, 1, 2):
            os.dup2(fd, i)
        # ringfence writes "x" once it has cleaned up itself; EOF alone means it died
        if os.read(death_r, 1) == b"":
            remove_stubs(made)
            _rmtree(run_dir)
    finally:
        os._exit(0)


# ---------------------------------------------------------------- proxy

def start_proxy(net: dict, sock_path: str, sandbox_id: str, death_r: int, death_w: int) -> int:
    """Fork the proxy; it imports its machinery only when the first connection comes."""
    import _socket
    lsock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    lsock.bind(sock_path)
    lsock.listen(4096)
    launcher = os.getpid()
    pid = os.fork()
    if pid:
        lsock.close()
        return pid
    code = 0
    try:
        os.close(death_w)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        import select
        ready, _, _ = select.select([lsock.fileno(), death_r], [], [])
        if lsock.fileno() in ready:
            import socket

            from ringfence.policy.model import Item, NetPolicy
            from ringfence.proxy.server import serve_forever
            policy_net = NetPolicy(allowed_domains=tuple(Item(v, s) for v, s in net["allowed"]),
                                   denied_domains=tuple(Item(v, s) for v, s in net["denied"]))
            sock = socket.socket(fileno=lsock.detach())
            serve_forever(sock, policy_net, sandbox_id=sandbox_id, log_path=None, parent_pid=launcher)
    except BaseException as e:  # noqa: BLE001 - the proxy must report, never trace back
        if not isinstance(e, (KeyboardInterrupt, SystemExit)):
            os.write(2, f"ringfence: network proxy failed: {type(e).__name__}: {e}\n".encode())
            code = 1
    finally:
        os._exit(code)


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# ---------------------------------------------------------------- run

def run(policy, argv: list[str], *, network: bool = True, disable: frozenset[str] = frozenset(),
        environ: dict[str, str] | None = None) -> int:
    """Compile and run (the Python API; verify uses ``disable`` for its diagnostic mode)."""
    from ringfence.sandbox.compiled import compile_run
    return run_compiled(compile_run(policy, argv, network=network, disable=disable),
                        os.environ if environ is None else environ)


def run_compiled(c: dict, environ) -> int:
    """Run a compiled run; return the command's exit status (128+N if killed by signal N)."""
    import marshal

    from ringfence.sandbox.compiled import INFO_FD, RUN_DIR, build_env
    bwrap = find_bwrap()
    base = runtime_base()
    sandbox_id = os.urandom(4).hex()
    run_dir = os.path.join(base, sandbox_id)
    os.mkdir(run_dir, 0o700)
    info_r, info_w = os.pipe2(os.O_CLOEXEC)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)   # the inner stage writes "1" once every layer is on
    args = [run_dir if a == RUN_DIR else str(info_w) if a == INFO_FD else a for a in c["args"]]
    spec = dict(c["spec"])
    spec["env"] = build_env(c["env"], environ, sandbox_id)
    args_fd = _memfd("ringfence-bwrap-args", b"\0".join(a.encode() for a in args) + b"\0")
    death_r, death_w = os.pipe2(os.O_CLOEXEC)
    made = create_stubs(c["stubs"])
    start_watchdog(made, run_dir, death_r)
    proxy = start_proxy(c["net"], os.path.join(run_dir, "proxy.sock"), sandbox_id, death_r, death_w) \
        if c["network"] else 0
    os.close(death_r)

    # Ctrl-C and Ctrl-\\ go to the whole foreground process group: ringfence and bwrap
    # ignore them (bwrap dying would kill the sandbox); the command gets them at their
    # default again from the inner stage.
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTTOU)}
    spec["default_signals"] = [s for s in (signal.SIGINT, signal.SIGQUIT)
                               if old[s] in (signal.SIG_DFL, signal.default_int_handler)]
    spec["ready_fd"] = ready_w
    spec_fd = _memfd("ringfence-spec", marshal.dumps(spec))
    for fd in (args_fd, spec_fd, info_w, ready_w):
        os.set_inheritable(fd, True)
    try:   # posix_spawn (vfork) is much cheaper than forking this interpreter
        pid = os.posix_spawn(bwrap, [bwrap, "--args", str(args_fd), "--", *INNER_ARGV, str(spec_fd)], {})
    except OSError as e:
        raise SandboxError(f"cannot start bubblewrap ({bwrap}): {e.strerror}",
                           fix="reinstall bubblewrap; `ringfence doctor` checks it") from None
    finally:
        for fd in (args_fd, spec_fd, info_w, ready_w):
            os.close(fd)

    child = {"pid": 0}

    def forward(signum, _frame):
        if not child["pid"]:
            child["pid"] = _read_child_pid(info_r)
        try:
            os.kill(child["pid"] or pid, signum)
        except ProcessLookupError:
            pass

    for s in FORWARD_SIGNALS:
        signal.signal(s, forward)
    status = 0
    try:
        while True:
            try:
                wpid, st = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if wpid == pid:
                status = os.waitstatus_to_exitcode(st)
                status = 128 - status if status < 0 else status
                os.set_blocking(ready_r, False)
                try:
                    started = os.read(ready_r, 1) == b"1"
                except BlockingIOError:
                    started = False
                if not started and status != 3:
                    sys.stderr.write("ringfence: bubblewrap could not set up the sandbox (its message is above); "
                                     "the command did not run\n  fix: run `ringfence doctor`\n")
                    status = 3
                break
            if proxy and wpid == proxy:
                proxy = 0
                sys.stderr.write("ringfence: the network proxy stopped; the sandbox has no network from now on\n")
    finally:
        for s in FORWARD_SIGNALS:
            signal.signal(s, signal.SIG_DFL)
        for s, h in old.items():
            signal.signal(s, h)
        if proxy:
            try:
                os.kill(proxy, signal.SIGTERM)
                os.waitpid(proxy, 0)
            except OSError:
                pass
        remove_stubs(made)
        _rmtree(run_dir)
        try:
            os.write(death_w, b"x")   # tell the watchdog: cleaned up, nothing to do
        finally:
            os.close(death_w)
        os.close(info_r)
        os.close(ready_r)
    return status


def _read_child_pid(fd: int) -> int:
    """bwrap's --info-fd JSON holds "child-pid": N (parsed without importing json)."""
    try:
        os.set_blocking(fd, False)
        raw = os.read(fd, 4096).decode()
        i = raw.index('"child-pid"')
        return int(raw[i:].split(":", 1)[1].split(",")[0].split("}")[0].strip())
    except (OSError, ValueError):
        return 0
