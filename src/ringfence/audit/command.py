"""``ringfence audit``: posture of this machine's agent setup, a 0-100 score and every gap with its fix.

Reads every Claude Code settings layer (managed, local, project, user), ~/.claude.json
and the project's .mcp.json, and probes the host. ``--fix`` merges the settings fixes
into the user settings file (diff first; ``--yes`` to skip the question), atomically and
idempotently. Exit status: 0 no gap, 1 gaps remain, 2 usage or I/O error.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ringfence.audit import fixes
from ringfence.audit.checks import Check, check_host, check_settings, score
from ringfence.audit.host import probe
from ringfence.audit.setup import read_setup
from ringfence.errors import ScanError
from ringfence.settings.layers import MANAGED_DIR
from ringfence.settings.writer import write_atomic

STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would sys.exit; only cli.py exits
        raise ScanError(f"audit: {message}", fix="see ringfence audit --help")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ringfence audit", description=__doc__.split("\n\n")[0],
                epilog="exit status: 0 no gap, 1 gaps remain, 2 usage or I/O error")
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument("--fix", action="store_true", help="merge the settings fixes into your user settings")
    p.add_argument("--yes", action="store_true", help="with --fix: apply without asking")
    p.add_argument("--project", metavar="DIR", help="project whose settings layers to include (default: .)")
    p.add_argument("--home", metavar="DIR", help="home directory to audit (default: $HOME)")
    p.add_argument("--managed-dir", metavar="DIR", default=MANAGED_DIR, help=f"managed settings (default {MANAGED_DIR})")
    p.add_argument("--settings-only", action="store_true", help="skip the host probes")
    return p


def run(home: str, project: str, managed_dir: str, host: bool) -> tuple[list[Check], str]:
    """All checks, and the user settings path that --fix writes."""
    from ringfence.guard.init import BASH_DENY, HOOK_TIMEOUT, hook_command

    # the same handler `ringfence init` writes, so running both never installs the guard twice
    entry = {"type": "command", "command": hook_command(None), "timeout": HOOK_TIMEOUT, "onFailure": "block"}
    setup = read_setup(home, project, managed_dir)
    checks = check_settings(setup, entry, BASH_DENY)
    if host:
        checks += check_host(probe(home))
    return checks, setup.user_settings_path


def render_table(checks: list[Check], *, color: bool, width: int = 120) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color, highlight=False,
                      color_system="standard" if color else None)
    gaps = [c for c in checks if not c.passed]
    console.print(Text(f"ringfence audit: score {score(checks)}/100, {len(gaps)} gap(s) in {len(checks)} checks",
                       style="bold"))
    table = Table(expand=True)
    table.add_column("", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("detail and fix", ratio=1)
    for c in sorted(checks, key=lambda c: (c.passed, -c.severity)):
        detail = Text(c.detail)
        if not c.passed:
            detail.append("\nfix: " + c.fix + (" (--fix applies this)" if c.patch else ""), style="dim")
        table.add_row(Text("ok", style="green") if c.passed else Text("GAP", style="bold red"),
                      Text(c.severity.label, style=STYLE[c.severity.label]), c.title, detail)
    console.print(table)
    return buf.getvalue()


def render_json(checks: list[Check], user_settings: str) -> str:
    return json.dumps({"score": score(checks), "gaps": sum(not c.passed for c in checks),
                       "user_settings": user_settings, "checks": [c.to_dict() for c in checks]}, indent=2) + "\n"


def _confirm(path: str) -> bool:
    if not sys.stdin.isatty():
        sys.stderr.write(f"ringfence: not a terminal, so cannot ask; {path} not written. Re-run with --yes\n")
        return False
    sys.stderr.write(f"ringfence: write these changes to {path}? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    home = os.path.abspath(args.home or os.path.expanduser("~"))
    project = os.path.abspath(args.project or os.getcwd())
    if not os.path.isdir(project):
        raise ScanError(f"audit: {project}: not a directory", fix="give an existing project with --project")
    checks, user_path = run(home, project, args.managed_dir, not args.settings_only)
    if args.fix:
        new_text, diff = fixes.plan(user_path, checks)
        if not diff:
            sys.stderr.write(f"ringfence: nothing to change in {user_path}\n")
        else:
            (sys.stderr if args.json else sys.stdout).write(diff if diff.endswith("\n") else diff + "\n")
            if args.yes or _confirm(user_path):
                write_atomic(user_path, new_text)
                sys.stderr.write(f"ringfence: wrote {user_path}\n")
                checks, user_path = run(home, project, args.managed_dir, not args.settings_only)
    if args.json:
        sys.stdout.write(render_json(checks, user_path))
    else:
        sys.stdout.write(render_table(checks, color=sys.stdout.isatty()))
    return 0 if all(c.passed for c in checks) else 1
