"""`ringfence policy show`: the effective policy, each value with where it came from."""
from __future__ import annotations

import argparse
import json
import os


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="ringfence policy", description="show the effective policy")
    sub = ap.add_subparsers(dest="cmd", required=True)
    show = sub.add_parser("show", help="the merged policy with the source of every value")
    show.add_argument("--profile")
    show.add_argument("--json", action="store_true")
    show.add_argument("--agent", help="include the preset of this agent (claude, codex, gemini, aider)")
    show.add_argument("--cwd", default=os.getcwd())
    args = ap.parse_args(argv)
    from ringfence.policy import load_policy
    policy = load_policy(args.cwd, profile=args.profile, agent=args.agent)
    if args.json:
        from ringfence.policy.model import to_jsonable
        print(json.dumps(to_jsonable(policy), indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table
    c = Console()
    c.print(f"[bold]profile[/]: {policy.profile.value}  ({policy.profile.source})")
    c.print(f"[bold]project[/]: {policy.project_dir}   [bold]home[/]: {policy.home}")
    c.print(f"[bold]config files read[/]: {', '.join(policy.files_read) or 'none'}")
    t = Table(title="effective policy")
    t.add_column("setting")
    t.add_column("value")
    t.add_column("source")
    fs = policy.fs
    for label, items in (("allowWrite", fs.allow_write), ("denyWrite", fs.deny_write),
                         ("denyRead", fs.deny_read), ("allowRead", fs.allow_read)):
        for it in items:
            t.add_row(f"filesystem.{label}", it.pattern, it.source)
    t.add_row("filesystem.hideHome", str(fs.hide_home), "profile")
    t.add_row("filesystem.protectedNames", ", ".join(i.value for i in fs.protected_names), "built-in")
    for label, items in (("allowedDomains", policy.net.allowed_domains), ("deniedDomains", policy.net.denied_domains)):
        for it in items:
            t.add_row(f"network.{label}", it.value, it.source)
    t.add_row("environment.allow", ", ".join(i.value for i in policy.env.allow), "built-in allowlist")
    for it in policy.env.explicit:
        t.add_row("environment.pass", it.value, it.source)
    for name, _value, src in policy.env.set:
        t.add_row("environment.set", name, src)
    t.add_row("guard.unknown", policy.guard.unknown.value, policy.guard.unknown.source)
    t.add_row("guard.askAs", policy.guard.ask_as.value, policy.guard.ask_as.source)
    for it in policy.guard.disabled:
        t.add_row("guard.disable", it.value, it.source)
    for r in policy.guard.rules:
        t.add_row(f"permissions.{r.kind}", r.text, r.source)
    c.print(t)
    for n in policy.notes:
        c.print(f"[yellow]note[/]: {n}")
    return 0
