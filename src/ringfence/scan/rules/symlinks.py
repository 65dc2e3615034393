"""Symbolic links: never followed by the scan, reported when they leave the repository.

A link to ``~/.ssh/id_rsa`` or ``/etc`` inside a repository turns "read this project
file" into reading your secrets (CVE-2026-39861, CVE-2025-59829).
"""
from __future__ import annotations

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import short

RULES = {
    "symlink.outside": "A symbolic link points outside the repository",
    "symlink.loop": "A symbolic link loops or cannot be resolved",
}


def outside(rel: str, target: str, resolved: str) -> Finding:
    return Finding("symlink.outside", Severity.HIGH, rel, None,
                   f"symlink to {short(target, 100)!r} (resolves to {short(resolved, 100)}) leaves the repository",
                   "delete the link; an agent reading or writing it touches that path instead")


def loop(rel: str, target: str) -> Finding:
    return Finding("symlink.loop", Severity.LOW, rel, None, f"symlink to {short(target, 100)!r} loops",
                   "delete the link")
