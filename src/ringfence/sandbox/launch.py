"""The outer stage of `ringfence run`: the only fork/exec of the native sandbox.

  policy -> plan (plan.py) -> bwrap argv (bwrap.py) + inner spec (Landlock rules,
  seccomp BPF, proxy addresses, env, argv) -> stubs created -> proxy and watchdog
  forked -> bwrap started with the inner stage -> wait -> clean up -> the command's
  exit status.

Nothing here runs the command without the sandbox: any failure before exec is an
error (SandboxError/PolicyError), and the inner stage refuses to exec when Landlock
or seccomp cannot be applied.

The network: the inner stage listens on the proxy's addresses inside the sandbox's own
network namespace and hands the listening sockets over a socketpair to the proxy
process forked here, which accepts on them from the host side (no relay in the sandbox,
no socket of the host mounted in). The proxy holds the only copy: when it dies, every
connection is refused.

Clean-up that survives SIGKILL: stubs (placeholders for protected names that do not
exist yet) are removed by ringfence at exit, and otherwise by a watchdog process (own
session) that wakes when ringfence's end of a pipe closes, whatever killed it.
"""
from __future__ import annotations

import os
import _signal as signal
import sys

from ringfence.errors import SandboxError

FORWARD_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
HERE = os.path.dirname(os.path.abspath(__file__))
INNER_C = os.path.join(HERE, "inner.c")
INNER_BIN = os.path.join(HERE, "ringfence-inner")     # built from inner.c by `make`
# The Python inner stage is imported, not run as a script, so its cached bytecode is
# used (a script is compiled from source every time). It imports nothing from ringfence.
INNER_PY = [sys.executable, "-I", "-S", "-c",
            f"import sys; sys.path[:0] = [{HERE!r}]; import inner; sys.exit(inner.main(sys.argv))"]


def inner_argv() -> list[str]:
    """The compiled inner stage when it is built and not older than its source, else the
    Python one (same spec, same checks; the compiled one starts ~20 ms sooner)."""
    try:
        built = os.stat(INNER_BIN)
        if os.access(INNER_BIN, os.X_OK) and built.st_mtime_ns >= os.stat(INNER_C).st_mtime_ns:
            return [INNER_BIN]
    except OSError:
        pass
    return INNER_PY


def find_bwrap() -> str:
    for d in ("/usr/bin", "/usr/local/bin", "/bin"):
        p = os.path.join(d, "bwrap")
        if os.access(p, os.X_OK):
            return p
    raise SandboxError("bubblewrap (bwrap) is not installed: the namespace layer cannot be set up",
                       fix="apt-get install bubblewrap (or run `make setup`), then `ringfence doctor`")


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


def start_watchdog(made, death_r: int) -> int:
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
    finally:
        os._exit(0)


# ---------------------------------------------------------------- proxy

def start_proxy(net: dict, carrier: int, sandbox_id: str, death_r: int, death_w: int) -> int:
    """Fork the proxy. It waits for the inner stage's listening sockets on ``carrier``,
    then imports its machinery only when the first connection comes. A sandbox that
    ends before handing them over means EOF (the launcher has closed the other end)."""
    launcher = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        os.close(death_w)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Only _socket and select until a connection comes: importing socket (enum,
        # selectors, ...) costs ~10 ms of CPU that the sandbox's start-up needs.
        import _socket
        import select
        fds = []
        ready, _, _ = select.select([carrier, death_r], [], [])
        if carrier in ready:
            c = _socket.socket(fileno=carrier)
            try:
                _, ancillary, _, _ = c.recvmsg(1, _socket.CMSG_SPACE(4 * 8))
            finally:
                c.close()
            for level, kind, data in ancillary:
                if (level, kind) == (_socket.SOL_SOCKET, _socket.SCM_RIGHTS):
                    fds += [int.from_bytes(data[i:i + 4], sys.byteorder) for i in range(0, len(data) - 3, 4)]
        if not fds:
            return                       # the sandbox never got that far, or ringfence is done
        ready, _, _ = select.select(fds + [death_r], [], [])
        if ready == [death_r]:
            return
        import socket
        listeners = [socket.socket(fileno=fd) for fd in fds]
        from ringfence.policy.model import Item, NetPolicy
        from ringfence.proxy.server import serve_forever
        policy_net = NetPolicy(allowed_domains=tuple(Item(v, s) for v, s in net["allowed"]),
                               denied_domains=tuple(Item(v, s) for v, s in net["denied"]))
        serve_forever(listeners, policy_net, sandbox_id=sandbox_id, log_path=None, parent_pid=launcher)
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
    """Run a compiled run; return the command's exit status (128+N if killed by signal N).

    bwrap starts first; the watchdog, the host placeholders and the proxy are made while
    it sets up its namespaces, and the inner stage waits for the placeholders (go pipe)
    before it mounts over them.
    """
    from ringfence.sandbox.compiled import INFO_FD, build_env
    from ringfence.sandbox.inner import pack_spec
    bwrap = find_bwrap()
    sandbox_id = os.urandom(4).hex()
    info_r, info_w = os.pipe2(os.O_CLOEXEC)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)   # the inner stage writes "1" once every layer is on
    go_r, go_w = os.pipe2(os.O_CLOEXEC)         # we write "1" once the placeholders exist
    death_r, death_w = os.pipe2(os.O_CLOEXEC)   # the watchdog's and the proxy's view of us
    args = [str(info_w) if a == INFO_FD else a for a in c["args"]]
    spec = dict(c["spec"])
    spec["env"] = build_env(c["env"], environ, sandbox_id)
    args_fd = _memfd("ringfence-bwrap-args", b"\0".join(a.encode() for a in args) + b"\0")
    handed = [args_fd, info_w, ready_w, go_r]
    carrier = -1                                # our end of the socketpair the listeners come through
    if c["network"]:
        import _socket
        ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        carrier, spec["pass_fd"] = ours.detach(), theirs.detach()
        handed.append(spec["pass_fd"])
    spec["go_fd"] = go_r

    # Ctrl-C and Ctrl-\\ go to the whole foreground process group: ringfence and bwrap
    # ignore them (bwrap dying would kill the sandbox); the command gets them at their
    # default again from the inner stage, with SIGPIPE and SIGXFSZ (Python ignores those).
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTTOU)}
    spec["default_signals"] = [signal.SIGPIPE, signal.SIGXFSZ] + [
        s for s in (signal.SIGINT, signal.SIGQUIT) if old[s] in (signal.SIG_DFL, signal.default_int_handler)]
    spec["ready_fd"] = ready_w
    spec_fd = _memfd("ringfence-spec", pack_spec(spec))
    handed.append(spec_fd)
    for fd in handed:
        os.set_inheritable(fd, True)
    try:   # posix_spawn (vfork) is much cheaper than forking this interpreter
        pid = os.posix_spawn(bwrap, [bwrap, "--args", str(args_fd), "--", *inner_argv(), str(spec_fd)], {})
    except OSError as e:
        for s, h in old.items():
            signal.signal(s, h)
        raise SandboxError(f"cannot start bubblewrap ({bwrap}): {e.strerror}",
                           fix="reinstall bubblewrap; `ringfence doctor` checks it") from None
    finally:
        for fd in handed:
            os.close(fd)
    made: list = []
    proxy = 0
    try:
        made = create_stubs(c["stubs"])
        start_watchdog(made, death_r)
        try:
            os.write(go_w, b"1")
        except BrokenPipeError:
            pass                            # bwrap failed already: the wait below reports it
        os.close(go_w)
        go_w = -1
        if c["network"]:
            proxy = start_proxy(c["net"], carrier, sandbox_id, death_r, death_w)
    except BaseException:
        # Nothing may run half set up: without "1" on go the inner stage refuses; the
        # sandbox is killed either way, and our placeholders go.
        if go_w >= 0:
            os.close(go_w)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        remove_stubs(made)
        for s, h in old.items():
            signal.signal(s, h)
        raise
    finally:
        if carrier >= 0:
            os.close(carrier)
        os.close(death_r)

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
