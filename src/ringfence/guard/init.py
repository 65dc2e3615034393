"""`ringfence init --project|--user`: merge hardened settings and the hook into Claude Code.

Target: ``.claude/settings.json`` in the current directory (the directory you start
``claude`` in; Claude Code reads project settings only there) or the user's
``~/.claude/settings.json`` (``$CLAUDE_CONFIG_DIR/settings.json`` when set).

What is merged (``settings_patch``): the profile's deny rules (credentials as Read
rules, the catastrophic commands as Bash rules, so Claude Code refuses them even if the
hook cannot run), the sandbox switched on with no unsandboxed escape hatch and no silent
fallback, credential paths in ``sandbox.filesystem.denyRead``, project MCP servers not
auto-enabled, and the hooks: PreToolUse on every tool, PostToolUse and
UserPromptSubmit for prompt-injection screening, each running this ringfence by
absolute path (``hook_command``: the interpreter started lean, see hookstart.py) with
``onFailure: block`` (a hook that cannot start blocks the call).

The merge keeps every key the user had and only adds (``settings.writer``), so a second
run changes nothing. The diff is shown first; the file is written atomically after a
"yes" (or ``--yes``). Exit codes: 0 written or already up to date; 1 changes pending and
not written (``--dry-run``, declined, or no terminal to ask on without ``--yes``);
2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys

# Claude Code matches these literally ('*' spans anything), so each is exact enough not to
# catch everyday commands; the hook judges the rest by meaning.
BASH_DENY = (
    "Bash(rm -rf /)", "Bash(rm -rf ~)", "Bash(rm -rf ~/)", "Bash(rm -rf $HOME)", "Bash(git push --force *)",
    "Bash(git push -f *)", "Bash(terraform destroy *)", "Bash(mkfs *)", "Bash(dd * of=/dev/sd*)",
    "Bash(dd * of=/dev/nvme*)", "Bash(curl * | sh)", "Bash(curl * | bash)", "Bash(wget * | sh)",
    "Bash(wget * | bash)", "Bash(dangerouslyDisableSandbox:true)",
)
STRICT_BASH_DENY = ("Bash(sudo *)", "Bash(su *)", "Bash(git reset --hard *)", "Bash(git clean -f*)")
SCREENED_TOOLS = "WebFetch|Read|Bash"
HOOK_PACKAGES = ("tree_sitter", "tree_sitter_bash")  # what the hook imports besides ringfence and the stdlib
HOOK_TIMEOUT = 30


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ringfence init", description=__doc__.split("\n\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--project", action="store_true", help="write ./.claude/settings.json")
    where.add_argument("--user", action="store_true", help="write ~/.claude/settings.json")
    p.add_argument("--profile", default=None, help="profile whose deny rules to write; the hook uses it too")
    p.add_argument("--yes", action="store_true", help="write without asking")
    p.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    return p


def hook_command(profile: str | None) -> str:
    """The hook's command line: this Python, isolated and without ``site``, running
    ``guard/hookstart.py`` with the directories ringfence and tree-sitter live in (see
    hookstart.py for why), all by absolute path."""
    guard = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.dirname(os.path.dirname(guard))]
    for name in HOOK_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or ()) if spec else ():
            paths.append(os.path.dirname(os.path.abspath(location)))
    cmd = [os.path.abspath(sys.executable), "-I", "-S", os.path.join(guard, "hookstart.py")]
    cmd += [f"--path={p}" for p in dict.fromkeys(paths)] + ["hook"]
    if profile:
        cmd += ["--profile", profile]
    return " ".join(shlex.quote(c) for c in cmd)


def _tilde(path: str, home: str) -> str:
    home = home.rstrip("/")
    if path == home:
        return "~"
    if path.startswith(home + "/"):
        return "~" + path[len(home):]
    return path


def settings_patch(policy, command: str) -> dict:
    """The settings ringfence merges in for ``policy``'s profile, with ``command`` as the hook."""
    profile = policy.profile.value
    creds = [_tilde(p.pattern, policy.home) for p in policy.fs.deny_read if p.source == f"profile {profile}"]
    read_rules = []
    for c in creds:
        spec = c if c.startswith("~") else "/" + c  # //abs: absolute in rule syntax
        read_rules += [f"Read({spec})", f"Read({spec}/**)"]
    bash = list(BASH_DENY) + (list(STRICT_BASH_DENY) if policy.guard.ask_as.value == "deny" else [])
    entry = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT, "onFailure": "block"}
    return {
        "permissions": {"deny": read_rules + bash},
        "sandbox": {"enabled": True, "allowUnsandboxedCommands": False, "failIfUnavailable": True,
                    "filesystem": {"denyRead": creds}},
        "enableAllProjectMcpServers": False,
        "hooks": {
            "PreToolUse": [{"matcher": "*", "hooks": [entry]}],
            "PostToolUse": [{"matcher": SCREENED_TOOLS, "hooks": [entry]}],
            "UserPromptSubmit": [{"hooks": [entry]}],
        },
    }


def target_path(project: bool, cwd: str, home: str) -> str:
    if project:
        return os.path.join(cwd, ".claude", "settings.json")
    base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude")
    return os.path.join(base, "settings.json")


def main(argv: list[str]) -> int:
    from ringfence.policy import load_policy
    from ringfence.settings.writer import plan_merge, write_atomic

    args = parser().parse_args(argv)
    cwd = os.getcwd()
    policy = load_policy(cwd, profile=args.profile)
    path = target_path(args.project, cwd, policy.home)
    new_text, diff = plan_merge(path, settings_patch(policy, hook_command(args.profile)))
    if not diff:
        sys.stderr.write(f"ringfence: {path} already has these settings; nothing to do\n")
        return 0
    sys.stdout.write(diff if diff.endswith("\n") else diff + "\n")
    if args.dry_run:
        sys.stderr.write(f"ringfence: --dry-run: {path} not written\n")
        return 1
    if not args.yes:
        if not sys.stdin.isatty():
            sys.stderr.write(f"ringfence: not a terminal, so cannot ask; {path} not written. "
                             "Re-run with --yes to write it\n")
            return 1
        sys.stderr.write(f"ringfence: write these changes to {path}? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            sys.stderr.write(f"ringfence: {path} not written\n")
            return 1
    write_atomic(path, new_text)
    sys.stderr.write(f"ringfence: wrote {path}\n")
    return 0
