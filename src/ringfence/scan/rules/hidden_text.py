"""Invisible characters in any text file: Unicode tags, zero-width runs, bidi controls.

Tag characters (U+E0000–E007F) spell ASCII that models read and people cannot see;
runs of zero-width characters or variation selectors carry hidden payloads ("emoji
smuggling"); bidi overrides reorder code on screen (Trojan Source, CVE-2021-42574).
Legitimate uses stay quiet: emoji ZWJ sequences, one variation selector after an emoji,
flag tag sequences (England's flag), ZWNJ in Persian or Indic text, bidi marks in RTL text.

``check`` works on bytes and returns at once unless a cheap byte-level prefilter hits.
"""
from __future__ import annotations

import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import decode, short

RULES = {
    "hidden.unicode-tags": "Unicode tag characters: invisible ASCII that a model reads",
    "hidden.zero-width": "Runs of zero-width characters or variation selectors: a hidden payload",
    "hidden.bidi": "Bidirectional control characters that reorder text on screen (Trojan Source)",
}

# Byte-level prefilter, at least as wide as check_text's rules (a property test holds it to
# that) and cheap: ASCII-only data is skipped outright; otherwise one
# search per UTF-8 prefix, each led by a literal that the regex engine scans for quickly and
# judged in place by the regex, never by a Python loop over candidates (an emoji-rich README
# has dozens of ZWJs). Tag characters and bidi controls always count; a zero-width character
# counts right after an ASCII letter or digit, or at the start of a run of four invisible
# characters; a variation selector only at the start of such a run. Emoji ZWJ sequences and
# Persian ZWNJ do not reach check_text.
_INVISIBLE_UTF8 = (rb"(?:\xe2\x80[\x8b-\x8d]|\xe2\x81[\xa0-\xa4]|\xef\xbb\xbf|\xe1\xa0\x8e|\xef\xb8[\x80-\x8f]"
                   rb"|\xf3\xa0[\x84-\x87][\x80-\xbf])")
_RUN_FOLLOWS = rb"(?=" + _INVISIBLE_UTF8 + rb"{3})"        # three more invisible characters follow
# the 3-byte character just read follows an ASCII letter or digit, or starts a run
_IN_CONTEXT = rb"(?:(?<=[A-Za-z0-9]...)|" + _RUN_FOLLOWS + rb")"
_PIECES = tuple(re.compile(p, re.S) for p in (
    rb"\xe2\x80(?:[\xaa-\xae]|[\x8b-\x8d]" + _IN_CONTEXT + rb")",   # U+202A-202E bidi; U+200B-200D zero-width
    rb"\xe2\x81(?:[\xa6-\xa9]|[\xa0-\xa4]" + _IN_CONTEXT + rb")",   # U+2066-2069 bidi isolates; U+2060-2064
    rb"\xef\xbb\xbf" + _IN_CONTEXT,                                 # U+FEFF
    rb"\xe1\xa0\x8e" + _IN_CONTEXT,                                 # U+180E
    rb"\xef\xb8[\x80-\x8f]" + _RUN_FOLLOWS,                         # U+FE00-FE0F variation selectors
    rb"\xf3\xa0(?:[\x80\x81]|[\x84-\x87][\x80-\xbf]" + _RUN_FOLLOWS + rb")",  # U+E0000-E007F tags; U+E0100-E01EF
))


def _suspect(data: bytes) -> bool:
    if data.isascii():
        return False
    return any(piece.search(data) for piece in _PIECES)


_TAGS = re.compile("[\U000E0000-\U000E007F]+")
_FLAG_TAGS = re.compile("[\U000E0030-\U000E0039\U000E0061-\U000E007A]{1,7}\U000E007F")
_INVISIBLE = "\u200b\u200c\u200d\u2060-\u2064\ufeff\u180e\ufe00-\ufe0f\U000E0100-\U000E01EF"
_RUN = re.compile(f"[{_INVISIBLE}]{{4,}}")
_SCATTERED = re.compile("(?<=[A-Za-z0-9])[\u200b\u200c\u200d\u2060-\u2064\ufeff\u180e]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_RTL_LETTERS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
SCATTERED_LIMIT = 10
LONG_RUN = 8


def check(rel: str, data: bytes) -> list[Finding]:
    if not _suspect(data):
        return []
    return check_text(rel, decode(data))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check_text(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    hidden, first = [], None
    for m in _TAGS.finditer(text):
        if m.start() > 0 and text[m.start() - 1] == "\U0001F3F4" and _FLAG_TAGS.fullmatch(m.group()):
            continue  # subdivision flag emoji, e.g. England
        hidden.append("".join(chr(ord(c) - 0xE0000) if 0xE0020 <= ord(c) <= 0xE007E else "" for c in m.group()))
        first = m.start() if first is None else first
    if first is not None:
        decoded = "".join(hidden)
        out.append(Finding("hidden.unicode-tags", Severity.CRITICAL if len(decoded) >= 8 else Severity.HIGH, rel,
                           _line(text, first),
                           f"invisible Unicode tag characters spell {short(decoded, 100)!r}",
                           "delete the tag characters (U+E0000–E007F); treat the file as hostile"))
    # Khmer, Thai or Lao text separates words with ZWSP, sometimes doubled: a run is a payload
    # when it mixes characters (binary encodings need two) or is long.
    runs = [m for m in _RUN.finditer(text) if len(set(m.group())) >= 2 or len(m.group()) >= LONG_RUN]
    if runs:
        longest = max(len(m.group()) for m in runs)
        out.append(Finding("hidden.zero-width", Severity.HIGH if longest >= 16 else Severity.MEDIUM, rel,
                           _line(text, runs[0].start()),
                           f"{len(runs)} run(s) of invisible characters (longest {longest}): room for a hidden payload",
                           "delete the invisible characters; look at the file with `cat -A` or a hex viewer"))
    else:
        scattered = _SCATTERED.findall(text)
        if len(scattered) >= SCATTERED_LIMIT:
            m = _SCATTERED.search(text)
            out.append(Finding("hidden.zero-width", Severity.MEDIUM, rel, _line(text, m.start()),
                               f"{len(scattered)} zero-width characters inside Latin words (hidden encoding?)",
                               "delete the invisible characters"))
    bidi = list(_BIDI.finditer(text))
    if bidi:
        rtl = _RTL_LETTERS.search(text) is not None
        codes = sorted({f"U+{ord(m.group()):04X}" for m in bidi})
        out.append(Finding("hidden.bidi", Severity.LOW if rtl else Severity.HIGH, rel, _line(text, bidi[0].start()),
                           f"{len(bidi)} bidirectional control character(s) ({', '.join(codes)}): what you see is "
                           "not the order the compiler or model reads" + (" (the file also has right-to-left text)" if rtl else ""),
                           "remove the bidi controls, or view the file with them made visible"))
    return out
