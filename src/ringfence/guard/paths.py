"""Where a word points, and whether a glob can reach a path: pure string work.

``resolve`` makes an argument absolute the way the kernel would read it lexically:
relative to the command's cwd, ``//`` collapsed, ``..`` applied, ``/proc/self/root``
(and ``/proc/<pid>/root``, ``/proc/thread-self/root``) peeled. Symlinks are the
caller's business (``facts.realpath``): this module never touches the file system.

``relation`` answers, for a glob pattern and a path, whether the pattern can match the
path itself, something below it, or one of its ancestors; bash globs skip dot-files
unless the pattern segment starts with '.', find's placeholders do not (``hidden_ok``).
"""
from __future__ import annotations

import posixpath

from ringfence.guard.shell import UNKNOWN
from ringfence.guard.wildcard import fnmatchcase

_PROC_ROOTS = ("self", "thread-self")


def resolve(text: str, cwd: str | None) -> str | None:
    """Absolute normalized path for ``text``; None when it depends on something unknown."""
    if not text or UNKNOWN in text:
        return None
    if not text.startswith("/"):
        if cwd is None:
            return None
        text = cwd.rstrip("/") + "/" + text
    return normalize(text)


def normalize(path: str) -> str:
    p = posixpath.normpath(path)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    while p.startswith("/proc/"):
        parts = p.split("/", 4)  # '', 'proc', pid, 'root', rest
        if len(parts) >= 4 and parts[3] == "root" and (parts[2] in _PROC_ROOTS or parts[2].isdigit()):
            p = "/" + (parts[4] if len(parts) > 4 else "")
            p = posixpath.normpath(p) if p != "/" else p
        else:
            break
    return p


def escape(path: str) -> str:
    """``path`` as a glob that matches only itself."""
    return "".join("[" + c + "]" if c in "*?[" else c for c in path)


def resolve_pattern(pattern: str, cwd: str | None) -> str | None:
    if UNKNOWN in pattern:
        return None
    if not pattern.startswith("/"):
        if cwd is None:
            return None
        pattern = escape(cwd.rstrip("/")) + "/" + pattern
    return normalize(pattern)


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it."""
    root = root.rstrip("/") or "/"
    return path == root or path.startswith(root + "/") or root == "/"


def ancestors(path: str) -> list[str]:
    """``path`` and every directory above it, up to '/'."""
    out = [path]
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        out.append(path)
    return out


def is_glob(text: str) -> bool:
    """``text`` has a glob character (``*``, ``?``, ``[``)."""
    return "*" in text or "?" in text or "[" in text


def static_prefix(pattern: str) -> str:
    """The leading directories of a glob before its first glob character."""
    parts = []
    for seg in pattern.split("/"):
        if is_glob(seg):
            break
        parts.append(seg)
    return "/".join(parts) or "/"


def _seg(name: str, pat: str, hidden_ok: bool) -> bool:
    if name.startswith(".") and not hidden_ok and not pat.startswith("."):
        return False
    return fnmatchcase(name, pat)


def relation(pattern: str, path: str, *, hidden_ok: bool = False) -> set[str]:
    """Which of 'exact', 'below', 'above' the absolute glob ``pattern`` can match for ``path``.

    'exact': the pattern can match ``path``; 'below': something inside it; 'above': one
    of its ancestors (but not the path itself).
    """
    g = [s for s in pattern.split("/") if s]
    p = [s for s in path.split("/") if s]
    out: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()  # i: pattern index, j: path index
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if j == len(p):
            rest = g[i:]
            if all(s == "**" for s in rest):
                out.add("exact")
            if rest:
                out.add("below")
            continue
        if i == len(g):
            out.add("above")
            continue
        seg = g[i]
        if seg == "**":
            stack.append((i + 1, j))                      # zero segments
            if _seg(p[j], "*", hidden_ok):
                stack.append((i, j + 1))                  # one more segment
            continue
        if _seg(p[j], seg, hidden_ok):
            stack.append((i + 1, j + 1))
    return out


def covers_children(pattern: str, directory: str, *, hidden_ok: bool = False) -> bool:
    """The pattern names every (non-hidden) entry of ``directory``: ``dir/*``, ``dir/**``."""
    g = [s for s in pattern.split("/") if s]
    d = [s for s in directory.split("/") if s]
    if len(g) <= len(d) or any(not _seg(n, s, True) for n, s in zip(d, g)):
        return False
    if any("*" in s or "?" in s or "[" in s for s in g[:len(d)]):
        return False  # a glob above the directory: judged by relation() instead
    rest = g[len(d):]
    return all(s in ("*", "**", ".*", "*.*") for s in rest) and rest[0] in ("*", "**")


class PathSet:
    """Absolute patterns compiled for fast 'covers' checks (gitignore-like: a pattern that
    matches a directory covers what is inside it).

    Plain paths are looked up by ancestor, ``/**/literal/suffix`` by substring, and only
    real globs go through ``relation``.
    """

    def __init__(self, patterns):
        self.patterns = tuple(dict.fromkeys(patterns))
        self.plain: dict[str, str] = {}
        self.suffixes: list[tuple[str, str]] = []
        self.globs: list[tuple[str, str]] = []  # (static prefix, pattern)
        for p in self.patterns:
            if not is_glob(p):
                self.plain.setdefault(p.rstrip("/") or "/", p)
            elif p.startswith("/**/") and not is_glob(p[4:]):
                self.suffixes.append(("/" + p[4:].rstrip("/"), p))
            else:
                self.globs.append((static_prefix(p), p))

    def find(self, path: str) -> str | None:
        """The first pattern that covers ``path``, or None."""
        if self.plain:
            a = path
            while True:
                if a in self.plain:
                    return self.plain[a]
                if a == "/":
                    break
                a = a[:a.rfind("/")] or "/"
        if self.suffixes:
            padded = path + "/"
            for suffix, p in self.suffixes:
                if suffix + "/" in padded:
                    return p
        for static, p in self.globs:
            if not within(path, static):
                continue  # the pattern and its directories all lie under static
            rel = relation(p, path, hidden_ok=True)
            if "exact" in rel or "above" in rel:
                return p
        return None
