"""The seccomp filter of the native sandbox, compiled to classic BPF (pure; no kernel calls).

``compile_filter(opts, arch)`` returns the ``struct sock_filter`` array that the inner
stage installs after no_new_privs; ``describe(opts)`` lists the same rules for
``ringfence run --explain``. Both read one table, ``rules(opts)``, so what is explained
is what is enforced.

The filter, in order:

* The ``arch`` field of ``seccomp_data`` must be the one compiled for, else
  SECCOMP_RET_KILL_PROCESS: a 32-bit compat syscall (``int 0x80`` on x86_64, AArch32 on
  aarch64) has other numbers and would dodge every rule, ``socketcall`` included.
* x86_64: x32 syscall numbers (bit 30 set) kill the process for the same reason.
* The rules below return an errno; everything else is allowed.

Network (bwrap unshares the network; the only way out is ringfence's proxy over TCP):
  socket          EPERM unless the domain (low 32 bits, as the kernel reads it) is
                  AF_INET, AF_INET6 or AF_NETLINK, plus AF_UNIX with allow_unix_sockets.
                  AF_UNIX would reach host daemons through bind-mounted sockets (docker,
                  ssh-agent, D-Bus); AF_VSOCK the hypervisor (the WSL2 interop escape);
                  AF_PACKET, AF_ALG, AF_BLUETOOTH... are kernel attack surface nobody needs.
  socketpair      EPERM for AF_UNIX only with block_socketpair. Allowed by default: an
                  unnamed connected pair reaches nothing outside the process tree, and
                  Node's child_process needs it.
Namespaces and mounts (a new user namespace would let the command undo bwrap's mounts):
  unshare         EPERM, whatever the flags.
  clone           EPERM when the flags have any CLONE_NEW* bit (NEWNS, NEWCGROUP,
                  NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME); fork and threads work.
  clone3          ENOSYS: its flags sit in memory that seccomp cannot read; libc then
                  falls back to clone, which is checked.
  setns, mount, umount2, pivot_root, chroot, open_tree, open_tree_attr, move_mount,
  fsopen, fsconfig, fsmount, fspick, mount_setattr
                  EPERM: joining namespaces and changing the mount tree.
Other processes (ptrace can step into anything of the same uid that is not sandboxed
as strictly, such as a process started before the filter):
  ptrace, process_vm_readv, process_vm_writev, pidfd_getfd
                  EPERM: reading or writing another process's memory or fds.
Kernel attack surface an agent does not need:
  bpf, perf_event_open, userfaultfd, io_uring_setup, io_uring_enter,
  io_uring_register EPERM: frequent sources of kernel exploits; io_uring also runs
                  operations the filter never sees.
  keyctl, add_key, request_key
                  EPERM: the kernel keyring is shared beyond the sandbox.
Terminal injection:
  ioctl           EPERM when the request (low 32 bits) is TIOCSTI (push bytes into the
                  terminal's input, run as the user outside) or TIOCLINUX (the same on a
                  virtual console). Every other ioctl, TIOCGWINSZ included, works.
Host administration (needs privileges the sandbox lacks; refused outright so a
misconfigured host still cannot be changed):
  kexec_load, kexec_file_load, init_module, finit_module, delete_module, reboot,
  swapon, swapoff, acct, syslog, quotactl, quotactl_fd, lookup_dcookie, iopl,
  ioperm (x86_64), settimeofday, clock_settime, clock_adjtime
                  EPERM.
  name_to_handle_at, open_by_handle_at
                  EPERM: opening files by handle bypasses path checks (the "shocker"
                  container escape).
"""
from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass

from ringfence.errors import SandboxError

# ---------------------------------------------------------------- kernel constants

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEW_ANY = (CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC
                 | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

# struct seccomp_data: int nr; __u32 arch; __u64 ip; __u64 args[6] (little-endian on both
# architectures, so the low 32 bits of args[i] are at 16 + 8*i).
OFFSET_NR, OFFSET_ARCH = 0, 4


def offset_arg_low(i: int) -> int:
    return 16 + 8 * i


# Syscall numbers: (x86_64, aarch64); None where the architecture has no such call.
SYSCALLS: dict[str, tuple[int | None, int | None]] = {
    "socket": (41, 198), "socketpair": (53, 199), "ioctl": (16, 29),
    "clone": (56, 220), "clone3": (435, 435), "unshare": (272, 97), "setns": (308, 268),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "open_tree": (428, 428), "open_tree_attr": (467, 467), "move_mount": (429, 429),
    "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "pidfd_getfd": (438, 438),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "init_module": (175, 105),
    "finit_module": (313, 273), "delete_module": (176, 106), "reboot": (169, 142),
    "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89), "syslog": (103, 116),
    "quotactl": (179, 60), "quotactl_fd": (443, 443), "lookup_dcookie": (212, 18),
    "iopl": (172, None), "ioperm": (173, None),
    "settimeofday": (164, 170), "clock_settime": (227, 112), "clock_adjtime": (305, 266),
    "name_to_handle_at": (303, 264), "open_by_handle_at": (304, 265),
}
ARCH_INDEX = {"x86_64": 0, "aarch64": 1}
ARCH_ALIASES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}

_ALWAYS_EPERM = (
    ("unshare", "new namespaces would let the command undo bwrap's mounts"),
    ("setns", "joining another namespace"),
    ("mount", "changing the mount tree"), ("umount2", "changing the mount tree"),
    ("pivot_root", "changing the mount tree"), ("chroot", "changing the root"),
    ("open_tree", "new mount API"), ("open_tree_attr", "new mount API"),
    ("move_mount", "new mount API"), ("fsopen", "new mount API"), ("fsconfig", "new mount API"),
    ("fsmount", "new mount API"), ("fspick", "new mount API"), ("mount_setattr", "new mount API"),
    ("ptrace", "stepping into other processes"),
    ("process_vm_readv", "reading another process's memory"),
    ("process_vm_writev", "writing another process's memory"),
    ("pidfd_getfd", "taking another process's fds"),
    ("bpf", "kernel attack surface"), ("perf_event_open", "kernel attack surface"),
    ("userfaultfd", "kernel exploit primitive"),
    ("io_uring_setup", "io_uring runs operations seccomp never sees"),
    ("io_uring_enter", "io_uring runs operations seccomp never sees"),
    ("io_uring_register", "io_uring runs operations seccomp never sees"),
    ("keyctl", "the kernel keyring is shared beyond the sandbox"),
    ("add_key", "the kernel keyring is shared beyond the sandbox"),
    ("request_key", "the kernel keyring is shared beyond the sandbox"),
    ("kexec_load", "host administration"), ("kexec_file_load", "host administration"),
    ("init_module", "host administration"), ("finit_module", "host administration"),
    ("delete_module", "host administration"), ("reboot", "host administration"),
    ("swapon", "host administration"), ("swapoff", "host administration"),
    ("acct", "host administration"), ("syslog", "reading the kernel log"),
    ("quotactl", "host administration"), ("quotactl_fd", "host administration"),
    ("lookup_dcookie", "host administration"),
    ("iopl", "raw I/O port access (x86_64 only)"), ("ioperm", "raw I/O port access (x86_64 only)"),
    ("settimeofday", "setting the host clock"), ("clock_settime", "setting the host clock"),
    ("clock_adjtime", "setting the host clock"),
    ("name_to_handle_at", "file handles bypass path checks"),
    ("open_by_handle_at", "file handles bypass path checks (the shocker escape)"),
)


@dataclass(frozen=True)
class SeccompOptions:
    allow_unix_sockets: bool = False
    block_socketpair: bool = False


@dataclass(frozen=True)
class Rule:
    """Refuse ``syscall`` with ``errno`` when its test holds.

    ``test`` is None (always), or (arg, kind, values) on the low 32 bits of args[arg]:
    kind "not_in" (refuse unless one of values), "in" (refuse if one of values) or
    "any_bit" (refuse if it has any bit of values[0]).
    """
    syscall: str
    errno: int
    why: str
    test: tuple[int, str, tuple[int, ...]] | None = None


def rules(opts: SeccompOptions) -> list[Rule]:
    """The rule table both compile_filter and describe read."""
    domains = (AF_INET, AF_INET6, AF_NETLINK) + ((AF_UNIX,) if opts.allow_unix_sockets else ())
    table = [
        Rule("socket", errno.EPERM, "only IP (through the proxy) and netlink sockets"
             + ("; AF_UNIX allowed by allow_unix_sockets" if opts.allow_unix_sockets else
                "; AF_UNIX would reach host daemons, AF_VSOCK the hypervisor"),
             (0, "not_in", domains)),
        Rule("clone", errno.EPERM, "new namespaces would let the command undo bwrap's mounts",
             (0, "any_bit", (CLONE_NEW_ANY,))),
        Rule("clone3", errno.ENOSYS, "its flags are in memory seccomp cannot read; libc falls back to clone"),
        Rule("ioctl", errno.EPERM, "pushing keystrokes into the terminal runs them outside the sandbox",
             (1, "in", (TIOCSTI, TIOCLINUX))),
    ]
    if opts.block_socketpair:
        table.append(Rule("socketpair", errno.EPERM, "block_socketpair is set", (0, "in", (AF_UNIX,))))
    table += [Rule(name, errno.EPERM, why) for name, why in _ALWAYS_EPERM]
    return table


def canonical_arch(arch: str | None) -> str:
    machine = arch or os.uname().machine
    try:
        return ARCH_ALIASES[machine]
    except KeyError:
        raise SandboxError(f"seccomp: no syscall table for the {machine} architecture",
                           fix="run on x86_64 or aarch64; other architectures cannot be sandboxed yet") from None


# ---------------------------------------------------------------- the BPF assembler
#
# A program is a list of instructions and label names. Jump targets are labels, or None
# for "the next instruction"; the assembler turns them into the 8-bit forward offsets of
# classic BPF.

BPF_LD_W_ABS = 0x20
BPF_JEQ_K, BPF_JGE_K, BPF_JSET_K = 0x15, 0x35, 0x45
BPF_RET_K = 0x06
_JUMPS = {"jeq": BPF_JEQ_K, "jge": BPF_JGE_K, "jset": BPF_JSET_K}


def assemble(program: list) -> bytes:
    positions, count = {}, 0
    for item in program:
        if isinstance(item, str):
            positions[item] = count
        else:
            count += 1
    out, pc = [], 0
    for item in program:
        if isinstance(item, str):
            continue
        op = item[0]
        if op == "ld":
            out.append(struct.pack("<HBBI", BPF_LD_W_ABS, 0, 0, item[1]))
        elif op == "ret":
            out.append(struct.pack("<HBBI", BPF_RET_K, 0, 0, item[1]))
        else:
            _, k, if_true, if_false = item
            jt, jf = (0 if t is None else positions[t] - pc - 1 for t in (if_true, if_false))
            if not (0 <= jt <= 255 and 0 <= jf <= 255):
                raise ValueError(f"BPF jump out of range at instruction {pc}: {item}")
            out.append(struct.pack("<HBBI", _JUMPS[op], jt, jf, k & 0xFFFFFFFF))
        pc += 1
    return b"".join(out)


def compile_filter(opts: SeccompOptions, arch: str | None = None) -> bytes:
    """The filter as a ``struct sock_filter`` array for ``arch`` (default: this machine)."""
    arch = canonical_arch(arch)
    index = ARCH_INDEX[arch]
    prog: list = [
        ("ld", OFFSET_ARCH),
        ("jeq", AUDIT_ARCH[arch], None, "kill"),
        ("ld", OFFSET_NR),
    ]
    if arch == "x86_64":
        prog.append(("jge", X32_SYSCALL_BIT, "kill", None))
    checks: list = []
    for rule in rules(opts):
        nr = SYSCALLS[rule.syscall][index]
        if nr is None:
            continue
        action = f"errno_{rule.errno}"
        if rule.test is None:
            prog.append(("jeq", nr, action, None))
            continue
        label = f"check_{rule.syscall}"
        prog.append(("jeq", nr, label, None))
        arg, kind, values = rule.test
        checks += [label, ("ld", offset_arg_low(arg))]
        if kind == "not_in":
            checks += [("jeq", v, "allow", None) for v in values] + [("ret", SECCOMP_RET_ERRNO | rule.errno)]
        elif kind == "in":
            checks += [("jeq", v, action, None) for v in values] + [("ret", SECCOMP_RET_ALLOW)]
        else:
            checks += [("jset", values[0], action, "allow")]
    # BPF only jumps forward: the argument checks, then the shared returns, come last.
    prog += [("ret", SECCOMP_RET_ALLOW)] + checks + ["allow", ("ret", SECCOMP_RET_ALLOW)]
    for code in sorted({r.errno for r in rules(opts)}):
        prog += [f"errno_{code}", ("ret", SECCOMP_RET_ERRNO | code)]
    prog += ["kill", ("ret", SECCOMP_RET_KILL_PROCESS)]
    return assemble(prog)


def describe(opts: SeccompOptions) -> list[tuple[str, str, str]]:
    """(syscall or group, action, why) for every rule, in filter order, for --explain."""
    names = {AF_UNIX: "AF_UNIX", AF_INET: "AF_INET", AF_INET6: "AF_INET6", AF_NETLINK: "AF_NETLINK",
             TIOCSTI: "TIOCSTI", TIOCLINUX: "TIOCLINUX"}
    rows = [("syscalls of another ABI (32-bit compat, x32)", "KILL_PROCESS",
             "other syscall numbers would dodge every rule below")]
    for rule in rules(opts):
        action = errno.errorcode[rule.errno]
        if rule.test:
            arg, kind, values = rule.test
            shown = ", ".join(names.get(v, hex(v)) for v in values)
            action += {"not_in": f" unless arg{arg} is one of {shown}",
                       "in": f" if arg{arg} is {shown}",
                       "any_bit": f" if arg{arg} has a CLONE_NEW* flag"}[kind]
        rows.append((rule.syscall, action, rule.why))
    if not opts.block_socketpair:
        rows.append(("socketpair", "ALLOW", "a connected pair reaches nothing outside; Node needs it"))
    rows.append(("everything else", "ALLOW", ""))
    return rows
