"""JSON (and JSONC) parser that also returns the line of every key and list item.

Sans-I/O and bounded: ``parse_json(text)`` returns a Doc or raises ParseError with a
line and column, nothing else. ``jsonc=True`` accepts ``//`` and ``/* */`` comments and
trailing commas (VS Code's tasks.json, devcontainer.json). Duplicate keys: the last one
wins, as in JavaScript's JSON.parse, which is what Claude Code and Node read.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

MAX_DEPTH = 200

_WS = re.compile(r"[ \t\n\r]*")
_WS_JSONC = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class ParseError(ValueError):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(f"line {line} column {col}: {message}")
        self.reason, self.line, self.col = message, line, col


@dataclass
class Doc:
    """A parsed document: ``value`` plus ``lines[path] -> 1-based line`` for every key path."""
    value: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *path: object) -> int | None:
        """Line of ``path``, or of its longest existing prefix (None for an empty document)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get(())


class _Parser:
    def __init__(self, text: str, jsonc: bool):
        self.text = text
        self.ws = _WS_JSONC if jsonc else _WS
        self.jsonc = jsonc
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[tuple, int] = {}

    def where(self, i: int) -> tuple[int, int]:
        n = bisect.bisect_left(self.newlines, i)
        start = self.newlines[n - 1] + 1 if n else 0
        return n + 1, i - start + 1

    def fail(self, message: str, i: int) -> ParseError:
        return ParseError(message, *self.where(i))

    def skip(self, i: int) -> int:
        j = self.ws.match(self.text, i).end()
        if self.jsonc and self.text.startswith("/*", j):
            raise self.fail("unterminated comment", j)
        return j

    def string(self, i: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as e:
            raise self.fail(e.msg, e.pos) from None

    def value(self, i: int, path: tuple, depth: int) -> tuple[object, int]:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH}", i)
        i = self.skip(i)
        self.lines.setdefault(path, self.where(i)[0])
        c = self.text[i:i + 1]
        if c == "{":
            return self.obj(i + 1, path, depth)
        if c == "[":
            return self.arr(i + 1, path, depth)
        if c == '"':
            return self.string(i)
        m = _NUMBER.match(self.text, i)
        if m and m.end() > i:
            s = m.group()
            return (float(s) if any(ch in s for ch in ".eE") else int(s)), m.end()
        for word, val in _LITERALS.items():
            if self.text.startswith(word, i):
                return val, i + len(word)
        raise self.fail("expected a value" if c else "unexpected end of input", i)

    def obj(self, i: int, path: tuple, depth: int) -> tuple[dict, int]:
        out: dict = {}
        i = self.skip(i)
        if self.text.startswith("}", i):
            return out, i + 1
        while True:
            i = self.skip(i)
            if self.jsonc and out and self.text.startswith("}", i):
                return out, i + 1  # trailing comma
            if not self.text.startswith('"', i):
                raise self.fail("expected a string key", i)
            key_line = self.where(i)[0]
            key, i = self.string(i)
            i = self.skip(i)
            if not self.text.startswith(":", i):
                raise self.fail("expected ':'", i)
            sub = path + (key,)
            for stale in [p for p in self.lines if p[:len(sub)] == sub] if key in out else ():
                del self.lines[stale]  # duplicate key: forget the lines of the replaced value
            self.lines[sub] = key_line
            out[key], i = self.value(i + 1, sub, depth + 1)
            i = self.skip(i)
            c = self.text[i:i + 1]
            if c == ",":
                i += 1
                continue
            if c == "}":
                return out, i + 1
            raise self.fail("expected ',' or '}'", i)

    def arr(self, i: int, path: tuple, depth: int) -> tuple[list, int]:
        out: list = []
        i = self.skip(i)
        if self.text.startswith("]", i):
            return out, i + 1
        while True:
            i = self.skip(i)
            if self.jsonc and out and self.text.startswith("]", i):
                return out, i + 1
            item, i = self.value(i, path + (len(out),), depth + 1)
            out.append(item)
            i = self.skip(i)
            c = self.text[i:i + 1]
            if c == ",":
                i += 1
                continue
            if c == "]":
                return out, i + 1
            raise self.fail("expected ',' or ']'", i)


def parse_json(text: str, *, jsonc: bool = False) -> Doc:
    """Parse ``text`` (a leading BOM is ignored). Raises ParseError."""
    if text.startswith("\ufeff"):
        text = text[1:]
    p = _Parser(text, jsonc)
    value, end = p.value(0, (), 0)
    end = p.skip(end)
    if end != len(text):
        raise p.fail("extra data after the document", end)
    return Doc(value, p.lines)
