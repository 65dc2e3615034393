"""Walk a repository and dispatch each file to the rules that care about it.

The walk covers the whole tree: dotfiles, git-ignored files, ``.git`` metadata (config,
commondir, hooks; never the object store). It never follows a symlink (links are
reported, and an in-tree link to a config file is checked as that file), does not
descend into vendored dependency folders (only the install scripts a package manager
would run are read), and is bounded: files are opened non-blocking and read up to a
limit, large files are sampled, FIFOs and devices are never opened, nesting is capped,
and every OSError becomes a finding with the path. Only this module does I/O; rules
are pure functions of (relative path, bytes).

Every regular file is opened and read: hidden text can be in any of them, so nothing is
skipped by name, extension or size. What is not looked at is what no rule can find
anything in: the hidden-text rule looks for characters whose UTF-8 bytes are all >= 0x80,
so an all-ASCII file is cleared by ``bytes.isascii`` without decoding, and a file with a
NUL byte in its first 8 KiB is binary, as git judges it, not text: it is not read past its
first block, unless a rule parses it (an Office document).

Opening a file is most of the cost (several microseconds of syscalls each), so a large
tree is shared with one forked helper process (see ``_Helper``) once the walk has listed
PARALLEL_MIN files: the parent lists the tree and the helper checks files meanwhile; at
the end both take what is left. Findings never depend on how the work was shared: each
group of files is checked by exactly one process, and if the helper fails, the parent
checks whatever the helper did not report. A single CPU, or a caller with other threads
running (a fork copies their locks but not the threads), keeps everything in one process.
"""
from __future__ import annotations

import errno
import marshal
import os
import posixpath
import signal
import stat
import sys

from ringfence.errors import ScanError
from ringfence.scan.findings import Finding, Report, Severity
from ringfence.scan.rules import FILE_RULES, git, hidden_text, office, package_managers, symlinks, walk

CHUNK = 16 << 10
TEXT_LIMIT = 8 << 20      # text files up to this size are read whole ...
SAMPLE = 1 << 20          # ... larger ones only this much, with an info finding
CONFIG_LIMIT = 8 << 20    # a file some rule must parse: over this is a finding
OFFICE_LIMIT = 64 << 20
BINARY_PROBE = 8192
MAX_DEPTH = 64
MAX_NODE_MODULES_DEPTH = 16
PARALLEL_MIN = 2048      # files listed before a helper process is worth its fork
GROUP = 256              # files of one directory handed out together

VENDORED = frozenset({"node_modules", "bower_components", "jspm_packages", "vendor", ".venv", "venv",
                      "__pypackages__", ".tox", ".nox", "site-packages", "Pods", "Carthage", ".bundle",
                      ".terraform", ".pnpm-store"})
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

_BY_NAME: dict[str, list] = {}
_BY_SUFFIX: dict[str, list] = {}
for _m in FILE_RULES:
    for _n in getattr(_m, "NAMES", ()):
        _BY_NAME.setdefault(_n, []).append(_m)
    for _s in getattr(_m, "SUFFIXES", ()):
        _BY_SUFFIX.setdefault(_s, []).append(_m)
_UNDER = [m for m in FILE_RULES if getattr(m, "UNDER", ())]
_DIR_SCOPED = {s: [m.wants_dir for m in mods] for s, mods in _BY_SUFFIX.items()
               if all(hasattr(m, "wants_dir") for m in mods)}  # suffixes wanted only in some directories
_ANYWHERE = frozenset(_BY_SUFFIX) - frozenset(_DIR_SCOPED)


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


def suffixes_in(prefix: str) -> frozenset:
    """The suffixes for which ``rules_for`` can return a module for a file in the directory
    ``prefix`` whose name is in no module's NAMES (see ``wants_dir`` in ``rules``)."""
    scoped = [s for s, tests in _DIR_SCOPED.items() if any(t(prefix) for t in tests)]
    return _ANYWHERE.union(scoped) if scoped else _ANYWHERE


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
        """The rest of a file whose first CHUNK bytes are ``data``, within ``limit``. A file read
        for hidden text only (``sample`` given) that is binary needs nothing past ``data``."""
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
        if sample is not None and data.find(b"\0", 0, BINARY_PROBE) >= 0:
            return data  # the hidden-text check skips binaries: a large image is not read to its end
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

    def file(self, path: str, rel: str, mods: list) -> None:
        """A regular file: read once, checked by ``mods`` (the rule modules that want it, see
        ``rules_for``) and for hidden text, unless it is an office document or binary."""
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
        if not data.isascii() and data.find(b"\0", 0, BINARY_PROBE) < 0:
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

    def walk(self):
        """List the tree and handle everything but regular files; yield those in groups of at
        most GROUP files of one directory: (directory path + "/", its rel prefix, names)."""
        add = self.add
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
            prefix = rel_d + "/" if rel_d else ""
            names = []
            for e in entries:
                try:
                    if e.is_file(follow_symlinks=False):
                        names.append(e.name)
                    elif e.is_dir(follow_symlinks=False):
                        name, rel = e.name, prefix + e.name
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
                        self.symlink(e.path, prefix + e.name)
                    else:
                        mode = e.stat(follow_symlinks=False).st_mode
                        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device file"
                        add([walk.special(prefix + e.name, kind)])
                except OSError as err:
                    add([walk.unreadable(prefix + e.name, err)])
            self.report.files_scanned += len(names)
            d = os.path.join(d, "")
            for i in range(0, len(names), GROUP):
                yield d, prefix, names[i:i + GROUP]

    def check_group(self, group: tuple) -> None:
        """Read and check the files of one group from ``walk``."""
        d, prefix, names = group
        by_name, by_suffix, add = _BY_NAME, suffixes_in(prefix), self.add
        probe = "/" + prefix
        under = [m for m in _UNDER if any(f in probe for f in m.UNDER)]
        try:  # files are opened relative to their directory: one path component to resolve, not all
            dfd = os.open(d[:-1] or "/", _DIR_FLAGS)
        except OSError:
            dfd = None  # gone or replaced since it was listed: full paths, each file reports what it finds
        try:
            for name in names:
                dot = name.rfind(".")
                if under or name in by_name or (dot > 0 and name[dot:].lower() in by_suffix):
                    mods = rules_for(prefix + name, under)
                    if mods:
                        self.file(d + name, prefix + name, mods)
                        continue
                # the common case, kept tight: one open, one read, one close (``file`` without rules)
                try:
                    fd = os.open(name if dfd is not None else d + name, _OPEN_FLAGS, dir_fd=dfd)
                except OSError:
                    data = self.read(d + name, prefix + name, TEXT_LIMIT, SAMPLE)  # reports why
                else:
                    try:
                        data = os.read(fd, CHUNK)
                        if len(data) == CHUNK:
                            data = self.rest(fd, data, prefix + name, TEXT_LIMIT, SAMPLE)
                    except BlockingIOError:
                        add([walk.special(prefix + name, "FIFO")])
                        data = None
                    except OSError as e:
                        add([walk.unreadable(prefix + name, e)])
                        data = None
                    finally:
                        os.close(fd)
                # all-ASCII data cannot hold hidden text; a NUL in the first block means binary
                if data and not data.isascii() and data.find(b"\0", 0, BINARY_PROBE) < 0:
                    found = hidden_text.check(prefix + name, data)
                    if found:
                        add(found)
        finally:
            if dfd is not None:
                os.close(dfd)

    def run(self, workers: int) -> None:
        """Walk, and check every listed file: in this process, or shared with a helper process
        once the walk has listed PARALLEL_MIN files (see the module docstring)."""
        groups: list = []
        mine: set[int] = set()  # groups this process checked while a helper was running
        helper = None

        def share(i: int) -> None:  # queue group i; when the queue is full, check it here: never wait
            if not helper.put(i):
                self.check_group(groups[i])
                mine.add(i)

        try:
            for group in self.walk():
                groups.append(group)
                if helper is not None:
                    helper.send(group)
                    share(len(groups) - 1)
                elif workers > 1 and self.report.files_scanned >= PARALLEL_MIN:
                    workers = 1  # one attempt
                    try:
                        helper = _Helper(self, groups)
                    except OSError:  # no memfd, pipe or process to spare: this process does it all
                        continue
                    for i in range(len(groups)):  # the helper inherited these: only their numbers are queued
                        share(i)
            if helper is None:
                for group in groups:
                    self.check_group(group)
                return
            mine |= helper.take_rest(groups)
            done, found = helper.result()
            helper = None
            self.add(found)
            for i in range(len(groups)):  # if the helper failed, its groups are checked here
                if i not in done and i not in mine:
                    self.check_group(groups[i])
        finally:
            if helper is not None:  # interrupted
                helper.stop()


class _Helper:
    """A forked process that checks groups of files while the parent walks, then shares the
    rest with it. The helper inherits the groups listed before the fork; later ones are
    appended to a memfd (the parent never blocks on it). A pipe is the queue: the number of
    each group (4 bytes, written after its data, non-blocking: when the pipe is full the
    parent checks the group itself); the helper takes numbers from it during the walk, both
    processes after. A pipe read the size of every write takes exactly one whole number, so
    each group is checked once. A second pipe returns the numbers the helper took and its
    findings."""

    def __init__(self, walker: _Walker, groups: list):
        self.walker = walker
        self.data = self.queue_r = self.queue_w = self.result_r = result_w = -1
        self.end = 0  # of the data written so far
        self.pid = 0
        try:
            self.data = os.memfd_create("ringfence-scan", os.MFD_CLOEXEC)
            self.queue_r, self.queue_w = os.pipe()
            self.result_r, result_w = os.pipe()
            self.pid = os.fork()
        except OSError:
            if result_w >= 0:
                os.close(result_w)
            self.stop()
            raise
        if self.pid == 0:
            try:
                os.close(self.queue_w)
                os.close(self.result_r)
                self.serve(groups, result_w)
            finally:
                os._exit(1)  # never returns into the caller's code
        os.close(result_w)
        os.set_blocking(self.queue_w, False)

    # -- in the parent ---------------------------------------------------------------------------

    def send(self, group: tuple) -> None:
        """Make a group listed after the fork known to the helper (before its number is queued)."""
        payload = marshal.dumps(group)
        frame = len(payload).to_bytes(4, "little") + payload
        while frame:  # a write to a memfd is whole unless interrupted; the loop covers that
            n = os.pwrite(self.data, frame, self.end)
            self.end += n
            frame = frame[n:]

    def put(self, i: int) -> bool:
        """Queue group number ``i``; False if the queue is full (the caller checks the group)."""
        try:
            os.write(self.queue_w, i.to_bytes(4, "little"))
        except BlockingIOError:
            return False
        return True

    def take_rest(self, groups: list) -> set[int]:
        """The walk is over: close the queue and check groups from it until it is empty."""
        os.close(self.queue_w)
        self.queue_w = -1
        mine = set()
        while (i := _take(self.queue_r)) is not None:
            mine.add(i)
            self.walker.check_group(groups[i])
        return mine

    def result(self) -> tuple[set[int], list[Finding]]:
        """The group numbers the helper checked and its findings; none if it failed."""
        with open(self.result_r, "rb") as f:
            self.result_r = -1
            payload = f.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        self.stop()
        try:
            done, found = marshal.loads(payload) if status == 0 else ((), ())
        except (EOFError, ValueError, TypeError):
            done, found = (), ()
        return set(done), [Finding(rule, Severity(sev), path, line, message, fix)
                           for rule, sev, path, line, message, fix in found]

    def stop(self) -> None:
        """Close what is still open; kill and reap the helper if it is still running."""
        for name in ("data", "queue_r", "queue_w", "result_r"):
            if getattr(self, name) >= 0:
                os.close(getattr(self, name))
                setattr(self, name, -1)
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0

    # -- in the helper ---------------------------------------------------------------------------

    def serve(self, groups: list, result_w: int) -> None:
        walker = self.walker
        walker.report.findings = []
        walker.add = walker.report.findings.extend
        done, at = [], 0
        while (i := _take(self.queue_r)) is not None:
            while len(groups) <= i:  # its data was written before its number
                n = int.from_bytes(os.pread(self.data, 4, at), "little")
                payload = os.pread(self.data, n, at + 4)
                if len(payload) != n:
                    raise ScanError("scan: internal error: short read from the walk", fix="run the scan again")
                groups.append(marshal.loads(payload))
                at += 4 + n
            walker.check_group(groups[i])
            done.append(i)
        payload = marshal.dumps((done, [(f.rule, int(f.severity), f.path, f.line, f.message, f.fix)
                                        for f in walker.report.findings]))
        with open(result_w, "wb") as out:
            out.write(payload)
        os._exit(0)


def _take(fd: int) -> int | None:
    """The next group number from the queue, or None once it is closed and empty."""
    b = os.read(fd, 4)
    if not b:
        return None
    if len(b) != 4:
        raise ScanError("scan: internal error: torn read from the work queue", fix="run the scan again")
    return int.from_bytes(b, "little")


def _workers() -> int:
    """Processes to share the checks: 2 when a second CPU is there and forking is safe."""
    threading = sys.modules.get("threading")  # not imported: no other Python thread can exist
    if threading is not None and threading.active_count() > 1:
        return 1  # a fork copies other threads' locks but not the threads
    return min(2, len(os.sched_getaffinity(0)))


def scan(path: str, workers: int | None = None) -> Report:
    """Scan the directory (or single file) at ``path``. Raises ScanError if it does not exist.
    ``workers``: 1 checks every file in this process; by default a helper process shares the
    checks of a large tree when there is a second CPU."""
    if not os.path.lexists(path):
        raise ScanError(f"{path}: no such file or directory", fix="give the path of a repository to scan")
    real = os.path.realpath(path)
    if os.path.isdir(real):
        w = _Walker(real)
        w.run(workers if workers is not None else _workers())
        return w.report
    if not os.path.isfile(real):
        raise ScanError(f"{path}: not a directory or regular file", fix="give the path of a repository to scan")
    w = _Walker(os.path.dirname(real))
    w.report.files_scanned = 1
    w.file(real, posixpath.basename(real), rules_for(posixpath.basename(real)))
    return w.report
