"""Human report: one rich table per file, worst findings first, then a one-line summary."""
from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ringfence.scan.findings import Report, Severity

STYLE = {Severity.CRITICAL: "bold white on red", Severity.HIGH: "bold red", Severity.MEDIUM: "yellow",
         Severity.LOW: "cyan", Severity.INFO: "dim"}


def render(report: Report, *, color: bool = False, width: int = 120) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color, highlight=False,
                      color_system="standard" if color else None)
    for path, group in groupby(report.sorted_findings(), key=lambda f: f.path):
        table = Table(title=Text(path, style="bold"), title_justify="left", show_lines=False, expand=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("finding and fix", ratio=1)
        for f in sorted(group, key=lambda f: (-f.severity, f.line or 0)):
            detail = Text(f.message)
            detail.append("\nfix: " + f.fix, style="dim")
            table.add_row(Text(f.severity.label, style=STYLE[f.severity]), str(f.line or ""), f.rule, detail)
        console.print(table)
    counts = ", ".join(f"{n} {label}" for label, n in report.counts().items() if n)
    console.print(f"{report.root}: {report.files_scanned} files, {report.dirs_scanned} directories; "
                  + (f"findings: {counts}" if counts else "no findings"))
    return buf.getvalue()
