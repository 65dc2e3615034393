"""Agent instruction files (CLAUDE.md, AGENTS.md, .cursorrules, ...): text the agent reads but you do not see.

HTML comments and hidden HTML elements vanish from the rendered page on GitHub but
reach the model verbatim. A comment that talks like an instruction is a finding at
high; other non-trivial comments are low; linter directives are ignored.
"""
from __future__ import annotations

import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import decode, short

RULES = {
    "instructions.html-comment": "An HTML comment in an agent instruction file: invisible when rendered, read by the agent",
    "instructions.hidden-html": "A hidden HTML element (display:none, white or zero-size text) in an agent instruction file",
}

NAMES = frozenset({"CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "AGENT.md", "GEMINI.md", ".cursorrules",
                   ".windsurfrules", ".clinerules", "copilot-instructions.md", "CONVENTIONS.md", "SKILL.md"})
SUFFIXES = (".md", ".mdc")
_DIRS = ((".claude", "rules"), (".claude", "agents"), (".claude", "commands"), (".claude", "skills"),
         (".cursor", "rules"), (".github", "instructions"), (".kiro", "steering"), (".clinerules",), (".windsurf", "rules"))
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_BENIGN = re.compile(r"^\s*(?:prettier-ignore\S*|markdownlint-\S+.*|(?:end\s*)?toc|omit in toc|vale\s.*|textlint-\S+.*"
                     r"|cspell:.*|#?(?:end)?region\b.*|(?:BEGIN|END)\b.*|ALL-CONTRIBUTORS-\S+.*|-+)?\s*$", re.I)
_IMPERATIVE = re.compile(
    r"\b(?:ignore|disregard|forget|instead|must|always|never|do not|don't|run|execute|curl|wget|https?://|send|"
    r"upload|post|secret|token|password|api[_ -]?key|credential|ssh|\.env|exfiltrat\w*|base64|system prompt|"
    r"you are|assistant|claude|agent|model|tool|bash|shell|command|silently|without telling)\b", re.I)
_TAG = re.compile(r"<[a-zA-Z][^<>]{0,4096}>")  # bounded, and stops at '<': linear on any input
_HIDING = re.compile(r"style\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|"
                     r"color\s*:\s*(?:#fff\b|#ffffff|white)\b)|\shidden(?=[\s>=/])", re.I)


def wants_dir(prefix: str) -> bool:
    return "/." in "/" + prefix  # every instruction directory is a dot-directory


def wants(rel: str) -> bool:
    if "/." not in "/" + rel.rpartition("/")[0]:  # every instruction directory is a dot-directory
        return rel.rpartition("/")[2] in NAMES
    parts = rel.split("/")
    if parts[-1] in NAMES:
        return True
    if not rel.endswith(SUFFIXES) and parts[-2:-1] != [".clinerules"]:
        return False
    dirs = parts[:-1]
    return any(tuple(dirs[i:i + len(d)]) == d for d in _DIRS for i in range(len(dirs)))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check(rel: str, data: bytes) -> list[Finding]:
    text = decode(data)
    out: list[Finding] = []
    for m in _COMMENT.finditer(text):
        body = m.group(1)
        if _BENIGN.match(body):
            continue
        closed = m.group(0).endswith("-->")
        imperative = _IMPERATIVE.search(body)
        if imperative or not closed:
            why = f"talks to the agent ({imperative.group()!r})" if imperative else "is never closed: it hides the rest of the file"
            out.append(Finding("instructions.html-comment", Severity.HIGH, rel, _line(text, m.start()),
                               f"HTML comment {why}: {short(body, 100)!r}",
                               "read the raw file; delete comments you did not write"))
        elif len(body.split()) >= 2:
            out.append(Finding("instructions.html-comment", Severity.LOW, rel, _line(text, m.start()),
                               f"HTML comment hidden from the rendered page: {short(body, 100)!r}",
                               "read the raw file"))
    for m in _TAG.finditer(text):
        if not _HIDING.search(m.group()):
            continue
        out.append(Finding("instructions.hidden-html", Severity.HIGH, rel, _line(text, m.start()),
                           f"hidden HTML element {short(m.group(), 80)!r}: its text reaches the agent, not you",
                           "read the raw file; delete hidden elements"))
    return out
