"""The hook's JSON in and out, without importing the ``json`` package: pure functions.

``import json`` imports ``re`` (and through it ``enum`` and ``functools``), several
milliseconds that every tool call pays because Claude Code starts the hook as a fresh
process each time. The work itself is done by ``_json``, the C accelerator that ``json``
uses too: ``loads`` drives its scanner with the settings of ``json.loads``' default
decoder, and ``dumps`` writes the hook's small replies (objects of strings) with
``encode_basestring_ascii``, in ``json.dumps``' default layout. Both give exactly what
``json.loads``/``json.dumps`` give; anything the fast path does not accept is handed to
the ``json`` package itself, so every error (and its message) is the package's own
(``JSONDecodeError`` arrives as ``NotJSON``, so that callers need not import ``json``).
"""
from __future__ import annotations

import _json

_WHITESPACE = " \t\n\r"  # json's WHITESPACE: [ \t\n\r]*
_NAN, _INF = float("nan"), float("inf")


class _Decoder:
    """The attributes ``_json.make_scanner`` reads, set as in ``json.JSONDecoder()``."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": -_INF, "Infinity": _INF, "NaN": _NAN}.__getitem__


_scan = _json.make_scanner(_Decoder())


class NotJSON(ValueError):
    """``json.JSONDecodeError``'s message and position."""

    def __init__(self, msg: str, lineno: int, colno: int):
        super().__init__(f"{msg}: line {lineno} column {colno}")
        self.msg, self.lineno, self.colno = msg, lineno, colno


def loads(text: str):
    """``json.loads(text)`` for a str: the same value, or the same exception (NotJSON for
    ``JSONDecodeError``)."""
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if not text.startswith("\ufeff"):
        try:
            value, end = _scan(text, start)
        except Exception:  # noqa: BLE001 - json.loads below raises what it would
            # (StopIteration: no value; the scanner's JSONDecodeError comes from json.decoder,
            # and while that is not imported the scanner fails with a SystemError instead)
            pass
        else:
            if not text[end:].lstrip(_WHITESPACE):
                return value
    import json
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise NotJSON(e.msg, e.lineno, e.colno) from None


def dumps(obj) -> str:
    """``json.dumps(obj)`` for dicts (string keys) of strings and such dicts."""
    if isinstance(obj, str):
        return _json.encode_basestring_ascii(obj)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"hookjson.dumps: key {k!r} is not a string")
            items.append(f"{_json.encode_basestring_ascii(k)}: {dumps(v)}")
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"hookjson.dumps: cannot write {type(obj).__name__}")
