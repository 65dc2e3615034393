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
itself with a Landlock ruleset that grants nothing, dies with the command
(PR_SET_PDEATHSIG) and never execs. A proxy that cannot be reached means the TCP
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

# The newest filesystem right each ABI added (ABIs 4, 6 and 7 added none).
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

_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.prctl.restype = ctypes.c_int
        _LIBC = libc
    return _LIBC


def _syscall(nr: int, *args) -> int:
    """syscall(2) with every integer passed as a full 64-bit long; OSError on failure."""
    import ctypes
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    ret = _libc().syscall(ctypes.c_long(nr), *args)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def _prctl(option: int, arg2, arg3=0, *, what: str) -> None:
    import ctypes
    args = [ctypes.c_ulong(a) if isinstance(a, int) else a for a in (arg2, arg3, 0, 0)]
    if _libc().prctl(ctypes.c_int(option), *args) != 0:
        err = ctypes.get_errno()
        raise InnerError(f"prctl({what}) failed: {os.strerror(err)}",
                         fix="the kernel or a container's seccomp profile refuses it; run `ringfence doctor`")


def no_new_privs() -> None:
    """PR_SET_NO_NEW_PRIVS: no setuid gain on exec; required for Landlock and seccomp."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")


# ---------------------------------------------------------------- Landlock

def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    except OSError:
        return 0


def _landlock_ruleset(handled: int) -> int:
    import ctypes
    attr = ctypes.c_uint64(handled)     # struct landlock_ruleset_attr, handled_access_fs only
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    except OSError as e:
        raise InnerError(f"Landlock refused the ruleset (handled {handled:#x}): {e.strerror}",
                         fix="run `ringfence doctor` and report this with its output") from None


def _landlock_add_path(ruleset: int, path: str, access: int) -> None:
    """Add one path-beneath rule; a path missing in the sandbox gets no rule (less access)."""
    import ctypes

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

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
        attr = PathBeneath(access, fd)
        try:
            _syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(attr), 0)
        except OSError as e:
            raise InnerError(f"Landlock refused the rule for {path} (access {access:#x}): {e.strerror}",
                             fix="run `ringfence doctor` and report this with its output") from None
    finally:
        os.close(fd)


def apply_landlock(spec: dict) -> None:
    """Restrict this process (and everything it execs) to the spec's rules.

    Needs no_new_privs first. Raises InnerError when Landlock is missing, too old for
    ``abi_min`` or refuses anything.
    """
    abi = landlock_abi()
    if abi == 0:
        raise InnerError("Landlock is not available in this kernel, so file access cannot be confined",
                         fix="use Linux >= 5.13 with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y, "
                             "'landlock' in the lsm= boot parameter); check with `ringfence doctor`")
    if abi < spec["abi_min"]:
        raise InnerError(f"the policy needs Landlock ABI {spec['abi_min']} but this kernel has ABI {abi}",
                         fix="upgrade the kernel; `ringfence doctor` shows what each ABI adds")
    ruleset = _landlock_ruleset(spec["handled"])
    try:
        for path, access in spec["rules"]:
            _landlock_add_path(ruleset, path, access)
        try:
            _syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)
        except OSError as e:
            raise InnerError(f"Landlock could not restrict the process: {e.strerror}",
                             fix="no_new_privs must be set first; run `ringfence doctor`") from None
    finally:
        os.close(ruleset)


# ---------------------------------------------------------------- seccomp

def apply_seccomp(program: bytes) -> None:
    """Install a classic-BPF seccomp filter on this thread (needs no_new_privs first)."""
    import ctypes
    count, rest = divmod(len(program), 8)
    if rest or not 0 < count <= BPF_MAXINSNS:
        raise InnerError(f"the seccomp program is malformed ({len(program)} bytes)",
                         fix="this is a bug in ringfence; please report it")

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(program, len(program))
    prog = SockFprog(count, ctypes.cast(buf, ctypes.c_void_p))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), what="PR_SET_SECCOMP")
