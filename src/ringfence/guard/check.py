"""`ringfence check 'CMD'`: what the guard would decide for a tool call, and why.

Shows the verdict, each finding (which guard or rule, what it saw, the safer
suggestion), the simple commands the call was split into, and rules that were skipped.
Exit 0 when the call would pass (allowed, or no opinion so Claude Code decides), 1 when
it would be denied or asked about.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

PRIMARY = {"Bash": "command", "Read": "file_path", "Edit": "file_path", "Write": "file_path",
           "MultiEdit": "file_path", "NotebookEdit": "notebook_path", "Grep": "path", "Glob": "pattern",
           "WebFetch": "url"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ringfence check", description=__doc__.split("\n\n")[0])
    p.add_argument("value", nargs="?", help="the command (Bash) or the path/URL for --tool")
    p.add_argument("--tool", default="Bash", help="tool name (default Bash): Read, Edit, Write, Grep, Glob, WebFetch...")
    p.add_argument("--input", dest="input_json", help="the whole tool_input as JSON instead of VALUE")
    p.add_argument("--cwd", default=None, help="working directory to judge in (default: the current one)")
    p.add_argument("--profile", default=None, help="policy profile (default: from configuration)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def main(argv: list[str]) -> int:
    from ringfence.errors import GuardError
    from ringfence.guard.decide import Judge
    from ringfence.policy import load_policy

    args = parser().parse_args(argv)
    if args.input_json is not None:
        try:
            tool_input = json.loads(args.input_json)
        except json.JSONDecodeError as e:
            raise GuardError(f"--input is not JSON: {e.msg} at column {e.colno}") from None
    elif args.value is not None:
        field = PRIMARY.get(args.tool)
        if field is None:
            raise GuardError(f"give --input JSON for tool {args.tool}", fix="e.g. --input '{\"model\": \"opus\"}'")
        tool_input = {field: args.value}
    else:
        raise GuardError("nothing to check", fix="ringfence check 'rm -rf ~'  or  ringfence check --tool Read ~/.ssh/id_rsa")
    cwd = os.path.abspath(args.cwd or os.getcwd())
    policy = load_policy(cwd, profile=args.profile, project_dir=os.environ.get("CLAUDE_PROJECT_DIR") or None)
    decision = Judge(policy, env=dict(os.environ)).decide(args.tool, tool_input)
    if args.json:
        out = {"verdict": decision.verdict, "reason": decision.reason, "tool": args.tool, "tool_input": tool_input,
               "cwd": cwd, "profile": policy.profile.value,
               "findings": [f._asdict() for f in decision.findings],
               "commands": list(decision.commands), "problems": list(decision.problems)}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        _render(decision, policy)
    return 1 if decision.verdict in ("deny", "ask") else 0


def _render(decision, policy) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console()
    verdict = decision.verdict or "no opinion (Claude Code's own permission flow decides)"
    style = {"deny": "bold red", "ask": "bold yellow", "allow": "bold green"}.get(decision.verdict or "", "bold")
    console.print(f"[{style}]{verdict}[/]  (profile {policy.profile.value})", highlight=False)
    if decision.reason:
        console.print(decision.reason, highlight=False, markup=False)
    if decision.findings:
        t = Table(title="findings", show_lines=False)
        for col in ("verdict", "source", "detail", "command"):
            t.add_column(col, overflow="fold")
        for f in decision.findings:
            t.add_row(f.verdict or "-", f.source, f.detail, f.command)
        console.print(t)
    if decision.commands:
        t = Table(title="simple commands judged")
        t.add_column("command", overflow="fold")
        for c in decision.commands:
            t.add_row(c)
        console.print(t)
    for p in decision.problems:
        console.print(f"skipped rule: {p}", highlight=False, markup=False)
