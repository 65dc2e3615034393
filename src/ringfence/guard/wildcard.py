"""``*`` wildcards matched by hand, so that the hook's common path never imports ``re``.

Claude Code starts the hook as a fresh process for every tool call, and ``re`` (with
``enum`` and ``functools``, which it imports) is several milliseconds of that start-up.
Nearly every pattern the guard matches has ``*`` as its only wildcard (rule specifiers,
``~/.ssh/**``, ``*TOKEN*``); those need no regular expression: the pieces between the
stars are found left to right, the first anchored at the start and the last at the
end. Patterns with ``?`` or ``[...]`` go to ``fnmatch`` itself.

Each function gives exactly what its regular-expression twin gives (the tests compare
them on generated input); ``\\s`` there and ``str.isspace`` here are the same test.
"""
from __future__ import annotations


def fnmatchcase(name: str, pat: str) -> bool:
    """``fnmatch.fnmatchcase(name, pat)``."""
    if "?" in pat or "[" in pat:
        from fnmatch import fnmatchcase as fnmatch_fnmatchcase
        return fnmatch_fnmatchcase(name, pat)
    return star_match(pat.split("*"), name)


def star_match(pieces: list[str], text: str) -> bool:
    """``re.fullmatch(".*".join(map(re.escape, pieces)), text, re.S)``."""
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return text == first
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    return _place(pieces, text, len(first), end) is not None


def star_match_words(pieces: list[str], text: str) -> bool:
    """``re.fullmatch(".*".join(map(re.escape, pieces)) + r"(?:\\s.*)?", text, re.S)``: the
    pattern matches the whole text, or a part of it that ends where whitespace begins."""
    first, last = pieces[0], pieces[-1]
    if not text.startswith(first):
        return False
    if len(pieces) == 1:
        return len(text) == len(first) or text[len(first)].isspace()
    i = _place(pieces, text, len(first), len(text))
    if i is None:
        return False
    j = text.find(last, i)
    while j != -1:
        k = j + len(last)
        if k == len(text) or text[k].isspace():
            return True
        j = text.find(last, j + 1)
    return False


def _place(pieces: list[str], text: str, i: int, end: int) -> int | None:
    """Where the middle pieces, placed leftmost one after another from ``i`` within
    ``text[:end]``, end; None if they do not fit. Leftmost is never worse for what follows."""
    for piece in pieces[1:-1]:
        j = text.find(piece, i, end)
        if j == -1:
            return None
        i = j + len(piece)
    return i


def words_match(tokens: list[str], text: str, prefix: bool) -> bool:
    """``tokens`` (no whitespace inside), each separated by one whitespace character, ``*``
    spanning anything; with ``prefix`` the match may also end where whitespace begins. What
    ``re.fullmatch`` gives for ``r"\\s".join(".*".join(map(re.escape, t.split("*"))) for t in
    tokens)`` plus ``r"(?:\\s.*)?"`` (``.*`` alone for no tokens) with prefix, and ``re.S``."""
    if tokens in ([], [""]):  # the empty pattern ('.*' with prefix)
        return prefix or text == ""
    segments: list[list] = [[]]  # split at the stars; each a fixed-length run of literals and _SPACE
    for n, token in enumerate(tokens):
        if n:
            segments[-1].append(_SPACE)
        for k, piece in enumerate(token.split("*")):
            if k:
                segments.append([])
            if piece:
                segments[-1].append(piece)
    first, last = segments[0], segments[-1]
    if len(segments) == 1:
        size = _size(first)
        return _at(first, text, 0) and (size == len(text) or (prefix and text[size].isspace()))
    if not _at(first, text, 0):
        return False
    i = _size(first)
    limit = len(text) if prefix else len(text) - _size(last)
    for segment in segments[1:-1]:
        at = _find(segment, text, i, limit)
        if at is None:
            return False
        i = at + _size(segment)
    size = _size(last)
    if not prefix:
        return len(text) - size >= i and _at(last, text, len(text) - size)
    if not last:
        return True  # the pattern ends with a star
    ends = [len(text)] + [k for k in range(i + size, len(text)) if text[k].isspace()]
    return any(_at(last, text, k - size) for k in ends if k - size >= i)


_SPACE = None  # in a segment: one whitespace character


def _size(segment: list) -> int:
    return sum(1 if part is _SPACE else len(part) for part in segment)


def _at(segment: list, text: str, i: int) -> bool:
    """``segment`` matches ``text`` at ``i``."""
    for part in segment:
        if part is _SPACE:
            if i >= len(text) or not text[i].isspace():
                return False
            i += 1
        elif text.startswith(part, i):
            i += len(part)
        else:
            return False
    return True


def _find(segment: list, text: str, i: int, limit: int) -> int | None:
    """The leftmost place at or after ``i`` where ``segment`` matches and ends by ``limit``."""
    size = _size(segment)
    offset = 0
    for part in segment:
        if part is not _SPACE:
            break
        offset += 1
    else:
        part = None
    if part is None:  # only whitespace: try each place
        return next((p for p in range(i, limit - size + 1) if _at(segment, text, p)), None)
    q = text.find(part, i + offset)
    while q != -1 and q - offset + size <= limit:
        if _at(segment, text, q - offset):
            return q - offset
        q = text.find(part, q + 1)
    return None
