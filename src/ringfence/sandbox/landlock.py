"""The Landlock rules of the native sandbox: which paths may be read, written, executed.

``build_rules(read_roots, write_roots, deny_read, allow_read, abi)`` returns a
``LandlockRules`` (handled rights + (path, rights) rules) that the inner stage applies
(inner.py, ``LandlockRules.to_spec()``). Pure apart from reading directory listings.

Model. Every path is readable or not by its most specific entry: the deepest of
read_roots, write_roots, allow_read (readable) and deny_read (not readable) that is the
path itself or an ancestor; under no entry, not readable. On the same path, allow_read
beats deny_read (an allow_read exists only to make an exception, e.g. an agent's own
credentials file) and deny_read beats a read or write root. Write roots are readable
(unless a deny inside them says otherwise) and writable; nothing else is writable apart
from a few device nodes.

Landlock only allows, and a right granted on a directory covers everything below it.
A deny inside a readable tree is therefore made by DECOMPOSITION: for a denied D under
a readable R, full read rights go on each sibling along the chain R -> D (every entry
of every directory on the chain except the next step towards D), never on R or the
chain directories themselves, which get READ_DIR only. Consequences, all fail-closed:

* Directory names can be listed anywhere below R, denied directories included
  (READ_DIR is hierarchical), but no file content under D can be read or executed.
* Entries created later directly inside a chain directory (in ``/``, ``/home``, the home
  directory...) have no rule: they are not readable in this run. Create write roots
  before building the rules. A write root that holds a denied path is a chain
  directory too: files created directly in it can be written but not read back.
* Symlinks among the siblings get no rule: what they point to is judged where it lives.
  (The inner stage also opens rule paths with O_NOFOLLOW.)
* A chain directory that cannot be listed gets READ_DIR only; a rule path that does not
  exist in the sandbox is skipped by the inner stage. Both only remove access.
* A denied path that does not exist yet is decomposed all the same, so it stays
  unreadable if something creates it during the run.
* Files cannot be renamed or linked out of a denied tree to become readable: with
  ABI >= 2 the kernel refuses any reparenting that gains rights (EXDEV), and ABI 1
  refuses every cross-directory rename or link.

An allow_read inside a denied tree is granted again by the same recursion (a deny
inside that allow is decomposed again). The number of rules is bounded by MAX_RULES;
a deny in a directory with too many entries is a SandboxError naming both.

Write rights: WRITE_FILE, REMOVE_*, MAKE_DIR/REG/SOCK/FIFO/SYM, plus REFER (ABI 2),
TRUNCATE (ABI 3); never MAKE_CHAR/MAKE_BLOCK. IOCTL_DEV (ABI 5) only on the terminal
and the other device nodes below. Every rule is masked to the rights the ABI knows,
and the ruleset handles all of them, so anything not granted here is refused.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ringfence.errors import SandboxError
from ringfence.sandbox.inner import (
    ACCESS_FS_EXECUTE, ACCESS_FS_IOCTL_DEV, ACCESS_FS_MAKE_DIR, ACCESS_FS_MAKE_FIFO,
    ACCESS_FS_MAKE_REG, ACCESS_FS_MAKE_SOCK, ACCESS_FS_MAKE_SYM, ACCESS_FS_READ_DIR,
    ACCESS_FS_READ_FILE, ACCESS_FS_REFER, ACCESS_FS_REMOVE_DIR, ACCESS_FS_REMOVE_FILE,
    ACCESS_FS_TRUNCATE, ACCESS_FS_WRITE_FILE, abi_for_access, handled_access_fs, landlock_abi,
)

__all__ = ["LandlockRules", "build_rules", "landlock_abi", "READ", "WRITE", "MAX_RULES"]

MAX_RULES = 4096

READ = ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR | ACCESS_FS_EXECUTE
WRITE = (ACCESS_FS_WRITE_FILE | ACCESS_FS_REMOVE_DIR | ACCESS_FS_REMOVE_FILE | ACCESS_FS_MAKE_DIR
         | ACCESS_FS_MAKE_REG | ACCESS_FS_MAKE_SOCK | ACCESS_FS_MAKE_FIFO | ACCESS_FS_MAKE_SYM
         | ACCESS_FS_REFER | ACCESS_FS_TRUNCATE)
DEVICE = ACCESS_FS_READ_FILE | ACCESS_FS_WRITE_FILE | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV

# The device nodes programs need whatever the policy (inside bwrap's --dev /dev).
DEVICES = (
    ("/dev/null", DEVICE), ("/dev/zero", DEVICE), ("/dev/full", DEVICE),
    ("/dev/random", DEVICE), ("/dev/urandom", DEVICE),
    ("/dev/tty", DEVICE),                             # the controlling terminal
    ("/dev/ptmx", DEVICE),                            # new ptys (a symlink to pts/ptmx in bwrap)
    ("/dev/pts", DEVICE | ACCESS_FS_READ_DIR),        # pty ends: openpty, script, tmux
    ("/dev/shm", READ | WRITE),                       # POSIX shared memory and semaphores
)


@dataclass(frozen=True)
class LandlockRules:
    handled: int
    rules: list[tuple[str, int]]

    @property
    def abi_min(self) -> int:
        """The oldest Landlock ABI that can enforce these rules."""
        return abi_for_access(self.handled)

    def to_spec(self) -> dict:
        """The inner spec's "landlock" entry."""
        return {"abi_min": self.abi_min, "handled": self.handled, "rules": list(self.rules)}


def build_rules(read_roots, write_roots, deny_read, allow_read, abi: int) -> LandlockRules:
    """Compile the read/write policy into Landlock rules for a kernel with ``abi``."""
    if abi < 1:
        raise SandboxError("Landlock is not available, so file access cannot be confined",
                           fix="use Linux >= 5.13 with Landlock enabled; check with `ringfence doctor`")
    handled = handled_access_fs(abi)
    roots = {_norm(p) for p in (*read_roots, *write_roots)}
    allows = {_norm(p) for p in allow_read}
    denies = {_norm(p) for p in deny_read}
    out: dict[str, int] = {}

    def add(path: str, access: int) -> None:
        out[path] = out.get(path, 0) | (access & handled)

    _Decomposer(roots, allows, denies, add, out).visit("/")
    for path in write_roots:
        add(_norm(path), WRITE)
    for path, access in DEVICES:
        add(path, access)
    return LandlockRules(handled, sorted(out.items()))


def _norm(path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise SandboxError(f"Landlock rule path {path!r} is not absolute",
                           fix="this is a bug in ringfence; please report it")
    return os.path.realpath(path)


def _inside(path: str, parent: str) -> bool:
    """path is strictly below parent."""
    return path != parent and path.startswith(parent.rstrip("/") + "/")


class _Decomposer:
    """Walks from / towards every entry, granting read rights as the model says."""

    def __init__(self, roots: set[str], allows: set[str], denies: set[str], add, out: dict):
        self.entries = roots | allows | denies
        self.roots, self.allows, self.denies = roots, allows, denies
        self.add, self.out = add, out

    def readable(self, path: str, inherited: bool) -> bool:
        if path in self.allows:
            return True
        if path in self.denies:
            return False
        return path in self.roots or inherited

    def visit(self, path: str, readable: bool | None = None) -> None:
        readable = self.readable(path, False) if readable is None else readable
        below = [e for e in self.entries if _inside(e, path)]
        if not readable:
            # Nothing granted here; re-grants start at the shallowest entries below.
            for e in below:
                if not any(_inside(e, other) for other in below):
                    self.visit(e, self.readable(e, False))
            return
        if not any(e in self.denies for e in below):
            self.add(path, READ)
            return
        self.add(path, ACCESS_FS_READ_DIR)
        try:
            children = list(os.scandir(path))
        except NotADirectoryError:       # a file cannot hold the denied paths
            self.add(path, READ)
            return
        except OSError:                  # missing or unlistable: READ_DIR only
            return
        for child in children:
            if any(e == child.path or _inside(e, child.path) for e in below):
                self.visit(child.path, self.readable(child.path, True))
            elif not child.is_symlink():
                self.add(child.path, READ)
        if len(self.out) > MAX_RULES:
            denied = sorted(e for e in below if e in self.denies)
            raise SandboxError(
                f"denying {', '.join(denied)} needs more than {MAX_RULES} Landlock rules "
                f"({path} has {len(children)} entries, each needing its own rule)",
                fix=f"deny a directory higher up, or allow {path} as a whole")
