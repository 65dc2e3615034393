"""seccomp.py: the compiled filter, on the real kernel (x86_64) and through a BPF emulator.

Every refused syscall is called with harmless arguments twice: in an unfiltered child
(the control: the kernel answers anything but EPERM) and in a filtered child (EPERM, or
ENOSYS for clone3). The semantic rules each have a positive control beside them.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import signal
import socket
import struct
import termios
import threading

import pytest
from hypothesis import given, settings, strategies as st

from ringfence.errors import SandboxError
from ringfence.sandbox import inner, seccomp
from ringfence.sandbox.seccomp import SYSCALLS, SeccompOptions, compile_filter, describe

ON_X86_64 = os.uname().machine == "x86_64"
kernel = pytest.mark.skipif(not ON_X86_64, reason="kernel tests run on x86_64")


def errno_of(fn, *args) -> int:
    """0 if fn(*args) succeeds, else the OSError's errno."""
    try:
        fn(*args)
    except OSError as e:
        return e.errno
    return 0


def nr(name: str) -> int:
    return SYSCALLS[name][0]


def call(name: str, *args) -> int:
    """errno of the raw syscall (0 on success)."""
    return errno_of(inner._syscall, nr(name), *args)


# ---------------------------------------------------------------- tables vs kernel headers

def _header_numbers(path: str) -> dict[str, int]:
    with open(path) as f:
        return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", f.read())}


@pytest.mark.parametrize("arch,header", [
    ("x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    ("aarch64", "/usr/include/asm-generic/unistd.h"),       # the table aarch64 uses
])
def test_syscall_numbers_match_kernel_headers(arch, header):
    if not os.path.exists(header):
        pytest.skip(f"{header} not installed (linux-libc-dev)")
    known = _header_numbers(header)
    known.setdefault("open_tree_attr", 467)     # Linux 6.15; older headers lack it
    index = seccomp.ARCH_INDEX[arch]
    checked = 0
    for name, numbers in SYSCALLS.items():
        if numbers[index] is None:
            assert name not in known, f"{name} exists on {arch}"
            continue
        assert known[name] == numbers[index], name
        checked += 1
    assert checked >= 45


# ---------------------------------------------------------------- every refused syscall

# Harmless arguments: invalid flags, NULL pointers, fd -1, or a true no-op.
PROBES = {
    "unshare": (0,), "setns": (-1, 0), "mount": (None, None, None, 0, None),
    "umount2": (None, 0xFFFF), "pivot_root": (None, None), "chroot": (None,),
    "open_tree": (-1, None, 0xFFFFFFFF), "open_tree_attr": (-1, None, 0xFFFFFFFF, None, 0),
    "move_mount": (-1, None, -1, None, 0xFFFFFFFF), "fsopen": (None, 0xFFFFFFFF),
    "fsconfig": (-1, 0xFFFF, None, None, 0), "fsmount": (-1, 0xFFFFFFFF, 0),
    "fspick": (-1, None, 0xFFFFFFFF), "mount_setattr": (-1, None, 0xFFFFFFFF, None, 0),
    "ptrace": (0xFFFF, 0, 0, 0), "process_vm_readv": ("self", None, 0, None, 0, 0),
    "process_vm_writev": ("self", None, 0, None, 0, 0), "pidfd_getfd": (-1, -1, 0),
    "bpf": (0xFFFF, None, 0), "perf_event_open": (None, 0, -1, -1, 0), "userfaultfd": (0xFFFF,),
    "io_uring_setup": (0, None), "io_uring_enter": (-1, 0, 0, 0, None, 0),
    "io_uring_register": (-1, 0, None, 0),
    "keyctl": (0xFFFF, 0, 0, 0, 0), "add_key": (None, None, None, 0, 0), "request_key": (None, None, None, 0),
    "kexec_load": (0, 0, None, 0x80), "kexec_file_load": (-1, -1, 0, None, 0xFFFF),
    "init_module": (None, 0, None), "finit_module": (-1, None, 0), "delete_module": (None, 0),
    "reboot": (0, 0, 0, None), "swapon": (None, 0), "swapoff": (None,),
    "acct": (b"/nonexistent/ringfence-acct",), "syslog": (10, None, 0),
    "quotactl": (0, None, 0, None), "quotactl_fd": (-1, 0, 0, None), "lookup_dcookie": (0, None, 0),
    "iopl": (99,), "ioperm": (0, 0, 0),
    "settimeofday": (None, None), "clock_settime": (0xFFFF, None), "clock_adjtime": (0xFFFF, None),
    "name_to_handle_at": (-1, None, None, None, 0xFFFF), "open_by_handle_at": (-1, None, 0),
    "clone3": (None, 0),
}


def _probe_all() -> dict[str, int]:
    out = {}
    for name, args in PROBES.items():
        args = tuple(os.getpid() if a == "self" else a for a in args)
        out[name] = call(name, *args)
    return out


def test_every_always_refused_syscall_is_probed():
    table = {r.syscall for r in seccomp.rules(SeccompOptions()) if r.test is None}
    assert table <= set(PROBES)


@kernel
def test_each_refused_syscall_returns_eperm_and_the_kernel_would_not(confined):
    kind, unfiltered = confined(_probe_all)
    assert kind == "ok", unfiltered
    kind, filtered = confined(_probe_all, seccomp=compile_filter(SeccompOptions()))
    assert kind == "ok", filtered
    for name in PROBES:
        expected = errno.ENOSYS if name == "clone3" else errno.EPERM
        assert filtered[name] == expected, (name, errno.errorcode.get(filtered[name]))
        if os.geteuid() == 0:   # unprivileged, the kernel itself says EPERM for some
            assert unfiltered[name] != expected, (name, "control is indistinguishable")


# ---------------------------------------------------------------- the argument rules

def _sockets() -> dict[str, int]:
    def make(family, kind=socket.SOCK_STREAM):
        socket.socket(family, kind).close()

    def raw_socket(domain):       # full 64-bit register, as a hostile caller could pass
        fd = inner._syscall(nr("socket"), domain, socket.SOCK_STREAM, 0)
        os.close(fd)

    pair = lambda: [s.close() for s in socket.socketpair()]  # noqa: E731
    return {
        "inet": errno_of(make, socket.AF_INET), "inet6": errno_of(make, socket.AF_INET6),
        "netlink": errno_of(make, socket.AF_NETLINK, socket.SOCK_RAW),
        "unix": errno_of(make, socket.AF_UNIX), "unix_dgram": errno_of(make, socket.AF_UNIX, socket.SOCK_DGRAM),
        "unix_high_bits": errno_of(raw_socket, (1 << 32) | socket.AF_UNIX),
        "vsock": errno_of(make, socket.AF_VSOCK), "packet": errno_of(make, socket.AF_PACKET, socket.SOCK_RAW),
        "socketpair": errno_of(pair),
    }


@kernel
def test_socket_domains(confined):
    kind, got = confined(_sockets, seccomp=compile_filter(SeccompOptions()))
    assert kind == "ok", got
    assert got["inet"] == 0 and got["inet6"] in (0, errno.EAFNOSUPPORT) and got["netlink"] == 0
    assert got["socketpair"] == 0                  # allowed by default (Node's child_process)
    for refused in ("unix", "unix_dgram", "unix_high_bits", "vsock", "packet"):
        assert got[refused] == errno.EPERM, refused


@kernel
def test_allow_unix_sockets_and_block_socketpair(confined):
    kind, got = confined(_sockets, seccomp=compile_filter(SeccompOptions(allow_unix_sockets=True)))
    assert kind == "ok", got
    assert got["unix"] == 0 and got["unix_dgram"] == 0 and got["vsock"] == errno.EPERM
    kind, got = confined(_sockets, seccomp=compile_filter(SeccompOptions(block_socketpair=True)))
    assert kind == "ok", got
    assert got["socketpair"] == errno.EPERM and got["inet"] == 0


def _namespaces() -> dict[str, int]:
    def fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    def raw_clone(flags):
        pid = inner._syscall(nr("clone"), flags | signal.SIGCHLD, 0, 0, 0, 0)
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    def thread():
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()

    return {
        "fork": errno_of(fork), "thread": errno_of(thread), "clone_plain": errno_of(raw_clone, 0),
        "clone_newuser": errno_of(raw_clone, seccomp.CLONE_NEWUSER),
        "clone_newns": errno_of(raw_clone, seccomp.CLONE_NEWNS),
        "clone_newnet": errno_of(raw_clone, seccomp.CLONE_NEWNET),
        "unshare_newuser": errno_of(inner._syscall, nr("unshare"), seccomp.CLONE_NEWUSER),
    }


@kernel
def test_namespaces_refused_fork_and_threads_work(confined):
    kind, control = confined(_namespaces)
    assert kind == "ok", control
    assert control["clone_newuser"] == 0 and control["unshare_newuser"] == 0   # the kernel allows it
    kind, got = confined(_namespaces, seccomp=compile_filter(SeccompOptions()))
    assert kind == "ok", got
    assert got["fork"] == 0 and got["thread"] == 0 and got["clone_plain"] == 0
    for refused in ("clone_newuser", "clone_newns", "clone_newnet", "unshare_newuser"):
        assert got[refused] == errno.EPERM, refused


def _terminal() -> dict[str, int]:
    master, slave = os.openpty()
    ioctl = lambda req, arg: inner._syscall(nr("ioctl"), slave, req, arg)  # noqa: E731
    winsize = bytearray(8)
    char = bytearray(b"x")
    return {
        "tiocgwinsz": errno_of(fcntl.ioctl, slave, termios.TIOCGWINSZ, winsize),
        "tiocsti": errno_of(fcntl.ioctl, slave, termios.TIOCSTI, bytes(char)),
        "tiocsti_high_bits": errno_of(ioctl, (1 << 32) | seccomp.TIOCSTI, b"x"),
        "tioclinux": errno_of(fcntl.ioctl, slave, seccomp.TIOCLINUX, b"\x00" * 8),
    }


@kernel
def test_terminal_injection_refused_other_ioctls_work(confined):
    kind, control = confined(_terminal)
    assert kind == "ok", control
    if control["tiocsti"] != 0:
        pytest.skip("this kernel refuses TIOCSTI itself (dev.tty.legacy_tiocsti=0 and no CAP_SYS_ADMIN)")
    kind, got = confined(_terminal, seccomp=compile_filter(SeccompOptions()))
    assert kind == "ok", got
    assert got["tiocgwinsz"] == 0
    assert got["tiocsti"] == got["tiocsti_high_bits"] == got["tioclinux"] == errno.EPERM
    assert control["tioclinux"] != errno.EPERM


def _x32_getpid():
    return errno_of(inner._syscall, seccomp.X32_SYSCALL_BIT | 39)


@kernel
def test_x32_syscalls_kill_the_process(confined):
    kind, control = confined(_x32_getpid)
    assert kind == "ok"                            # unfiltered: ENOSYS or a pid, never a kill
    assert confined(_x32_getpid, seccomp=compile_filter(SeccompOptions())) == ("signal", signal.SIGSYS)


# ---------------------------------------------------------------- compile-only (any arch), via emulation

def emulate(program: bytes, arch: int, nr_: int, args=(0,) * 6) -> int:
    """Run a classic-BPF seccomp program on one seccomp_data; returns the action."""
    args = [int(a) & (2**64 - 1) for a in args] + [0] * (6 - len(args))
    data = struct.pack("<iIQ6Q", nr_, arch, 0, *args)
    insns = [struct.unpack_from("<HBBI", program, i) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        if code == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code == 0x06:
            return k
        else:
            taken = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if taken else jf)


EPERM = seccomp.SECCOMP_RET_ERRNO | errno.EPERM
ENOSYS = seccomp.SECCOMP_RET_ERRNO | errno.ENOSYS
ALLOW, KILL = seccomp.SECCOMP_RET_ALLOW, seccomp.SECCOMP_RET_KILL_PROCESS


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_compiled_program_decides_like_the_table(arch):
    prog = compile_filter(SeccompOptions(), arch)
    audit = seccomp.AUDIT_ARCH[arch]
    i = seccomp.ARCH_INDEX[arch]
    n = lambda name: SYSCALLS[name][i]  # noqa: E731
    assert len(prog) % 8 == 0 and len(prog) // 8 < 256
    assert emulate(prog, audit, n("socket"), (socket.AF_INET,)) == ALLOW
    assert emulate(prog, audit, n("socket"), (socket.AF_UNIX,)) == EPERM
    assert emulate(prog, audit, n("socket"), ((7 << 32) | socket.AF_INET,)) == ALLOW
    assert emulate(prog, audit, n("clone"), (seccomp.CLONE_NEWUSER | 17,)) == EPERM
    assert emulate(prog, audit, n("clone"), (17,)) == ALLOW
    assert emulate(prog, audit, n("clone3")) == ENOSYS
    assert emulate(prog, audit, n("ioctl"), (0, seccomp.TIOCSTI)) == EPERM
    assert emulate(prog, audit, n("ioctl"), (0, termios.TIOCGWINSZ)) == ALLOW
    assert emulate(prog, audit, n("ptrace")) == EPERM
    assert emulate(prog, audit, 0) == ALLOW          # read (aarch64: io_setup), not in the table
    assert emulate(prog, 0x40000003, n("socket"), (socket.AF_INET,)) == KILL   # i386 compat
    if arch == "x86_64":
        assert emulate(prog, audit, seccomp.X32_SYSCALL_BIT | 41, (socket.AF_INET,)) == KILL
    else:
        assert emulate(prog, audit, 172) == ALLOW    # getpid on aarch64 (iopl on x86_64)


@settings(max_examples=300, deadline=None)
@given(arch=st.sampled_from(["x86_64", "aarch64"]), nr_=st.integers(0, 600),
       args=st.lists(st.integers(0, 2**64 - 1), min_size=6, max_size=6),
       unix=st.booleans(), pair=st.booleans())
def test_emulated_filter_matches_rules(arch, nr_, args, unix, pair):
    opts = SeccompOptions(allow_unix_sockets=unix, block_socketpair=pair)
    i = seccomp.ARCH_INDEX[arch]
    want = ALLOW
    for rule in seccomp.rules(opts):
        if SYSCALLS[rule.syscall][i] != nr_:
            continue
        refused = True
        if rule.test:
            a, kind, values = rule.test
            low = args[a] & 0xFFFFFFFF
            refused = {"not_in": low not in values, "in": low in values,
                       "any_bit": bool(low & values[0])}[kind]
        want = seccomp.SECCOMP_RET_ERRNO | rule.errno if refused else ALLOW
        break
    assert emulate(compile_filter(opts, arch), seccomp.AUDIT_ARCH[arch], nr_, args) == want


def test_unknown_architecture_refused():
    with pytest.raises(SandboxError) as e:
        compile_filter(SeccompOptions(), "riscv64")
    assert "riscv64" in e.value.message and e.value.fix
    assert compile_filter(SeccompOptions(), "arm64") == compile_filter(SeccompOptions(), "aarch64")


def test_assembler_refuses_a_jump_it_cannot_encode():
    prog = [("jeq", 1, "far", None)] + [("ret", 0)] * 300 + ["far", ("ret", 0)]
    with pytest.raises(ValueError):
        seccomp.assemble(prog)


def test_describe_lists_what_is_compiled():
    rows = describe(SeccompOptions())
    names = [r[0] for r in rows]
    assert {"socket", "clone", "clone3", "ioctl", "ptrace", "io_uring_setup"} <= set(names)
    assert ("socketpair", "ALLOW") == next(r[:2] for r in rows if r[0] == "socketpair")
    assert all(r[2] for r in rows[:-1])             # every rule says why
    blocked = describe(SeccompOptions(block_socketpair=True, allow_unix_sockets=True))
    assert next(r[1] for r in blocked if r[0] == "socketpair").startswith("EPERM")
    assert "AF_UNIX" in next(r[1] for r in blocked if r[0] == "socket")
