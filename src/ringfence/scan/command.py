"""``ringfence scan``: pre-trust check of a repository.

Exit status: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage or I/O error (bad flag, path that does not exist, unwritable --output).
"""
from __future__ import annotations

import argparse
import enum
import sys

from ringfence.errors import ScanError
from ringfence.scan.engine import scan
from ringfence.scan.findings import Report, Severity


class OutputFormat(enum.Enum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"

    def render(self, report: Report, color: bool) -> str:
        if self is OutputFormat.TABLE:
            from ringfence.scan.formats import table
            return table.render(report, color=color)
        if self is OutputFormat.JSON:
            from ringfence.scan.formats import json
            return json.render(report)
        from ringfence.scan.formats import sarif
        return sarif.render(report)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would sys.exit; only cli.py exits
        raise ScanError(f"scan: {message}", fix="see ringfence scan --help")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ringfence scan", description="Pre-trust check of a repository: what would run or "
                "weaken your setup if you opened it with an AI agent, an editor or a package manager.",
                epilog="exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error")
    p.add_argument("path", nargs="?", default=".", help="repository (or single file) to scan; default: .")
    p.add_argument("--format", choices=[f.value for f in OutputFormat], default=OutputFormat.TABLE.value,
                   help="table (default; colored on a terminal), json or sarif (SARIF 2.1.0)")
    p.add_argument("--fail-on", default="medium", metavar="SEVERITY",
                   help="exit 1 when a finding is at or above this: info, low, medium (default), high, "
                        "critical, or none")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    return p


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    fail_on: Severity | None = None
    if args.fail_on != "none":
        try:
            fail_on = Severity.parse(args.fail_on)
        except ValueError as e:
            raise ScanError(f"scan: --fail-on: {e}", fix="use one of info, low, medium, high, critical, none") from None
    report = scan(args.path)
    fmt = OutputFormat(args.format)
    text = fmt.render(report, color=args.output is None and sys.stdout.isatty())
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise ScanError(f"scan: cannot write {args.output}: {e.strerror}",
                            fix="choose a writable --output path") from None
    else:
        sys.stdout.write(text)
    worst = report.max_severity()
    return 1 if fail_on is not None and worst is not None and worst >= fail_on else 0
