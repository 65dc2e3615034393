"""A real home and project on disk for the guard tests, and Policy objects built directly.

(A plain module rather than conftest.py, so that `from guardworld import World` cannot pick up
another directory's conftest.)"""
from __future__ import annotations

import os

from ringfence.guard.decide import Judge
from ringfence.policy.defaults import CREDENTIAL_PATHS, PROTECTED_NAMES
from ringfence.policy.model import (
    EnvPolicy, FsPolicy, GuardPolicy, Item, NetPolicy, PathItem, PermissionRule, Policy,
)
from ringfence.policy.paths import expand


class World:
    """$HOME and $PROJECT (a git work tree on branch main) in a temp dir."""

    def __init__(self, root: str):
        self.home = os.path.join(root, "home", "user")
        self.project = os.path.join(self.home, "work", "app")
        os.makedirs(os.path.join(self.project, ".git", "refs", "heads"))
        os.makedirs(os.path.join(self.home, ".ssh"))
        self.branch("main")

    def branch(self, name: str) -> None:
        with open(os.path.join(self.project, ".git", "HEAD"), "w") as f:
            f.write(f"ref: refs/heads/{name}\n")

    def write(self, rel: str, text: str) -> str:
        path = os.path.join(self.project, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def policy(self, *, rules=(), unknown="ask", ask_as="ask", disabled=(), cwd=None, allowed_domains=(),
               deny_read=None) -> Policy:
        creds = CREDENTIAL_PATHS if deny_read is None else deny_read
        fs = FsPolicy(deny_read=tuple(PathItem(expand(p, home=self.home, base="/"), "profile default") for p in creds),
                      protected_names=tuple(Item(n, "built-in") for n in PROTECTED_NAMES))
        prules = []
        for r in rules:
            kind, text = r.split(" ", 1)
            prules.append(PermissionRule(kind, text, "project", f"{self.project}/.claude/settings.json",
                                         self.project))
        return Policy(
            profile=Item("default", "test"), project_dir=self.project, cwd=cwd or self.project, home=self.home,
            fs=fs, net=NetPolicy(allowed_domains=tuple(Item(d, "test") for d in allowed_domains)), env=EnvPolicy(),
            guard=GuardPolicy(unknown=Item(unknown, "test"), ask_as=Item(ask_as, "test"),
                              disabled=tuple(Item(d, "test") for d in disabled), rules=tuple(prules)))

    def judge(self, **kw) -> Judge:
        return Judge(self.policy(**kw), env={})

    def bash(self, command: str, **kw):
        return self.judge(**kw).decide("Bash", {"command": self.sub(command)})

    def tool(self, name: str, tool_input: dict, **kw):
        return self.judge(**kw).decide(name, {k: self.sub(v) if isinstance(v, str) else v
                                              for k, v in tool_input.items()})

    def sub(self, text: str) -> str:
        return text.replace("$PROJECT", self.project).replace("$HOMEDIR", self.home)


def guard_ids(decision) -> set[str]:
    return {f.source.split(" ", 1)[1] for f in decision.findings if f.source.startswith("guard ") and f.verdict}
