"""Office documents (.docx, .pptx, .xlsx and macro variants) with text hidden from the reader.

The PromptArmor attack on Claude Cowork (reference section 6) used 1-pt white text in a
.docx. Here: Word runs that are hidden (``w:vanish``), white or tiny, directly or through
a style; PowerPoint text under 4 pt and hidden shapes; Excel hidden sheets. Every part is
decompressed with a size budget, so a zip bomb ends in a finding, not exhausted memory.
"""
from __future__ import annotations

import html
import io
import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import short

RULES = {
    "office.hidden-text": "Text in an Office document that the reader does not see (hidden, white, tiny)",
    "office.hidden-sheet": "A spreadsheet has hidden sheets",
    "office.unreadable": "An Office document is malformed or too large to inspect (zip bomb?)",
}

SUFFIXES = (".docx", ".docm", ".dotx", ".dotm", ".pptx", ".pptm", ".potx", ".xlsx", ".xlsm", ".xltx")
MAX_PART = 16 << 20
MAX_TOTAL = 64 << 20
MAX_MEMBERS = 5000
TINY_HALF_POINTS = 4      # Word: w:sz is in half-points, so <= 2 pt
TINY_PPT = 400            # PowerPoint: sz in hundredths of a point, so < 4 pt

# Element patterns use a tempered dot (never across the start of the next element) and
# [^<>] inside tags, so a hostile document with unclosed elements stays linear.
_W_RUN = re.compile(r"<w:r[ >](?:(?!<w:r[ >]).)*?</w:r>", re.S)
_W_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_VANISH = re.compile(r"<w:vanish(?:\s+w:val=\"(?:1|true|on)\")?\s*/>")
_WHITE = re.compile(r"<w:color\s+w:val=\"(?:FFFFFF|ffffff)\"")
_SIZE = re.compile(r"<w:sz\s+w:val=\"(\d+)\"")
_RSTYLE = re.compile(r"<w:[rp]Style\s+w:val=\"([^\"]+)\"")
_STYLE = re.compile(r"<w:style\b[^<>]*w:styleId=\"([^\"]+)\"[^<>]*>((?:(?!<w:style\b).)*?)</w:style>", re.S)
_P = re.compile(r"<w:p[ >](?:(?!<w:p[ >]).)*?</w:p>", re.S)
_A_RUN = re.compile(r"<a:r>(?:(?!<a:r>).)*?</a:r>", re.S)
_A_SIZE = re.compile(r"<a:rPr\b[^<>]*\ssz=\"(\d+)\"")
_A_TEXT = re.compile(r"<a:t>([^<]*)</a:t>")
_HIDDEN_SHAPE = re.compile(r"<p:sp>(?:(?!</p:sp>|<p:sp>).)*?<p:cNvPr\b[^<>]*\shidden=\"(?:1|true)\""
                           r"(?:(?!<p:sp>).)*?</p:sp>", re.S)
_SHEET = re.compile(r"<sheet\b[^<>]*\bname=\"([^\"]*)\"[^<>]*\bstate=\"(hidden|veryHidden)\"")


class _TooBig(Exception):
    pass


def wants(rel: str) -> bool:
    return rel.lower().endswith(SUFFIXES)


def check(rel: str, data: bytes) -> list[Finding]:
    import zipfile  # on first use: ~15 ms of imports that a tree without Office documents never needs
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _TooBig(f"{len(infos)} parts")
        budget = [MAX_TOTAL]

        def read(name: str) -> str:
            with zf.open(name) as f:
                part = f.read(min(MAX_PART, budget[0]) + 1)
            if len(part) > min(MAX_PART, budget[0]):
                raise _TooBig(f"{name} decompresses past {min(MAX_PART, budget[0]) >> 20} MiB")
            budget[0] -= len(part)
            return part.decode("utf-8", errors="replace")

        names = [i.filename for i in infos]
        low = rel.lower()
        if low.endswith((".docx", ".docm", ".dotx", ".dotm")):
            return _word(rel, names, read)
        if low.endswith((".pptx", ".pptm", ".potx")):
            return _powerpoint(rel, names, read)
        return _excel(rel, names, read)
    except _TooBig as e:
        return [Finding("office.unreadable", Severity.MEDIUM, rel, None, f"not inspected: {e} (zip bomb?)",
                        "do not give this document to an agent")]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, KeyError,
            RuntimeError, ValueError) as e:
        return [Finding("office.unreadable", Severity.LOW, rel, None,
                        f"not a readable Office document ({type(e).__name__}: {short(str(e), 60)})",
                        "open it yourself before giving it to an agent")]


def _text(fragment: str, pattern: re.Pattern = _W_TEXT) -> str:
    return html.unescape("".join(pattern.findall(fragment)))


def _hidden_kind(props: str) -> list[str]:
    kinds = []
    if _VANISH.search(props):
        kinds.append("hidden")
    if _WHITE.search(props):
        kinds.append("white")
    size = _SIZE.search(props)
    if size and int(size.group(1)) <= TINY_HALF_POINTS:
        kinds.append(f"{int(size.group(1)) / 2:g} pt")
    return kinds


def _word(rel: str, names: list[str], read) -> list[Finding]:
    styles = {}
    if "word/styles.xml" in names:
        for sid, body in _STYLE.findall(read("word/styles.xml")):
            kinds = _hidden_kind(body)
            if kinds:
                styles[sid] = kinds
    parts = [n for n in names if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml", n)]
    found: dict[str, list[str]] = {}
    for name in parts:
        xml = read(name)
        for para in _P.findall(xml):
            pstyle = _RSTYLE.search(para.split("<w:r", 1)[0])
            para_kinds = styles.get(pstyle.group(1), []) if pstyle else []
            for run in _W_RUN.findall(para):
                props = run.split("<w:t", 1)[0]
                kinds = set(_hidden_kind(props)) | set(para_kinds)
                rstyle = _RSTYLE.search(props)
                if rstyle:
                    kinds |= set(styles.get(rstyle.group(1), []))
                text = _text(run).strip()
                if kinds and text:
                    found.setdefault(" + ".join(sorted(kinds)), []).append(text)
    out = []
    for kinds, texts in sorted(found.items()):
        severe = "hidden" in kinds or ("white" in kinds and "pt" in kinds)
        out.append(Finding("office.hidden-text", Severity.HIGH if severe else Severity.MEDIUM, rel, None,
                           f"{kinds} text the reader does not see: {short(' '.join(texts), 120)!r}",
                           "do not hand this document to an agent; remove the hidden text (Word: show hidden text, select all, reset font)"))
    return out


def _powerpoint(rel: str, names: list[str], read) -> list[Finding]:
    tiny, hidden = [], []
    for name in sorted(n for n in names if re.fullmatch(r"ppt/(slides/slide|notesSlides/notesSlide)\d+\.xml", n)):
        xml = read(name)
        for run in _A_RUN.findall(xml):
            size = _A_SIZE.search(run)
            text = _text(run, _A_TEXT).strip()
            if size and int(size.group(1)) < TINY_PPT and text:
                tiny.append(text)
        for shape in _HIDDEN_SHAPE.findall(xml):
            text = _text(shape, _A_TEXT).strip()
            if text:
                hidden.append(text)
    out = []
    for label, texts in (("tiny (< 4 pt)", tiny), ("hidden-shape", hidden)):
        if texts:
            out.append(Finding("office.hidden-text", Severity.MEDIUM, rel, None,
                               f"{label} text on slides: {short(' '.join(texts), 120)!r}",
                               "do not hand this presentation to an agent; remove the hidden text"))
    return out


def _excel(rel: str, names: list[str], read) -> list[Finding]:
    if "xl/workbook.xml" not in names:
        return []
    sheets = _SHEET.findall(read("xl/workbook.xml"))
    if not sheets:
        return []
    return [Finding("office.hidden-sheet", Severity.MEDIUM, rel, None,
                    "hidden sheets: " + ", ".join(f"{html.unescape(n)!r} ({s})" for n, s in sheets)[:150],
                    "unhide and read the sheets before handing the workbook to an agent")]
