"""The inner stage of `ringfence run`: the last code that runs before the command.

bwrap starts the inner stage with one argument, FD: a descriptor holding the *spec* the
outer ringfence process computed. Two implementations read it and do exactly the same:
``ringfence-inner`` (compiled from inner.c by `make`; about 1 ms) and this file (run as
``<python> -I -S``, stdlib only; the portable reference, used when the compiled one is
missing or older than inner.c). The spec format, all integers little-endian:

  magic      b"RFSPEC2\0"
  argv       u32 count, then strings (u32 length + bytes, no NUL)
  env        u32 count, then "NAME=value" strings: the command's complete environment
  cwd        string
  landlock   u32 abi_min, u64 handled rights, u32 count, then (string path, u64 rights)
  seccomp    u32 length + a compiled classic-BPF program (seccomp.py)
  ready_fd   u32 (0xFFFFFFFF: none): gets "1" once every layer is in place
  signals    u32 count, u32 each: set back to their default before exec
  listen     u32 count, then (string host, u32 port): the proxy's addresses inside
  pass_fd    u32 (0xFFFFFFFF: none): a unix socket to ringfence's proxy
  mounts     u32 count, then (u32 kind, string path): 1 an empty read-only file, 2 an
             unreadable file, 3 an empty read-only directory over path (bwrap.py)
  go_fd      u32 (0xFFFFFFFF: none): wait for "1" before mounting (placeholders ready)

Order: read and close FD -> wait for go_fd, then make the mounts in a mount namespace
of our own (bwrap keeps CAP_SYS_ADMIN for this only) -> drop every capability, bounding
set included, and check none is left -> listen on the proxy addresses in the sandbox's network
namespace and hand the listening sockets to ringfence's proxy over pass_fd (SCM_RIGHTS;
the proxy accepts on them from the host side, so no relay runs in the sandbox and a
dead proxy means refused connections) -> no_new_privs -> Landlock -> seccomp -> chdir
-> ready -> close every fd above 2 -> execve. Anything that cannot be set up ends with
``ringfence: <cause>`` and a fix line on stderr and exit status 3, and the command is
never executed: there is no fallback to less protection. An exec failure exits 127
(not found) or 126 (anything else).

This file imports little because it may run on every `ringfence run` (ctypes only where
a syscall is made). The outer imports it as ``ringfence.sandbox.inner`` for its
constants, ``pack_spec`` and ``landlock_abi()``.
"""
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

PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_CAPSET_CAPGET = {"x86_64": (126, 125), "aarch64": (91, 90)}
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_SLAVE = 16384, 1 << 19
MOUNT_EMPTY, MOUNT_DENIED, MOUNT_DIR = 1, 2, 3   # bwrap.inner_mounts kinds
SCRATCH = "/tmp"                                 # briefly covered by the mounts' sources
MNT_DETACH = 2
DOCTOR = "run `ringfence doctor` and report this with its output"
SECCOMP_MODE_FILTER = 2
BPF_MAXINSNS = 4096

EXIT_SETUP = 3
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

MAX_SPEC_BYTES = 64 << 20
LISTEN_BACKLOG = 4096
SPEC_MAGIC = b"RFSPEC2\0"


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


# ---------------------------------------------------------------- mounts, capabilities

def _open_target(path: str) -> int:
    """An O_PATH fd of a mount target; its last component must not be a symlink."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError as e:
        raise InnerError(f"cannot open the mount point {path}: {e.strerror}",
                         fix="the placeholder changed while the sandbox started; run again") from None
    if stat.S_ISLNK(os.fstat(fd).st_mode):
        os.close(fd)
        raise InnerError(f"cannot mount at {path}: it is a symbolic link",
                         fix="the placeholder changed while the sandbox started; run again")
    return fd


def _mount(source, target, fstype, flags: int, data, *, what: str, path: str) -> None:
    """mount(2); ``source``/``target`` are paths or O_PATH fds (used as /proc/self/fd/N)."""
    api = _Api.get()

    def arg(x):
        if isinstance(x, int):
            return f"/proc/self/fd/{x}".encode()
        return None if x is None else x.encode("utf-8", "surrogateescape")

    if api.libc.mount(arg(source), arg(target), arg(fstype), api.ctypes.c_ulong(flags), arg(data)) != 0:
        raise InnerError(f"cannot {what} at {path}: {os.strerror(api.ctypes.get_errno())}", fix=DOCTOR)


def make_mounts(mounts, go_fd) -> None:
    """The file-sized mounts (bwrap.inner_mounts), in a mount namespace of our own.

    Waits for the launcher's "1" on go_fd (it creates the host placeholders while bwrap
    starts). Every mount point is opened first (O_PATH, no symlink); the sources are made
    on a tmpfs mounted over /tmp for the moment, made read-only before any bind (so
    nothing bound from it can ever be written) and unmounted again at the end: nothing
    is created on any real filesystem.
    """
    if go_fd is not None:
        try:
            ok = os.read(go_fd, 1) == b"1"
        except OSError:
            ok = False
        os.close(go_fd)
        if not ok:
            raise InnerError("ringfence stopped before the sandbox's placeholders were ready",
                             fix="run the command again")
    if not mounts:
        return
    api = _Api.get()
    if api.libc.unshare(CLONE_NEWNS) != 0:
        raise InnerError(f"cannot create the inner mount namespace: {os.strerror(api.ctypes.get_errno())}",
                         fix="bubblewrap must keep CAP_SYS_ADMIN for the inner stage; run `ringfence doctor`")
    # Nothing mounted here may propagate out, whatever namespace we were started in.
    _mount(None, "/", None, MS_REC | MS_SLAVE, None, what="make the inner mount namespace a slave", path="/")
    targets = [_open_target(path) for _, path in mounts]
    quiet = MS_NOSUID | MS_NODEV | MS_NOEXEC
    _mount("tmpfs", SCRATCH, "tmpfs", quiet, "mode=0700,size=16k", what="mount a scratch tmpfs", path=SCRATCH)
    sources = {}
    for kind, name, mode in ((MOUNT_EMPTY, "empty", 0o444), (MOUNT_DENIED, "denied", 0o000)):
        fd = os.open(f"{SCRATCH}/{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, mode)
        os.fchmod(fd, mode)
        os.close(fd)
        sources[kind] = os.open(f"{SCRATCH}/{name}", os.O_PATH | os.O_CLOEXEC)
    _mount(None, SCRATCH, None, MS_REMOUNT | MS_RDONLY | quiet, None, what="make the scratch tmpfs read-only",
           path=SCRATCH)
    for (kind, path), fd in zip(mounts, targets):
        if kind == MOUNT_DIR:
            _mount("tmpfs", fd, "tmpfs", MS_RDONLY | quiet, "mode=0555,size=4k", what="mount a placeholder", path=path)
        elif kind in sources:
            _mount(sources[kind], fd, None, MS_BIND, None, what="bind a placeholder", path=path)
        else:
            raise InnerError(f"unknown mount kind {kind} for {path}", fix="this is a bug in ringfence; please report it")
        os.close(fd)
    if api.libc.umount2(SCRATCH.encode(), MNT_DETACH) != 0:
        raise InnerError(f"cannot unmount the scratch tmpfs: {os.strerror(api.ctypes.get_errno())}", fix=DOCTOR)
    for fd in sources.values():
        os.close(fd)


def drop_capabilities() -> None:
    """Empty every capability set (bounding and ambient included), then check it."""
    api = _Api.get()
    libc, ctypes = api.libc, api.ctypes
    libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), ctypes.c_ulong(0),
               ctypes.c_ulong(0), ctypes.c_ulong(0))
    for cap in range(64):
        held = libc.prctl(PR_CAPBSET_READ, ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        if held < 0:
            break                        # past the kernel's last capability
        if held:
            _prctl(PR_CAPBSET_DROP, cap, what=f"PR_CAPBSET_DROP {cap}")
    nr_capset, nr_capget = SYS_CAPSET_CAPGET[os.uname().machine]
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    try:
        _syscall(nr_capset, header, data)
        _syscall(nr_capget, header, data)
    except OSError as e:
        raise InnerError(f"cannot drop the sandbox's capabilities: {e.strerror}", fix=DOCTOR) from None
    if any(data) or any(libc.prctl(PR_CAPBSET_READ, ctypes.c_ulong(c), ctypes.c_ulong(0), ctypes.c_ulong(0),
                                   ctypes.c_ulong(0)) == 1 for c in range(64)):
        raise InnerError("a capability is still held after dropping them all", fix=DOCTOR)


# ---------------------------------------------------------------- the proxy listener

def open_listeners(listen) -> list:
    """Listen on each (host, port) in the sandbox's network namespace, now.

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
            raise InnerError(f"cannot listen on {host}:{port} for the proxy: {e.strerror}",
                             fix="something else in the sandbox holds that port; report this") from None
        listeners.append(sock)
    if not listeners:
        raise InnerError("the proxy could not listen on any of its addresses",
                         fix="give the proxy an IPv4 address such as 127.0.0.1")
    return listeners


def hand_over(listeners: list, pass_fd: int) -> None:
    """Send the listening sockets to ringfence's proxy (SCM_RIGHTS), then close ours.

    The proxy, on the host side, accepts on them directly: it is then the only holder of
    the sandbox's way out, so when it dies every connection is refused.
    """
    import _socket
    fds = [s.fileno() for s in listeners]
    carrier = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, fileno=pass_fd)
    try:
        data = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
        carrier.sendmsg([b"L"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, data)])
    except OSError as e:
        raise InnerError(f"cannot hand the proxy listener to ringfence's proxy: {e.strerror}",
                         fix="the proxy process is gone; run the command again") from None
    finally:
        carrier.close()
        for s in listeners:
            s.close()


# ---------------------------------------------------------------- the spec, fds, exec

# ---------------------------------------------------------------- the spec format

def pack_spec(spec: dict) -> bytes:
    """The spec dict -> the bytes both inner stages read (see the module docstring)."""
    out = [SPEC_MAGIC]

    def u32(n: int) -> None:
        out.append(n.to_bytes(4, "little"))

    def fd(n) -> None:
        u32(0xFFFFFFFF if n is None else n)

    def blob(b: bytes) -> None:
        u32(len(b))
        out.append(b)

    def text(s: str) -> None:
        blob(s.encode("utf-8", "surrogateescape"))

    def texts(xs) -> None:
        u32(len(xs))
        for x in xs:
            text(x)

    ll = spec["landlock"]
    texts(spec["argv"])
    texts([f"{k}={v}" for k, v in spec["env"].items()])
    text(spec["cwd"])
    u32(ll["abi_min"])
    out.append(ll["handled"].to_bytes(8, "little"))
    u32(len(ll["rules"]))
    for path, access in ll["rules"]:
        text(path)
        out.append(access.to_bytes(8, "little"))
    blob(spec["seccomp"])
    fd(spec.get("ready_fd"))
    signals = spec.get("default_signals", ())
    u32(len(signals))
    for signum in signals:
        u32(signum)
    listen = spec.get("listen") or ()
    u32(len(listen))
    for host, port in listen:
        text(host)
        u32(port)
    fd(spec.get("pass_fd"))
    mounts = spec.get("mounts") or ()
    u32(len(mounts))
    for kind, path in mounts:
        u32(kind)
        text(path)
    fd(spec.get("go_fd"))
    return b"".join(out)


def parse_spec(data: bytes) -> dict:
    """The inverse of pack_spec; ValueError on anything malformed (checked throughout)."""
    if not data.startswith(SPEC_MAGIC):
        raise ValueError("not a ringfence spec (wrong magic or version)")
    pos = len(SPEC_MAGIC)

    def take(n: int) -> bytes:
        nonlocal pos
        if n > len(data) - pos:
            raise ValueError(f"truncated at byte {pos}")
        pos += n
        return data[pos - n:pos]

    def u32() -> int:
        return int.from_bytes(take(4), "little")

    def fd():
        n = u32()
        return None if n == 0xFFFFFFFF else n

    def text() -> str:
        b = take(u32())
        if b"\0" in b:
            raise ValueError(f"NUL byte in a string ending at byte {pos}")
        return b.decode("utf-8", "surrogateescape")

    def texts() -> list:
        return [text() for _ in range(u32())]

    spec: dict = {"argv": texts()}
    env = {}
    for entry in texts():
        key, eq, value = entry.partition("=")
        if not eq or not key:
            raise ValueError(f"environment entry without a name: {entry[:40]!r}")
        env[key] = value
    spec["env"] = env
    spec["cwd"] = text()
    abi_min = u32()
    handled = int.from_bytes(take(8), "little")
    rules = [(text(), int.from_bytes(take(8), "little")) for _ in range(u32())]
    spec["landlock"] = {"abi_min": abi_min, "handled": handled, "rules": rules}
    spec["seccomp"] = take(u32())
    spec["ready_fd"] = fd()
    spec["default_signals"] = [u32() for _ in range(u32())]
    spec["listen"] = [(text(), u32()) for _ in range(u32())]
    spec["pass_fd"] = fd()
    spec["mounts"] = [(u32(), text()) for _ in range(u32())]
    spec["go_fd"] = fd()
    if pos != len(data):
        raise ValueError(f"{len(data) - pos} bytes after the end")
    if not spec["argv"]:
        raise ValueError("empty argv")
    if spec["listen"] and spec["pass_fd"] is None:
        raise ValueError("listen addresses without a descriptor to hand them over")
    return spec


def read_spec(fd: int) -> dict:
    """Read the spec from fd (a pipe or a memfd), close fd, parse it."""
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
        return parse_spec(b"".join(chunks))
    except (OSError, ValueError) as e:
        raise InnerError(f"cannot read the sandbox spec from fd {fd}: {e}",
                         fix="the inner stage is started by `ringfence run`, not by hand") from None


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
            raise InnerError("usage: inner.py FD", fix="the inner stage is started by `ringfence run`, not by hand")
        spec = read_spec(int(argv[1]))
        make_mounts(spec["mounts"], spec["go_fd"])
        drop_capabilities()
        if spec["listen"]:
            hand_over(open_listeners(spec["listen"]), spec["pass_fd"])
        elif spec["pass_fd"] is not None:
            os.close(spec["pass_fd"])
        no_new_privs()
        apply_landlock(spec["landlock"])
        apply_seccomp(spec["seccomp"])
        try:
            os.chdir(spec["cwd"])
        except OSError as e:
            raise InnerError(f"cannot enter the working directory {spec['cwd']}: {e.strerror}",
                             fix="run from a directory the sandbox policy makes visible") from None
        if spec["ready_fd"] is not None:     # tell the launcher every layer is in place
            try:
                os.write(spec["ready_fd"], b"1")
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
    # Python ignores SIGPIPE and SIGXFSZ, and the launcher ignores SIGINT and SIGQUIT in
    # bwrap (so Ctrl-C reaches the command, not bwrap): an ignored signal stays ignored
    # across exec, so "default_signals" lists those the command must get at their default.
    for signum in spec["default_signals"]:
        _signal.signal(signum, _signal.SIG_DFL)
    return exec_command(list(spec["argv"]), spec["env"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
