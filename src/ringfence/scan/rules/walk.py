"""Limits of the walk itself, reported as findings: what was skipped, sampled or unreadable, and why."""
from __future__ import annotations

from ringfence.scan.findings import Finding, Severity

RULES = {
    "scan.unreadable": "A file or directory could not be read",
    "scan.sampled": "A large file was only partly checked",
    "scan.too-large": "A configuration file is too large to check",
    "scan.vendored": "A vendored dependency folder was not scanned (only its install scripts)",
    "scan.special-file": "A FIFO, socket or device file was not read",
    "scan.too-deep": "A directory nested deeper than the limit was not scanned",
    "scan.unparseable": "A configuration file could not be parsed, so it was not checked",
}


def unreadable(rel: str, error: OSError) -> Finding:
    reason = error.strerror or type(error).__name__
    return Finding("scan.unreadable", Severity.LOW, rel, None, f"not scanned: {reason}",
                   "check the file by hand, or fix its permissions and scan again")


def sampled(rel: str, size: int, sample: int) -> Finding:
    return Finding("scan.sampled", Severity.INFO, rel, None,
                   f"{size >> 20} MiB file: only the first {sample >> 20} MiB were checked for hidden text",
                   "check large text files by hand if an agent will read them")


def too_large(rel: str, size: int, limit: int) -> Finding:
    return Finding("scan.too-large", Severity.MEDIUM, rel, None,
                   f"configuration file of {size} bytes is over the {limit >> 20} MiB limit: not checked",
                   "a configuration file this large is abnormal: inspect it by hand")


def vendored(rel: str) -> Finding:
    return Finding("scan.vendored", Severity.INFO, rel, None,
                   "vendored dependencies: content not scanned, install scripts were",
                   "delete the folder and install dependencies from a lock file instead")


def special(rel: str, kind: str) -> Finding:
    return Finding("scan.special-file", Severity.INFO, rel, None, f"{kind} not read",
                   "a repository has no reason to ship one: delete it")


def too_deep(rel: str, limit: int) -> Finding:
    return Finding("scan.too-deep", Severity.LOW, rel, None, f"nested deeper than {limit} directories: not scanned",
                   "inspect this directory by hand")
