"""Path patterns: expansion to absolute form, glob validation and matching.

A pattern is absolute after expansion. Glob syntax: ``*`` (within a segment), ``?``,
``[...]`` and ``**`` as a whole segment (any depth). Matching uses the real path of
what is matched, so ``..``, ``//`` and symlinks cannot dodge a rule.
"""
from __future__ import annotations

import os

GLOB_CHARS = "*?["


def is_glob(p: str) -> bool:
    return any(c in p for c in GLOB_CHARS)


def check_glob(pattern: str) -> str | None:
    """Return an error message if ``pattern`` is not a valid glob, else None."""
    if "\x00" in pattern:
        return "contains a NUL byte"
    depth = 0
    for c in pattern:
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
    if depth:
        return "unbalanced '[' in glob"
    for seg in pattern.split("/"):
        if "**" in seg and seg != "**":
            return f"'**' must be a whole path segment (found {seg!r}); use '*' inside a name"
    return None


def expand(raw: str, *, home: str, base: str) -> str:
    """Make ``raw`` absolute: ``~`` and ``~/x`` from ``home``, relative from ``base``.

    The result is normalized lexically (``..``, ``//``) but symlinks are kept, since
    the path may not exist yet; the layers resolve existing paths with realpath.
    """
    if raw == "~":
        p = home
    elif raw.startswith("~/"):
        p = os.path.join(home, raw[2:])
    elif raw.startswith("/"):
        p = raw
    else:
        p = os.path.join(base, raw[2:] if raw.startswith("./") else raw)
    trailing = p.endswith("/") and len(p) > 1
    p = os.path.normpath(p)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    return p + "/" if trailing and not p.endswith("/") else p


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (plain string test on normalized absolute paths)."""
    return path == root or root == "/" or path.startswith(root.rstrip("/") + "/")


def static_prefix(pattern: str) -> str:
    """The longest leading directory of ``pattern`` without glob characters."""
    parts = pattern.split("/")
    out = []
    for seg in parts:
        if is_glob(seg):
            break
        out.append(seg)
    prefix = "/".join(out)
    return prefix or "/"


def _seg_match(seg: str, pat: str) -> bool:
    from fnmatch import fnmatchcase
    return fnmatchcase(seg, pat)


def glob_match(path: str, pattern: str) -> bool:
    """Does absolute ``path`` match absolute glob ``pattern`` (``**`` spans segments)?"""
    ps = [s for s in path.split("/") if s]
    gs = [s for s in pattern.split("/") if s]

    def rec(i: int, j: int) -> bool:
        while j < len(gs):
            g = gs[j]
            if g == "**":
                if j == len(gs) - 1:
                    return True
                return any(rec(k, j + 1) for k in range(i, len(ps) + 1))
            if i >= len(ps) or not _seg_match(ps[i], g):
                return False
            i += 1
            j += 1
        return i == len(ps)

    return rec(0, 0)


def expand_glob(pattern: str, *, limit: int = 20000) -> list[str]:
    """Existing paths matching ``pattern``; bounded walk of its static prefix.

    Raises ValueError when the walk would visit more than ``limit`` entries, so a
    caller can refuse (fail closed) instead of silently enforcing part of a rule.
    """
    root = static_prefix(pattern)
    if not os.path.lexists(root):
        return []
    rest = pattern[len(root):].lstrip("/").split("/")
    out: list[str] = []
    seen = 0

    def walk(d: str, idx: int) -> None:
        nonlocal seen
        if idx >= len(rest):
            return
        seg = rest[idx]
        try:
            entries = list(os.scandir(d))
        except OSError:
            return
        seen += len(entries)
        if seen > limit:
            raise ValueError(f"glob {pattern!r} visits more than {limit} entries under {root}")
        last = idx == len(rest) - 1
        for e in entries:
            if seg == "**":
                # zero segments: try the rest here
                pass
            if seg == "**" or _seg_match(e.name, seg):
                full = os.path.join(d, e.name)
                if seg == "**":
                    if glob_match(full, pattern):
                        out.append(full)
                    if e.is_dir(follow_symlinks=False):
                        walk(full, idx)
                elif last:
                    out.append(full)
                elif e.is_dir(follow_symlinks=False):
                    walk(full, idx + 1)

    walk(root, 0)
    return sorted(set(out))
