"""What a scan produces: Severity, Finding and Report (plain data, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (one of: {', '.join(s.label for s in cls)})") from None


@dataclass(frozen=True)
class Finding:
    rule: str            # stable id, e.g. "claude.hooks"
    severity: Severity
    path: str            # relative to the scanned root, "/"-separated; "." for the root itself
    line: int | None     # 1-based; None when the finding is about the whole file
    message: str
    fix: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity.label, "path": self.path,
                "line": self.line, "message": self.message, "fix": self.fix}


@dataclass
class Report:
    root: str
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0      # regular files read (whole or sampled)
    dirs_scanned: int = 0

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.path, f.line or 0, -f.severity, f.rule, f.message))

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in reversed(Severity)}
        for f in self.findings:
            out[f.severity.label] += 1
        return out

    def max_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def summary(self) -> dict:
        worst = self.max_severity()
        return {"root": self.root, "files_scanned": self.files_scanned, "dirs_scanned": self.dirs_scanned,
                "findings": len(self.findings), "by_severity": self.counts(),
                "max_severity": worst.label if worst is not None else None}
