"""Helpers the rule modules share: decoding, parsing with a finding on failure, red-flag commands."""
from __future__ import annotations

import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.jsonpos import Doc, ParseError, parse_json
from ringfence.scan.yamlpos import parse_yaml

UNPARSEABLE = "scan.unparseable"

# Shapes of a command that fetches or hides what it runs: raise a finding to high.
_RED_FLAGS = re.compile(
    r"""curl\b|wget\b|\bnc\b|ncat\b|socat\b|/dev/(?:tcp|udp)/|\bbase64\b|\bxxd\b|\beval\b|\bexec\b
    |\|\s*(?:ba|z|da|k)?sh\b|python[0-9.]*\s+-c|node\s+-e|perl\s+-e|ruby\s+-e
    |powershell|pwsh|Invoke-|iex\b|https?://|\bssh\b|\bscp\b|~/\.ssh|\.aws/|\bchmod\s+\+x""",
    re.X | re.I)


def red_flag(command: str) -> str | None:
    """The first fragment of ``command`` that suggests fetching or hiding code, or None."""
    m = _RED_FLAGS.search(command)
    return m.group().strip() if m else None


def short(value: object, limit: int = 120) -> str:
    """One-line, bounded rendering of a config value for a message."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def parse_or_finding(rel: str, data: bytes, kind: str, severity: Severity, what: str) -> Doc | Finding:
    """Parse ``data`` as ``kind`` ("json", "jsonc" or "yaml"); a failure becomes a Finding."""
    text = decode(data)
    try:
        return parse_yaml(text) if kind == "yaml" else parse_json(text, jsonc=(kind == "jsonc"))
    except ParseError as e:
        return Finding(UNPARSEABLE, severity, rel, e.line,
                       f"{what} could not be parsed ({e.reason}), so it was not checked",
                       "open the file and check by hand what it configures before trusting the repository")


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []
