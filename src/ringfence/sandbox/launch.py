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
import signal
import sys

from ringfence.errors import SandboxError

FORWARD_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
INNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inner.py")


def find_bwrap() -> str:
    for d in ("/usr/bin", "/usr/local/bin", "/bin"):
        p = os.path.join(d, "bwrap")
        if os.access(p, os.X_OK):
            return p
    raise SandboxError("bubblewrap (bwrap) is not installed: the namespace layer cannot be set up",
                       fix="apt-get install bubblewrap (or run `make setup`), then `ringfence doctor`")


def runtime_base() -> str:
    """A private per-user directory for sockets and placeholders (never the project)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    base = os.path.join(xdg, "ringfence") if xdg and os.path.isdir(xdg) else f"/tmp/ringfence-{os.getuid()}"
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

def create_stubs(plan) -> list[tuple[str, str, int, int]]:
    """Create the placeholders the plan needs; never clobbers anything (O_EXCL / mkdir)."""
    made = []
    try:
        for act in plan.actions:
            if act.action != "stub":
                continue
            if act.kind == "dir":
                os.mkdir(act.path, 0o755)
            else:
                os.close(os.open(act.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o644))
            st = os.lstat(act.path)
            made.append((act.path, act.kind, st.st_dev, st.st_ino))
    except FileExistsError:
        remove_stubs(made)
        raise SandboxError(f"{act.path} appeared while the sandbox was being prepared", fix="run again") from None
    except OSError as e:
        remove_stubs(made)
        raise SandboxError(f"cannot create a placeholder at {act.path}: {e.strerror}",
                           fix="check the project directory is writable") from None
    return made


def remove_stubs(made) -> None:
    """Remove our placeholders, only if they are still ours and still empty."""
    for path, kind, dev, ino in reversed(made):
        try:
            st = os.lstat(path)
            if (st.st_dev, st.st_ino) != (dev, ino):
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
        while os.read(death_r, 1):
            pass
        remove_stubs(made)
        _rmtree(run_dir)
    finally:
        os._exit(0)


# ---------------------------------------------------------------- proxy

def start_proxy(policy, sock_path: str, sandbox_id: str, death_r: int, death_w: int) -> int:
    """Fork the proxy; it imports its machinery only when the first connection comes."""
    import _socket
    lsock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    lsock.bind(sock_path)
    lsock.listen(4096)
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

            from ringfence.proxy.server import serve_forever
            sock = socket.socket(fileno=lsock.detach())
            serve_forever(sock, policy.net, sandbox_id=sandbox_id, log_path=None, death_fd=death_r)
    except BaseException as e:  # noqa: BLE001 - the proxy must report, never trace back
        if not isinstance(e, (KeyboardInterrupt, SystemExit)):
            os.write(2, f"ringfence: network proxy failed: {type(e).__name__}: {e}\n".encode())
            code = 1
    finally:
        os._exit(code)


# ---------------------------------------------------------------- inner spec

def inner_spec(plan, policy, *, disable: frozenset[str] = frozenset()) -> dict:
    from ringfence.sandbox.landlock import build_rules, landlock_abi
    from ringfence.sandbox.seccomp import SeccompOptions, compile_filter
    from ringfence.sandbox.plan import INNER_SOCK_DIR, PROXY_PORT
    spec: dict = {"argv": plan.argv, "env": plan.env, "cwd": plan.cwd}
    if "landlock" not in disable:
        abi = landlock_abi()
        if abi < 1:
            raise SandboxError("Landlock is not available in this kernel: file rules cannot be enforced by inode",
                               fix="use a kernel >= 5.13 with CONFIG_SECURITY_LANDLOCK=y and 'landlock' in the lsm= boot list")
        write_roots = list(plan.write_roots) + ["/tmp", "/var/tmp", "/dev/shm"]
        rules = build_rules(["/"], write_roots, plan.hidden, plan.readable, abi)
        spec["landlock"] = {"abi_min": 1, "handled": rules.handled, "rules": rules.rules}
    if "seccomp" not in disable:
        spec["seccomp"] = compile_filter(SeccompOptions(block_socketpair=policy.sandbox.block_socketpair))
    if plan.network:
        spec["bridge"] = {"listen": [["127.0.0.1", PROXY_PORT], ["::1", PROXY_PORT]],
                          "unix": f"{INNER_SOCK_DIR}/proxy.sock"}
    return spec


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# ---------------------------------------------------------------- run

def run(policy, argv: list[str], *, network: bool = True, disable: frozenset[str] = frozenset(),
        environ: dict[str, str] | None = None) -> int:
    """Run ``argv`` in the sandbox; return its exit status (128+N if killed by signal N)."""
    import marshal

    from ringfence.sandbox.bwrap import bwrap_args
    from ringfence.sandbox.plan import build_plan
    bwrap = find_bwrap()
    base = runtime_base()
    sandbox_id = os.urandom(4).hex()
    run_dir = os.path.join(base, sandbox_id)
    os.mkdir(run_dir, 0o700)
    plan = build_plan(policy, argv, dict(os.environ if environ is None else environ),
                      sandbox_id=sandbox_id, proxy_dir=run_dir if network else None, network=network)
    spec = inner_spec(plan, policy, disable=disable)
    info_r, info_w = os.pipe2(os.O_CLOEXEC)
    args = bwrap_args(plan, denied_file=os.path.join(base, "denied"), empty_file=os.path.join(base, "empty"),
                      info_fd=info_w, disable=disable)
    args_fd = _memfd("ringfence-bwrap-args", b"\0".join(a.encode() for a in args) + b"\0")
    spec_fd = _memfd("ringfence-spec", marshal.dumps(spec))
    death_r, death_w = os.pipe2(os.O_CLOEXEC)
    made = create_stubs(plan)
    watchdog = start_watchdog(made, run_dir, death_r)
    proxy = start_proxy(policy, os.path.join(run_dir, "proxy.sock"), sandbox_id, death_r, death_w) if network else 0
    os.close(death_r)

    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTTOU)}
    pid = os.fork()
    if pid == 0:
        try:
            for s in (signal.SIGINT, signal.SIGTTOU):
                signal.signal(s, signal.SIG_DFL)
            for fd in (args_fd, spec_fd, info_w):
                os.set_inheritable(fd, True)
            os.execv(bwrap, [bwrap, "--args", str(args_fd), "--", sys.executable, "-I", "-S", INNER, str(spec_fd)])
        except BaseException as e:  # noqa: BLE001
            os.write(2, f"ringfence: cannot start bubblewrap: {e}\n".encode())
        os._exit(127)
    for fd in (args_fd, spec_fd, info_w):
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
        os.close(death_w)   # the watchdog finds nothing left to do and exits
        os.close(info_r)
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
