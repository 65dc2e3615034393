"""The inner stage of `ringfence run`: the last code that runs before the command.

bwrap starts ``<python> -I -S inner.py FD``. FD holds a ``marshal``-serialized dict, the
*inner spec*, computed by the outer ringfence process:

  argv      list[str]   the command (PATH lookup uses the spec env's PATH, like execvpe)
  env       dict        the command's complete environment
  cwd       str         its working directory
  landlock  dict        {"abi_min": int, "handled": int, "rules": [(path, access), ...]}
  seccomp   bytes       a compiled classic-BPF program (seccomp.py)
  bridge    None | {"listen": [[host, port], ...], "unix": path of the host proxy's socket}

Order: read and close FD -> listen and fork the bridge -> no_new_privs -> Landlock ->
seccomp -> chdir -> close every fd above 2 -> execve. Anything that cannot be set up
ends with ``ringfence: <cause>`` and a fix line on stderr and exit status 3, and the
command is never executed: there is no fallback to less protection. An exec failure
exits 127 (not found) or 126 (anything else).

The bridge is the sandbox's only way out (bwrap unshares the network): a forked process
that accepts TCP on the listen addresses and relays each connection, both ways with
half-close, to a fresh connection to the host proxy's unix socket (bind-mounted in).
It uses one thread per direction: no fork per connection, and ``os.splice`` moves the
bytes inside the kernel with the GIL released, so hundreds of connections and full
throughput cost little. It is non-dumpable, holds none of the command's fds, confines
itself with a Landlock ruleset that grants nothing, is not the command's child (it is
reparented to the sandbox's pid 1), exits when the command exits (pidfd) and never execs. A proxy that cannot be reached means the TCP
connection is closed at once: no network, never another route.

This file is a self-contained script: stdlib only, never the ringfence package (there
is no site-packages under -I -S), and it imports little because it runs on every
`ringfence run` (ctypes only where a syscall is made). The outer imports it as
``ringfence.sandbox.inner`` for its constants and ``landlock_abi()``.
"""
import marshal
import os
import stat
import sys

# ---------------------------------------------------------------- kernel constants

# Syscall numbers shared by x86_64 and aarch64 (the unified table from 403 on).
SYS_CLOSE_RANGE = 436
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446

LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

# include/uapi/linux/landlock.h: filesystem access rights.
ACCESS_FS_EXECUTE = 1 << 0
ACCESS_FS_WRITE_FILE = 1 << 1
ACCESS_FS_READ_FILE = 1 << 2
ACCESS_FS_READ_DIR = 1 << 3
ACCESS_FS_REMOVE_DIR = 1 << 4
ACCESS_FS_REMOVE_FILE = 1 << 5
ACCESS_FS_MAKE_CHAR = 1 << 6
ACCESS_FS_MAKE_DIR = 1 << 7
ACCESS_FS_MAKE_REG = 1 << 8
ACCESS_FS_MAKE_SOCK = 1 << 9
ACCESS_FS_MAKE_FIFO = 1 << 10
ACCESS_FS_MAKE_BLOCK = 1 << 11
ACCESS_FS_MAKE_SYM = 1 << 12
ACCESS_FS_REFER = 1 << 13        # ABI 2
ACCESS_FS_TRUNCATE = 1 << 14     # ABI 3
ACCESS_FS_IOCTL_DEV = 1 << 15    # ABI 5

# Rights that make sense on a file; the others only on a directory (EINVAL on a file).
ACCESS_FS_FILE = (ACCESS_FS_EXECUTE | ACCESS_FS_WRITE_FILE | ACCESS_FS_READ_FILE
                  | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV)

# The filesystem rights each Landlock ABI added (ABIs 4, 6 and 7 added none).
_FS_RIGHTS_BY_ABI = ((1, (1 << 13) - 1), (2, ACCESS_FS_REFER), (3, ACCESS_FS_TRUNCATE),
                     (5, ACCESS_FS_IOCTL_DEV))

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
BPF_MAXINSNS = 4096

EXIT_SETUP = 3
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

MAX_SPEC_BYTES = 64 << 20
LISTEN_BACKLOG = 4096
RELAY_CHUNK = 1 << 16


class InnerError(Exception):
    """A layer could not be set up: the command must not run."""

    def __init__(self, cause: str, fix: str):
        super().__init__(cause)
        self.cause, self.fix = cause, fix


def handled_access_fs(abi: int) -> int:
    """Every filesystem right the given Landlock ABI knows (what a ruleset should handle)."""
    return sum(bits for since, bits in _FS_RIGHTS_BY_ABI if abi >= since)


def abi_for_access(access: int) -> int:
    """The lowest Landlock ABI that knows every right in ``access``."""
    need = 1
    for since, bits in _FS_RIGHTS_BY_ABI:
        if access & bits:
            need = since
    return need


# ---------------------------------------------------------------- syscalls (ctypes)

class _Api:
    """ctypes, loaded on first use: libc and the kernel structs passed by pointer."""
    loaded = False

    @classmethod
    def get(cls):
        if not cls.loaded:
            import ctypes

            class PathBeneathAttr(ctypes.Structure):    # struct landlock_path_beneath_attr
                _pack_ = 1
                _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

            class SockFprog(ctypes.Structure):          # struct sock_fprog
                _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            libc.prctl.restype = ctypes.c_int
            cls.ctypes, cls.libc = ctypes, libc
            cls.PathBeneathAttr, cls.SockFprog = PathBeneathAttr, SockFprog
            cls.loaded = True
        return cls


def _syscall(nr: int, *args) -> int:
    """syscall(2) with every integer passed as a full 64-bit long; OSError on failure."""
    api = _Api.get()
    c_long = api.ctypes.c_long
    ret = api.libc.syscall(c_long(nr), *[c_long(a) if isinstance(a, int) else a for a in args])
    if ret < 0:
        err = api.ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def _prctl(option: int, arg2, arg3=0, *, what: str) -> None:
    api = _Api.get()
    c_ulong = api.ctypes.c_ulong
    args = [c_ulong(a) if isinstance(a, int) else a for a in (arg2, arg3, 0, 0)]
    if api.libc.prctl(api.ctypes.c_int(option), *args) != 0:
        err = api.ctypes.get_errno()
        raise InnerError(f"prctl({what}) failed: {os.strerror(err)}",
                         fix="the kernel or a container's seccomp profile refuses it; run `ringfence doctor`")


def no_new_privs() -> None:
    """PR_SET_NO_NEW_PRIVS: no privilege gain on exec; required for Landlock and seccomp."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")


# ---------------------------------------------------------------- Landlock

def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    except OSError:
        return 0


def _landlock_ruleset(handled: int) -> int:
    ctypes = _Api.get().ctypes
    attr = ctypes.c_uint64(handled)     # struct landlock_ruleset_attr up to handled_access_fs
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    except OSError as e:
        raise InnerError(f"Landlock refused the ruleset (handled access {handled:#x}): {e.strerror}",
                         fix="run `ringfence doctor` and report this with its output") from None


def _landlock_add_path(ruleset: int, path: str, access: int) -> None:
    """Add one path-beneath rule. A path missing in the sandbox gets no rule: less access."""
    api = _Api.get()
    try:
        # O_NOFOLLOW: a rule never follows a final symlink to somewhere else.
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISLNK(mode):
            return
        if not stat.S_ISDIR(mode):
            access &= ACCESS_FS_FILE
        if not access:
            return
        attr = api.PathBeneathAttr(access, fd)
        try:
            _syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, api.ctypes.byref(attr), 0)
        except OSError as e:
            raise InnerError(f"Landlock refused the rule for {path} (access {access:#x}): {e.strerror}",
                             fix="run `ringfence doctor` and report this with its output") from None
    finally:
        os.close(fd)


def restrict_landlock(handled: int, rules) -> None:
    """Create a ruleset handling ``handled``, add ``rules`` and restrict this thread."""
    ruleset = _landlock_ruleset(handled)
    try:
        for path, access in rules:
            _landlock_add_path(ruleset, path, access)
        try:
            _syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)
        except OSError as e:
            raise InnerError(f"Landlock could not restrict the process: {e.strerror}",
                             fix="no_new_privs must be set first; run `ringfence doctor`") from None
    finally:
        os.close(ruleset)


def apply_landlock(spec: dict) -> None:
    """Apply the spec's "landlock" entry (needs no_new_privs first).

    Raises InnerError when Landlock is missing, older than ``abi_min`` or refuses anything.
    """
    abi = landlock_abi()
    if abi == 0:
        raise InnerError("Landlock is not available in this kernel, so file access cannot be confined",
                         fix="use Linux >= 5.13 with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y, "
                             "'landlock' in the lsm= boot parameter); check with `ringfence doctor`")
    if abi < spec["abi_min"]:
        raise InnerError(f"the policy needs Landlock ABI {spec['abi_min']} but this kernel has ABI {abi}",
                         fix="upgrade the kernel; `ringfence doctor` shows the ABI it finds")
    restrict_landlock(spec["handled"], spec["rules"])


# ---------------------------------------------------------------- seccomp

def apply_seccomp(program: bytes) -> None:
    """Install a classic-BPF seccomp filter (needs no_new_privs first)."""
    api = _Api.get()
    count, rest = divmod(len(program), 8)
    if rest or not 0 < count <= BPF_MAXINSNS:
        raise InnerError(f"the seccomp program is malformed ({len(program)} bytes)",
                         fix="this is a bug in ringfence; please report it")
    buf = api.ctypes.create_string_buffer(program, len(program))
    prog = api.SockFprog(count, api.ctypes.cast(buf, api.ctypes.c_void_p))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, api.ctypes.byref(prog), what="PR_SET_SECCOMP")


# ---------------------------------------------------------------- proxy bridge

def open_listeners(listen) -> list:
    """Listen on each (host, port) now, so the command never waits for readiness.

    An IPv6 address that cannot be used (no IPv6 in this sandbox) is skipped; an IPv4
    one is an InnerError.
    """
    import _socket
    listeners = []
    for host, port in listen:
        family = _socket.AF_INET6 if ":" in host else _socket.AF_INET
        sock = None
        try:
            sock = _socket.socket(family, _socket.SOCK_STREAM)
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            if family == _socket.AF_INET6:
                sock.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 1)
            sock.bind((host, port))
            sock.listen(LISTEN_BACKLOG)
        except OSError as e:
            if sock is not None:
                sock.close()
            if family == _socket.AF_INET6:
                continue
            for s in listeners:
                s.close()
            raise InnerError(f"cannot listen on {host}:{port} for the proxy bridge: {e.strerror}",
                             fix="something else in the sandbox holds that port; report this") from None
        listeners.append(sock)
    if not listeners:
        raise InnerError("the proxy bridge could not listen on any of its addresses",
                         fix="give the bridge an IPv4 address such as 127.0.0.1")
    return listeners


def start_bridge(listeners: list, unix_path: str) -> int:
    """Fork the bridge process and return the pid of the (already reaped) intermediate.

    The bridge is a grandchild: it is reparented to the sandbox's pid 1, so the command
    never sees it as a child (a ``wait(-1)`` loop in the command is not held up by it).
    It exits when the command exits (it watches a pidfd of the command), and the pid
    namespace takes it down with everything else when the sandbox ends.
    """
    # Load ctypes and resource before the fork, once: the child then has little to do
    # while the command starts on the same CPUs.
    import resource  # noqa: F401
    import select  # noqa: F401
    _Api.get()
    try:
        pidfd = os.pidfd_open(os.getpid())
        pid = os.fork()
    except OSError as e:
        raise InnerError(f"cannot start the proxy bridge: {e.strerror}",
                         fix="the sandbox may have hit a process limit; run `ringfence doctor`") from None
    if pid == 0:
        try:
            if os.fork() != 0:
                os._exit(0)
            _bridge_main(listeners, unix_path, pidfd)
        except InnerError as e:
            _say(f"ringfence: proxy bridge: {e.cause}; the sandbox has no network\n")
        except OSError:
            pass
        finally:
            os._exit(1)
    os.close(pidfd)
    os.waitpid(pid, 0)
    return pid


def _watch_command(pidfd: int) -> None:
    """Exit the bridge as soon as the command has exited."""
    import select
    try:
        select.select([pidfd], [], [])
    finally:
        os._exit(0)


def _bridge_main(listeners: list, unix_path: str, pidfd: int) -> None:
    import _socket  # noqa: F401  (everything the relay uses is loaded before Landlock)
    import _thread
    import errno  # noqa: F401
    import resource
    import time  # noqa: F401
    _prctl(PR_SET_DUMPABLE, 0, what="PR_SET_DUMPABLE")    # no ptrace, no /proc/<pid>/mem or fd
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:                                 # 500 connections need about 3000 fds
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (OSError, ValueError):
        pass
    null = os.open("/dev/null", os.O_RDWR)
    # Confine the bridge itself: every filesystem right handled, none granted. It only
    # needs connect() to the proxy socket, which Landlock's filesystem rights leave alone.
    abi = landlock_abi()
    if abi:
        no_new_privs()
        restrict_landlock(handled_access_fs(abi), ())
    for fd in (0, 1, 2):                 # never hold the command's stdio
        os.dup2(null, fd)
    close_fds(keep=[s.fileno() for s in listeners] + [pidfd])
    _thread.stack_size(256 << 10)
    _thread.start_new_thread(_watch_command, (pidfd,))
    for sock in listeners[1:]:
        _thread.start_new_thread(_accept_loop, (sock, unix_path))
    _accept_loop(listeners[0], unix_path)


def _accept_loop(listener, unix_path: str) -> None:
    import _thread
    import errno
    import time
    while True:
        try:
            fd, _ = listener._accept()
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                time.sleep(0.05)         # out of fds or memory: let connections finish
            elif e.errno != errno.ECONNABORTED:
                raise
            continue
        try:
            _thread.start_new_thread(_serve, (fd, unix_path))
        except RuntimeError:
            os.close(fd)


def _serve(fd: int, unix_path: str) -> None:
    """Relay one accepted TCP connection to a fresh connection to the proxy socket."""
    import _socket
    import _thread
    tcp = _socket.socket(fileno=fd)
    try:
        proxy = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        tcp.close()
        return
    try:
        proxy.connect(unix_path)
    except OSError:                      # proxy gone: no network, never another route
        proxy.close()
        tcp.close()
        return
    pending = [2]
    lock = _thread.allocate_lock()

    def one_way(src, dst):
        _relay(src, dst)
        with lock:
            pending[0] -= 1
            last = pending[0] == 0
        if last:
            tcp.close()
            proxy.close()

    try:
        _thread.start_new_thread(one_way, (proxy, tcp))
    except RuntimeError:
        tcp.close()
        proxy.close()
        return
    one_way(tcp, proxy)


def _relay(src, dst) -> None:
    """Copy src to dst until EOF, then half-close dst; an error ends both directions."""
    import _socket
    try:
        if not _relay_splice(src.fileno(), dst.fileno()):
            while True:
                data = src.recv(RELAY_CHUNK)
                if not data:
                    break
                dst.sendall(data)
        dst.shutdown(_socket.SHUT_WR)
    except OSError:
        for sock in (src, dst):
            try:
                sock.shutdown(_socket.SHUT_RDWR)
            except OSError:
                pass


def _relay_splice(src: int, dst: int) -> bool:
    """Move bytes src -> pipe -> dst in the kernel; False when splice cannot be used here."""
    import errno
    try:
        r, w = os.pipe()
    except OSError:
        return False
    try:
        first = True
        while True:
            try:
                n = os.splice(src, w, RELAY_CHUNK, flags=os.SPLICE_F_MOVE)
            except OSError as e:
                if first and e.errno == errno.EINVAL:
                    return False
                raise
            first = False
            if n == 0:
                return True
            while n:
                n -= os.splice(r, dst, n, flags=os.SPLICE_F_MOVE)
    finally:
        os.close(r)
        os.close(w)


# ---------------------------------------------------------------- the spec, fds, exec

def read_spec(fd: int) -> dict:
    """Read the marshal-serialized spec from fd (a pipe or a memfd), close fd, check it."""
    try:
        try:
            os.lseek(fd, 0, os.SEEK_SET)     # a memfd may still sit at its end
        except OSError:
            pass                             # a pipe
        chunks, size = [], 0
        try:
            while chunk := os.read(fd, 1 << 16):
                size += len(chunk)
                if size > MAX_SPEC_BYTES:
                    raise ValueError(f"larger than {MAX_SPEC_BYTES} bytes")
                chunks.append(chunk)
        finally:
            os.close(fd)
        spec = marshal.loads(b"".join(chunks))
        check_spec(spec)
    except (OSError, ValueError, EOFError, TypeError, KeyError) as e:
        raise InnerError(f"cannot read the sandbox spec from fd {fd}: {e}",
                         fix="inner.py is started by `ringfence run`, not by hand") from None
    return spec


def check_spec(spec) -> None:
    """Raise ValueError unless ``spec`` has every key with the right types."""
    def want(ok, what):
        if not ok:
            raise ValueError(f"bad {what}")

    def strs(xs):
        return isinstance(xs, (list, tuple)) and all(isinstance(x, str) for x in xs)

    want(isinstance(spec, dict), "spec (not a dict)")
    want(strs(spec["argv"]) and spec["argv"], "argv")
    env = spec["env"]
    want(isinstance(env, dict) and strs(list(env)) and strs(list(env.values())), "env")
    want(isinstance(spec["cwd"], str), "cwd")
    ll = spec["landlock"]
    want(isinstance(ll, dict) and isinstance(ll["abi_min"], int) and isinstance(ll["handled"], int)
         and all(isinstance(p, str) and isinstance(a, int) for p, a in ll["rules"]), "landlock")
    want(isinstance(spec["seccomp"], bytes), "seccomp")
    bridge = spec["bridge"]
    want(bridge is None or (isinstance(bridge["unix"], str) and all(
        isinstance(h, str) and isinstance(p, int) for h, p in bridge["listen"])), "bridge")


def close_fds(keep=()) -> None:
    """Close every fd above 2 except those in ``keep``."""
    low = 3
    for fd in sorted(set(keep)) + [0xFFFFFFFF + 1]:
        if fd > low:
            try:
                _syscall(SYS_CLOSE_RANGE, low, fd - 1, 0)
            except OSError:              # kernel < 5.9
                for name in os.listdir("/proc/self/fd"):
                    if low <= int(name) < fd:
                        try:
                            os.close(int(name))
                        except OSError:
                            pass
        low = fd + 1


def exec_command(argv: list, env: dict) -> int:
    """execve argv[0], searched in the env's PATH when it has no slash; returns only on failure."""
    import errno
    name = argv[0]
    if "/" in name:
        candidates = [name]
    else:
        path = env.get("PATH", os.defpath)
        candidates = [os.path.join(d or ".", name) for d in path.split(":")]
    error = None
    for candidate in candidates:
        try:
            os.execve(candidate, argv, env)
        except (OSError, ValueError) as e:
            # Like execvp: keep looking after "not here", but report a real error first.
            if error is None or getattr(error, "errno", None) in (errno.ENOENT, errno.ENOTDIR):
                error = e
    missing = getattr(error, "errno", None) in (errno.ENOENT, errno.ENOTDIR)
    reason = error.strerror if isinstance(error, OSError) else str(error)
    _say(f"ringfence: cannot execute {name}: {reason}\n")
    return EXIT_NOT_FOUND if missing else EXIT_CANNOT_EXECUTE


def _say(text: str) -> None:
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass


def main(argv: list) -> int:
    import _signal
    try:
        if len(argv) != 2 or not argv[1].isdigit():
            raise InnerError("usage: inner.py FD", fix="inner.py is started by `ringfence run`, not by hand")
        spec = read_spec(int(argv[1]))
        bridge = spec["bridge"]
        if bridge:
            listeners = open_listeners(bridge["listen"])
            start_bridge(listeners, bridge["unix"])
            for sock in listeners:
                sock.close()
        no_new_privs()
        apply_landlock(spec["landlock"])
        apply_seccomp(spec["seccomp"])
        try:
            os.chdir(spec["cwd"])
        except OSError as e:
            raise InnerError(f"cannot enter the working directory {spec['cwd']}: {e.strerror}",
                             fix="run from a directory the sandbox policy makes visible") from None
        ready = spec.get("ready_fd")
        if ready is not None:            # tell the launcher every layer is in place
            try:
                os.write(ready, b"1")
            except OSError:
                pass
        close_fds()
    except InnerError as e:
        _say(f"ringfence: {e.cause}\n  fix: {e.fix}\n")
        return EXIT_SETUP
    except Exception as e:  # noqa: BLE001 - a bug must still end in a refusal, not a run
        _say(f"ringfence: internal error in the sandbox's inner stage: {type(e).__name__}: {e}\n"
             "  fix: this is a bug in ringfence; please report it\n")
        return EXIT_SETUP
    # Python ignores these; an ignored signal stays ignored across exec.
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)
    # The launcher ignores these in bwrap (so Ctrl-C reaches the command, not bwrap);
    # "default_signals" lists those that were at their default in the launcher.
    for signum in spec.get("default_signals", ()):
        _signal.signal(signum, _signal.SIG_DFL)
    return exec_command(list(spec["argv"]), spec["env"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
