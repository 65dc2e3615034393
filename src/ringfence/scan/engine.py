"""Walk a repository and dispatch each file to the rules that care about it.

The walk covers the whole tree: dotfiles, git-ignored files, ``.git`` metadata (config,
commondir, hooks; never the object store). It never follows a symlink (links are
reported, and an in-tree link to a config file is checked as that file), does not
descend into vendored dependency folders (only the install scripts a package manager
would run are read), and is bounded: files are opened non-blocking and read up to a
limit, large files are sampled, FIFOs and devices are never opened, nesting is capped,
and every OSError becomes a finding with the path. Only this module does I/O; rules
are pure functions of (relative path, bytes).
"""
from __future__ import annotations

import errno
import os
import posixpath
import stat

from ringfence.errors import ScanError
from ringfence.scan.findings import Report
from ringfence.scan.rules import FILE_RULES, git, hidden_text, office, package_managers, symlinks, walk

CHUNK = 16 << 10
TEXT_LIMIT = 8 << 20      # text files up to this size are read whole ...
SAMPLE = 1 << 20          # ... larger ones only this much, with an info finding
CONFIG_LIMIT = 8 << 20    # a file some rule must parse: over this is a finding
OFFICE_LIMIT = 64 << 20
BINARY_PROBE = 8192
MAX_DEPTH = 64
MAX_NODE_MODULES_DEPTH = 16

VENDORED = frozenset({"node_modules", "bower_components", "jspm_packages", "vendor", ".venv", "venv",
                      "__pypackages__", ".tox", ".nox", "site-packages", "Pods", "Carthage", ".bundle",
                      ".terraform", ".pnpm-store"})
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY

_BY_NAME: dict[str, list] = {}
_BY_SUFFIX: dict[str, list] = {}
for _m in FILE_RULES:
    for _n in getattr(_m, "NAMES", ()):
        _BY_NAME.setdefault(_n, []).append(_m)
    for _s in getattr(_m, "SUFFIXES", ()):
        _BY_SUFFIX.setdefault(_s, []).append(_m)
_UNDER = [m for m in FILE_RULES if getattr(m, "UNDER", ())]


def rules_for(rel: str, under: list = ()) -> list:
    """The file-rule modules that want ``rel`` (``under``: modules active for its directory)."""
    name = rel.rpartition("/")[2]
    cands = _BY_NAME.get(name, [])
    dot = name.rfind(".")
    by_suffix = _BY_SUFFIX.get(name[dot:].lower()) if dot > 0 else None
    if by_suffix:
        cands = cands + [m for m in by_suffix if m not in cands] if cands else by_suffix
    if under:
        cands = cands + [m for m in under if m not in cands]
    return [m for m in cands if m.wants(rel)]


class _Walker:
    def __init__(self, root: str):
        self.root = root
        self.report = Report(root=root)
        self.add = self.report.findings.extend

    # -- reading ---------------------------------------------------------------------------------

    def read(self, path: str, rel: str, limit: int, sample: int | None) -> bytes | None:
        """Up to ``limit`` bytes of a regular file; over it, ``sample`` bytes (or None) plus a finding."""
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as e:
            if e.errno == errno.ELOOP:  # replaced by a symlink since the directory was listed
                self.symlink(path, rel)
            else:
                self.add([walk.unreadable(rel, e)])
            return None
        try:
            data = os.read(fd, CHUNK)
            return data if len(data) < CHUNK else self.rest(fd, data, rel, limit, sample)
        except BlockingIOError:
            self.add([walk.special(rel, "FIFO")])
            return None
        except OSError as e:
            self.add([walk.unreadable(rel, e)])
            return None
        finally:
            os.close(fd)

    def rest(self, fd: int, data: bytes, rel: str, limit: int, sample: int | None) -> bytes | None:
        """The rest of a file whose first CHUNK bytes are ``data``, within ``limit``."""
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            self.add([walk.special(rel, "non-regular file")])
            return None
        if st.st_size > limit:
            if sample is None:
                self.add([walk.too_large(rel, st.st_size, limit)])
                return None
            self.add([walk.sampled(rel, st.st_size, sample)])
            limit = sample
        parts = [data]
        got = len(data)
        while got < limit:
            more = os.read(fd, min(limit - got, 4 << 20))
            if not more:
                break
            parts.append(more)
            got += len(more)
        return b"".join(parts)

    # -- entries ---------------------------------------------------------------------------------

    def file(self, path: str, rel: str, under: list) -> None:
        self.report.files_scanned += 1
        mods = rules_for(rel, under)
        if mods:
            is_office = office in mods
            data = self.read(path, rel, OFFICE_LIMIT if is_office else CONFIG_LIMIT, None)
            if data is None:
                return
            for m in mods:
                self.add(m.check(rel, data))
            if is_office:
                return
        else:
            data = self.read(path, rel, TEXT_LIMIT, SAMPLE)
            if data is None:
                return
        if b"\0" not in data[:BINARY_PROBE]:
            self.add(hidden_text.check(rel, data))

    def symlink(self, path: str, rel: str) -> None:
        try:
            target = os.readlink(path)
        except OSError as e:
            self.add([walk.unreadable(rel, e)])
            return
        try:
            os.stat(path)
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.add([symlinks.loop(rel, target)])
                return
        resolved = os.path.realpath(path)
        if resolved != self.root and not resolved.startswith(self.root.rstrip(os.sep) + os.sep):
            self.add([symlinks.outside(rel, target, resolved)])
            return
        mods = rules_for(rel, [m for m in _UNDER if any(f in "/" + rel for f in m.UNDER)])
        if mods and os.path.isfile(resolved) and office not in mods:
            data = self.read(resolved, rel, CONFIG_LIMIT, None)  # e.g. .claude/settings.json -> evil.json
            if data is not None:
                for m in mods:
                    self.add(m.check(rel, data))

    def git_dir(self, path: str, rel: str) -> None:
        """A ``.git`` directory: its configs, commondir and hooks, and those of submodules and
        worktrees; never the object store."""
        self.report.dirs_scanned += 1
        main = (("config", git.check_config), ("config.worktree", git.check_config), ("commondir", git.check_commondir))
        todo = [(path, rel, 0, main)]
        while todo:
            d, r, depth, checks = todo.pop()
            for name, fn in checks:
                self.git_file(os.path.join(d, name), f"{r}/{name}", fn)
            if checks is not main:
                continue
            try:
                hooks = os.listdir(os.path.join(d, "hooks"))
            except OSError:
                hooks = []
            self.add(git.check_hooks(f"{r}/hooks", hooks))
            if depth < 4:
                for e, er in self.dirs(os.path.join(d, "modules"), f"{r}/modules"):
                    todo.append((e.path, er, depth + 1, main))
                for e, er in self.dirs(os.path.join(d, "worktrees"), f"{r}/worktrees"):
                    todo.append((e.path, er, depth + 1, (("config.worktree", git.check_config),)))

    def git_file(self, path: str, rel: str, fn) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        except OSError as e:
            self.add([walk.unreadable(rel, e)])
            return
        if stat.S_ISLNK(st.st_mode):
            self.symlink(path, rel)
        elif stat.S_ISREG(st.st_mode):
            data = self.read(path, rel, CONFIG_LIMIT, None)
            if data is not None:
                self.add(fn(rel, data))

    def node_modules(self, path: str, rel: str, depth: int) -> None:
        """Install scripts of every package npm/pnpm/yarn would run, and nothing else."""
        if depth > MAX_NODE_MODULES_DEPTH:
            self.add([walk.too_deep(rel, MAX_NODE_MODULES_DEPTH)])
            return
        for e, r in self.dirs(path, rel):
            if e.name == ".pnpm":
                for g, gr in self.dirs(e.path, r):
                    self.node_modules(os.path.join(g.path, "node_modules"), f"{gr}/node_modules", depth + 1)
            elif e.name.startswith("@"):
                for pkg, pr in self.dirs(e.path, r):
                    self.package(pkg.path, pr, depth)
            elif not e.name.startswith("."):
                self.package(e.path, r, depth)

    def package(self, path: str, rel: str, depth: int) -> None:
        manifest = os.path.join(path, "package.json")
        if os.path.isfile(manifest) and not os.path.islink(manifest):
            data = self.read(manifest, f"{rel}/package.json", CONFIG_LIMIT, None)
            if data is not None:
                self.add(package_managers.check_dependency(f"{rel}/package.json", data))
        nested = os.path.join(path, "node_modules")
        if os.path.isdir(nested) and not os.path.islink(nested):
            self.node_modules(nested, f"{rel}/node_modules", depth + 1)

    def dirs(self, path: str, rel: str) -> list:
        """Real (non-symlink) subdirectories of ``path`` as (entry, rel); errors become findings."""
        try:
            with os.scandir(path) as it:
                return [(e, f"{rel}/{e.name}") for e in it if e.is_dir(follow_symlinks=False)]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as e:
            self.add([walk.unreadable(rel, e)])
            return []

    # -- the walk --------------------------------------------------------------------------------

    def walk(self) -> None:
        by_name, by_suffix, add = _BY_NAME, _BY_SUFFIX, self.add
        stack = [(self.root, "", 0)]
        while stack:
            d, rel_d, depth = stack.pop()
            try:
                with os.scandir(d) as it:
                    entries = list(it)
            except OSError as e:
                add([walk.unreadable(rel_d or ".", e)])
                continue
            self.report.dirs_scanned += 1
            probe = "/" + rel_d + "/"
            under = [m for m in _UNDER if any(f in probe for f in m.UNDER)]
            prefix = rel_d + "/" if rel_d else ""
            for e in entries:
                name = e.name
                rel = prefix + name
                try:
                    if e.is_file(follow_symlinks=False):
                        dot = name.rfind(".")
                        if under or name in by_name or (dot > 0 and name[dot:].lower() in by_suffix):
                            self.file(e.path, rel, under)
                        else:  # the common case, kept tight: one open, one read, one close
                            self.report.files_scanned += 1
                            try:
                                fd = os.open(e.path, _OPEN_FLAGS)
                            except OSError:
                                data = self.read(e.path, rel, TEXT_LIMIT, SAMPLE)  # reports why
                            else:
                                try:
                                    data = os.read(fd, CHUNK)
                                    if len(data) == CHUNK:
                                        data = self.rest(fd, data, rel, TEXT_LIMIT, SAMPLE)
                                except BlockingIOError:
                                    add([walk.special(rel, "FIFO")])
                                    data = None
                                finally:
                                    os.close(fd)
                            if data and b"\0" not in data[:BINARY_PROBE]:
                                found = hidden_text.check(rel, data)
                                if found:
                                    add(found)
                    elif e.is_dir(follow_symlinks=False):
                        if name == ".git":
                            self.git_dir(e.path, rel)
                        elif name in VENDORED or os.path.exists(os.path.join(e.path, "pyvenv.cfg")):
                            add([walk.vendored(rel)])
                            if name == "node_modules":
                                self.node_modules(e.path, rel, 0)
                        elif depth + 1 > MAX_DEPTH:
                            add([walk.too_deep(rel, MAX_DEPTH)])
                        else:
                            stack.append((e.path, rel, depth + 1))
                    elif e.is_symlink():
                        self.symlink(e.path, rel)
                    else:
                        mode = e.stat(follow_symlinks=False).st_mode
                        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device file"
                        add([walk.special(rel, kind)])
                except OSError as err:
                    add([walk.unreadable(rel, err)])


def scan(path: str) -> Report:
    """Scan the directory (or single file) at ``path``. Raises ScanError if it does not exist."""
    if not os.path.lexists(path):
        raise ScanError(f"{path}: no such file or directory", fix="give the path of a repository to scan")
    real = os.path.realpath(path)
    if os.path.isdir(real):
        w = _Walker(real)
        w.walk()
        return w.report
    if not os.path.isfile(real):
        raise ScanError(f"{path}: not a directory or regular file", fix="give the path of a repository to scan")
    w = _Walker(os.path.dirname(real))
    w.file(real, posixpath.basename(real), [])
    return w.report
