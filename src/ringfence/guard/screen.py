"""Prompt-injection screening: text that a person does not see but a model reads.

Plain functions over text (or .docx bytes), each returning a list of ``Finding``; the
hook (PostToolUse on WebFetch/Read/Bash output, UserPromptSubmit on the prompt) and
``ringfence scan`` both call them. Detectors:

- ``tag_characters``: Unicode tag characters (U+E0000-U+E007F), invisible ASCII;
- ``zero_width_runs``: runs of zero-width/invisible characters (binary-encoded text);
- ``bidi_controls``: bidirectional overrides/isolates that reorder what is displayed;
- ``html_comment_instructions``: instructions hidden in ``<!-- -->`` or invisible HTML;
- ``docx_hidden_text``: runs in a .docx that Word does not show (w:vanish, white text,
  size <= 2 pt).
"""
from __future__ import annotations

import re

from ringfence.records import Record, new


class Finding(Record):
    """kind: detector name; detail: what was found, for a person; excerpt: the hidden
    text itself (decoded where possible), shortened."""
    __slots__ = ()

    def __new__(cls, kind, detail, excerpt):
        return new(cls, (kind, detail, excerpt))


MAX_TEXT = 4 << 20
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u180e\ufeff\u034f\u115f\u1160\u3164"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INSTRUCTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|prompts?|rules)"
    r"|disregard (?:all |any |the )?(?:previous|prior|above|earlier|your)|you are now|new instructions"
    r"|system prompt|do not (?:tell|mention|reveal|inform) (?:the )?user|without (?:telling|asking) the user"
    r"|\b(?:AI|assistant|agent|claude|LLM|model)\b.{0,40}\b(?:must|should|please|instead)\b"
    r"|(?:run|execute) (?:the following|this command)|\bcurl\s+\S|\bwget\s+\S|\bbash -c\b|\|\s*(?:ba)?sh\b"
    r"|api[_ ]?key|\btoken\b|\bpassword\b|\bexfiltrat|upload (?:the|all|every)|\.ssh/|\.env\b"
    r"|<\s*/?\s*(?:instructions?|system|important)\s*>|\bIMPORTANT:", re.I)
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)[^>]*\bstyle\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0"
    r"(?:px|pt|em)?\s*[;\"']|opacity\s*:\s*0\s*[;\"']|color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b)[^>]*>(.*?)</\1>",
    re.S | re.I)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def tag_characters(text: str) -> list:
    """Unicode tag characters: each maps to an invisible ASCII character."""
    hidden = [chr(ord(c) - 0xE0000) for c in text if 0xE0000 <= ord(c) <= 0xE007F]
    if not hidden:
        return []
    decoded = "".join(c for c in hidden if c.isprintable())
    return [Finding("tag-characters", f"{len(hidden)} invisible Unicode tag characters", _short(decoded))]


def zero_width_runs(text: str, min_run: int = 4) -> list:
    """Runs of zero-width characters (a single ZWJ inside an emoji is normal)."""
    out, run, total = [], 0, 0
    longest = 0
    for c in text:
        if c in ZERO_WIDTH:
            run += 1
            total += 1
            longest = max(longest, run)
        else:
            run = 0
    if longest >= min_run or total >= 16:
        bits = "".join("0" if c == "\u200b" else "1" for c in text if c in "\u200b\u200c")
        decoded = ""
        if len(bits) >= 8:
            decoded = "".join(chr(int(bits[i:i + 8], 2)) for i in range(0, len(bits) - 7, 8))
            decoded = decoded if decoded.isprintable() else ""
        out.append(Finding("zero-width", f"{total} zero-width characters (longest run {longest})", _short(decoded)))
    return out


def bidi_controls(text: str) -> list:
    """Bidirectional overrides/isolates: displayed text differs from what is read."""
    found = [c for c in text if c in BIDI]
    if not found:
        return []
    names = sorted({f"U+{ord(c):04X}" for c in found})
    i = next(i for i, c in enumerate(text) if c in BIDI)
    return [Finding("bidi", f"{len(found)} bidirectional control characters ({', '.join(names)})",
                    _short(text[max(0, i - 40):i + 80]))]


def html_comment_instructions(text: str) -> list:
    """Instructions inside HTML comments or elements styled to be invisible."""
    out = []
    for m in _HTML_COMMENT.finditer(text):
        body = m.group(1)
        if INSTRUCTION.search(body):
            out.append(Finding("html-comment", "instructions inside an HTML comment", _short(body)))
    for m in _HIDDEN_ELEMENT.finditer(text):
        body = re.sub(r"<[^>]+>", " ", m.group(2))
        if INSTRUCTION.search(body):
            out.append(Finding("hidden-html", f"instructions inside an invisible <{m.group(1)}>", _short(body)))
    return out


def screen_text(text: str) -> list:
    """Every text detector over ``text`` (bounded)."""
    text = text[:MAX_TEXT]
    out = []
    for detector in (tag_characters, zero_width_runs, bidi_controls, html_comment_instructions):
        out += detector(text)
    return out


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml")
MAX_DOCX_PART = 16 << 20


def docx_hidden_text(data: bytes) -> list:
    """Text in a .docx that Word does not display: w:vanish, white colour, size <= 2 pt."""
    import io
    import zipfile
    from xml.etree import ElementTree

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return []
    hidden: dict[str, list[str]] = {}
    with zf:
        for part in _DOCX_PARTS:
            try:
                info = zf.getinfo(part)
            except KeyError:
                continue
            if info.file_size > MAX_DOCX_PART:
                return [Finding("docx-hidden", f"{part} is larger than {MAX_DOCX_PART} bytes; not inspected", "")]
            try:
                xml = zf.read(part)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                continue
            if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                return [Finding("docx-hidden", f"{part} declares XML entities (not allowed in .docx)", "")]
            try:
                root = ElementTree.fromstring(xml)
            except ElementTree.ParseError:
                continue
            for run in root.iter(_W + "r"):
                why = _run_hidden(run)
                if why:
                    text = "".join(t.text or "" for t in run.iter(_W + "t"))
                    if text.strip():
                        hidden.setdefault(why, []).append(text)
    out = []
    for why, texts in hidden.items():
        joined = " ".join(texts)
        if len(joined.strip()) >= 20 or INSTRUCTION.search(joined):
            out.append(Finding("docx-hidden", f"{len(joined)} characters of {why} text", _short(joined)))
    return out


def _run_hidden(run) -> str | None:
    props = run.find(_W + "rPr")
    if props is None:
        return None
    for tag in ("vanish", "webHidden", "specVanish"):
        el = props.find(_W + tag)
        if el is not None and el.get(_W + "val", "true").lower() not in ("false", "0", "off"):
            return "hidden (w:vanish)"
    color = props.find(_W + "color")
    if color is not None and (color.get(_W + "val") or "").upper() in ("FFFFFF", "FFFFFE", "FEFEFE"):
        return "white"
    size = props.find(_W + "sz")
    if size is not None:
        try:
            if int(size.get(_W + "val", "24")) <= 4:  # half-points: 4 = 2 pt
                return "tiny (<= 2 pt)"
        except ValueError:
            pass
    return None
