"""`ringfence run` and `ringfence doctor`.

`run` parses its options by hand from one table (argparse costs ~15 ms of start-up on
every sandboxed command); the same table prints --help.
"""
from __future__ import annotations

import os
import sys

from ringfence.errors import PolicyError

# option: (flags-dict key, takes a value, repeatable, help)
RUN_OPTIONS: dict[str, tuple[str, bool, bool, str]] = {
    "--profile": ("profile", True, False, "default | untrusted | autonomous | ci | paranoid"),
    "--allow-write": ("allow_write", True, True, "make PATH writable (repeatable)"),
    "--deny-write": ("deny_write", True, True, "keep PATH read-only, even inside a writable root"),
    "--allow-read": ("allow_read", True, True, "re-allow reading PATH inside a denied tree"),
    "--deny-read": ("deny_read", True, True, "hide PATH (a directory or file; globs allowed)"),
    "--allow-domain": ("allow_domain", True, True, "allow egress to DOMAIN[:PORT], *.DOMAIN, IP[:PORT] or CIDR"),
    "--deny-domain": ("deny_domain", True, True, "deny egress to DOMAIN (beats any allow)"),
    "--env": ("env", True, True, "pass variable NAME into the sandbox (even if it looks secret)"),
    "--setenv": ("set_env", True, True, "set NAME=VALUE inside the sandbox"),
    "--settings": ("settings", True, True, "an extra Claude Code settings file (flag scope)"),
    "--project": ("project", True, False, "the project directory (default: the git root or cwd)"),
    "--no-network": ("no_network", False, False, "no network at all, not even the proxy"),
    "--explain": ("explain", False, False, "print the layers and rules that would apply, do not run"),
    "--json": ("json", False, False, "with --explain: machine-readable"),
}

RUN_USAGE = ("usage: ringfence run [options] [--] COMMAND [ARGS...]\n\n"
             "Runs COMMAND with its whole process tree in bubblewrap namespaces + Landlock + seccomp,\n"
             "network only through ringfence's filtering proxy. There is no option to run unsandboxed.\n\n"
             "options:\n" + "".join(f"  {k:<15} {v[3]}\n" for k, v in RUN_OPTIONS.items()))


def parse_run_args(argv: list[str]) -> tuple[dict, list[str]]:
    flags: dict = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return flags, argv[i + 1:]
        if a in ("-h", "--help"):
            flags["help"] = True
            return flags, []
        if not a.startswith("-"):
            return flags, argv[i:]
        name, eq, val = a.partition("=")
        if name not in RUN_OPTIONS:
            raise PolicyError(f"unknown option {name}", fix="see `ringfence run --help`")
        key, takes, repeat, _ = RUN_OPTIONS[name]
        if takes:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise PolicyError(f"{name} needs a value", fix="see `ringfence run --help`")
                val = argv[i]
            if repeat:
                flags.setdefault(key, []).append(val)
            else:
                flags[key] = val
        else:
            if eq:
                raise PolicyError(f"{name} takes no value")
            flags[key] = True
        i += 1
    return flags, []


def main(argv: list[str]) -> int:
    flags, command = parse_run_args(argv)
    if flags.get("help"):
        sys.stdout.write(RUN_USAGE)
        return 0
    if not command and not flags.get("explain"):
        sys.stderr.write("ringfence: no command given\n" + RUN_USAGE)
        return 2
    network = not flags.get("no_network")
    cwd = os.getcwd()
    if not flags.get("explain"):
        from ringfence.sandbox import compiled
        from ringfence.sandbox.launch import run_compiled
        key = compiled.cache_key(argv, cwd, os.environ)
        c = compiled.load(key, os.environ)
        if c is None:
            c = compiled.compile_run(_policy(flags, command, cwd), command, network=network)
            compiled.save(key, c, os.environ)
        return run_compiled(c, os.environ)
    from ringfence.sandbox.explain import explain
    return explain(_policy(flags, command, cwd), command or ["<command>"], as_json=bool(flags.get("json")),
                   network=network)


def _policy(flags: dict, command: list[str], cwd: str):
    from ringfence.policy import load_policy
    agent = os.path.basename(command[0]) if command else None
    return load_policy(cwd, flags=flags, agent=agent, project_dir=flags.get("project"))


def doctor(argv: list[str]) -> int:
    from ringfence.sandbox.preflight import doctor as _doctor
    return _doctor(as_json="--json" in argv)
