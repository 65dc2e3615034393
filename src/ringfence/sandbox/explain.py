"""`ringfence run --explain`: the layers and rules that will apply, without running."""
from __future__ import annotations

import json
import os


def describe(policy, argv: list[str], *, network: bool) -> dict:
    from ringfence.sandbox.bwrap import NAMESPACES
    from ringfence.policy.defaults import SECRET_PATTERNS
    from ringfence.sandbox.compiled import build_env
    from ringfence.sandbox.plan import build_plan, env_recipe
    from ringfence.sandbox.seccomp import SeccompOptions, describe as seccomp_describe
    plan = build_plan(policy, argv, sandbox_id="explain", network=network)
    return {
        "profile": {"value": policy.profile.value, "source": policy.profile.source},
        "command": argv,
        "project": policy.project_dir,
        "config_files": list(policy.files_read),
        "namespaces": [n.removeprefix("--") for n in NAMESPACES],
        "mounts": [{"path": a.path, "action": a.action, "kind": a.kind, "why": a.why} for a in plan.actions],
        "landlock": {"read": "/ except hidden paths", "write": plan.write_roots + ["/tmp", "/var/tmp", "/dev/shm"],
                     "hidden": plan.hidden},
        "seccomp": [{"syscall": s, "action": a, "why": w}
                    for s, a, w in seccomp_describe(SeccompOptions(block_socketpair=policy.sandbox.block_socketpair))],
        "network": {"enabled": network,
                    "allowed": [{"pattern": i.value, "source": i.source} for i in policy.net.allowed_domains],
                    "denied": [{"pattern": i.value, "source": i.source} for i in policy.net.denied_domains]},
        "environment": sorted(build_env(env_recipe(policy, network=network) | {"secret_patterns": list(SECRET_PATTERNS)},
                                        os.environ, "explain")),
        "guard": {"unknown": policy.guard.unknown.value, "ask_as": policy.guard.ask_as.value,
                  "rules": len(policy.guard.rules)},
        "notes": plan.notes,
    }


def explain(policy, argv: list[str], *, as_json: bool, network: bool) -> int:
    d = describe(policy, argv, network=network)
    if as_json:
        print(json.dumps(d, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table
    c = Console()
    c.print(f"[bold]profile[/] {d['profile']['value']} ({d['profile']['source']})   "
            f"[bold]project[/] {d['project']}   [bold]command[/] {' '.join(argv)}")
    c.print(f"[bold]config read[/]: {', '.join(d['config_files']) or 'none'}")
    c.print(f"[bold]namespaces[/]: {', '.join(d['namespaces'])}")
    t = Table(title="mounts (applied shallow to deep; the deeper rule wins)")
    for col in ("path", "action", "why"):
        t.add_column(col)
    t.add_row("/", "ro", "read-only root")
    t.add_row("/tmp /var/tmp /run", "tmpfs", "private, empty")
    for m in d["mounts"]:
        t.add_row(m["path"], m["action"] + ("" if m["kind"] == "dir" else " (file)"), m["why"])
    c.print(t)
    c.print(f"[bold]landlock[/]: read everywhere except {len(d['landlock']['hidden'])} hidden path(s); "
            f"write only in {', '.join(d['landlock']['write'])}")
    t = Table(title="seccomp")
    for col in ("syscall", "action", "why"):
        t.add_column(col)
    for s in d["seccomp"]:
        t.add_row(s["syscall"], s["action"], s["why"])
    c.print(t)
    net = d["network"]
    if not net["enabled"]:
        c.print("[bold]network[/]: none (loopback only)")
    else:
        allowed = ", ".join(f"{a['pattern']}" for a in net["allowed"]) or "nothing"
        c.print(f"[bold]network[/]: only through ringfence's proxy; allowed: {allowed}; "
                f"denied: {', '.join(x['pattern'] for x in net['denied']) or '-'}")
    c.print(f"[bold]environment[/]: {', '.join(d['environment'])}")
    for n in d["notes"]:
        c.print(f"[yellow]note[/]: {n}")
    return 0
