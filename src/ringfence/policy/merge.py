"""Merge Fragments into the one Policy (pure).

Claude Code's rules: higher scope wins for scalars; lists concatenate; a deny anywhere
beats an allow anywhere. ringfence adds: configuration inside the project (project and
local scope) may never re-allow reads or grant writes outside the project, and under a
profile that does not trust project configuration it may only add restrictions.
"""
from __future__ import annotations

import os

from ringfence.policy.model import (
    EnvPolicy, FsPolicy, GuardPolicy, Item, NetPolicy, PathItem, Policy, SandboxOptions,
)
from ringfence.policy.paths import within
from ringfence.policy.sources import Fragment

PROJECT_SCOPES = ("project", "local")


def _dedupe(items):
    seen, out = set(), []
    for it in items:
        key = getattr(it, "pattern", None) or getattr(it, "value", None) or it
        if key in seen:
            continue
        seen.add(key)
        out.append(it)
    return tuple(out)


def restrict_project(frag: Fragment, *, trusted: bool, project_dir: str, notes: list[str]) -> None:
    """Drop what configuration shipped inside the project may not do (in place)."""
    if frag.scope not in PROJECT_SCOPES:
        return
    for it in frag.fs["allowRead"]:
        notes.append(f"ignored {it.source}: project configuration cannot re-allow reads ({it.pattern})")
    frag.fs["allowRead"] = []
    kept = []
    for it in frag.fs["allowWrite"]:
        if trusted and within(it.pattern.rstrip("/"), project_dir):
            kept.append(it)
        else:
            why = "untrusted project" if not trusted else "outside the project"
            notes.append(f"ignored {it.source}: {why} cannot grant writes ({it.pattern})")
    frag.fs["allowWrite"] = kept
    if not trusted:
        for it in frag.allowed_domains:
            notes.append(f"ignored {it.source}: untrusted project cannot allow domains ({it.value})")
        frag.allowed_domains = []
        for it in frag.env_explicit:
            notes.append(f"ignored {it.source}: untrusted project cannot pass variables ({it.value})")
        frag.env_explicit = []
        frag.env_set = []
        dropped = [r for r in frag.rules if r.kind == "allow"]
        for r in dropped:
            notes.append(f"ignored {r.source}: untrusted project allow rule {r.text}")
        frag.rules = [r for r in frag.rules if r.kind != "allow"]
        for k in list(frag.scalars):
            notes.append(f"ignored {frag.scalars[k].source}: untrusted project cannot change {k}")
            del frag.scalars[k]


def merge(fragments: list[Fragment], *, project_dir: str, cwd: str, home: str,
          files_read: list[str], notes: list[str]) -> Policy:
    frags = sorted(fragments, key=lambda f: f.rank)  # stable: low precedence first
    scal: dict[str, Item] = {}
    for f in frags:
        scal.update(f.scalars)

    def cat(attr: str, key: str | None = None):
        out = []
        for f in reversed(frags):  # highest precedence first, for provenance display
            out += getattr(f, attr)[key] if key else getattr(f, attr)
        return _dedupe(out)

    protected = _dedupe([it for f in frags for it in f.protect])
    # the project directory is always writable; /tmp is a private tmpfs (not listed here)
    allow_write = (PathItem(project_dir, "project directory"),) + cat("fs", "allowWrite")
    fs = FsPolicy(
        allow_write=_dedupe(allow_write),
        deny_write=cat("fs", "denyWrite"),
        deny_read=cat("fs", "denyRead"),
        allow_read=cat("fs", "allowRead"),
        protected_names=protected,
        hide_home=bool(scal["hideHome"].value),
        protect_git_dir=bool(scal["protectGitDir"].value),
    )
    net = NetPolicy(allowed_domains=cat("allowed_domains"), denied_domains=cat("denied_domains"))
    env_set, seen = [], set()
    for f in reversed(frags):
        for name, value, src in f.env_set:
            if name not in seen:
                seen.add(name)
                env_set.append((name, value, src))
    env = EnvPolicy(allow=cat("env_allow"), explicit=cat("env_explicit"), set=tuple(env_set))
    rules = tuple(r for f in reversed(frags) for r in f.rules)
    guard = GuardPolicy(unknown=scal["unknown"], ask_as=scal["askAs"],
                        disabled=cat("guard_disable"), rules=rules)
    return Policy(
        profile=scal["profile"], project_dir=project_dir, cwd=cwd, home=home,
        fs=fs, net=net, env=env, guard=guard,
        sandbox=SandboxOptions(block_socketpair=bool(scal["blockSocketpair"].value)),
        files_read=tuple(files_read), notes=tuple(notes),
    )


def find_project_dir(cwd: str, home: str) -> str:
    """The enclosing git work tree (so .git/objects stays writable for commits), else cwd.

    Never the home directory or / itself: those would make everything writable.
    """
    d = cwd
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            if d not in ("/", home.rstrip("/")):
                return d
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return cwd
