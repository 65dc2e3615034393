"""Policy -> SandboxPlan: what to mount where, what to stub, which env, which rules.

No side effects (it reads the filesystem to resolve paths, never writes). The order
of mounts is policy (Codex's rule): read-only root, private /tmp and /run, then every
path rule applied from the shallowest path to the deepest, so the more specific rule
wins; at the same path, deny beats allow and protection beats write.

Actions on a path:
  hide   denied read: an empty unreadable tmpfs (directory) or an unreadable
         placeholder (file) mounted over the path's real location
  rw     a writable root (project, --allow-write, agent state)
  ro     read-only again: a re-allowed read inside a hidden tree, a protected file or
         directory inside a writable root (bound on itself, read-only)
  pin    a directory bound on itself (writable) so it cannot be renamed: renaming a
         parent must not get around a protection inside it
  stub   a protected name that does not exist yet: an empty placeholder is created on
         the host for the run (removed afterwards) and a read-only mount put over it
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from ringfence.errors import PolicyError, SandboxError
from ringfence.policy.model import Policy
from ringfence.policy.paths import expand_glob, is_glob, within

PROXY_PORT = 3128
PRIVATE_TMPFS = ("/tmp", "/var/tmp", "/run")   # empty inside the sandbox (bwrap.py)
ACTION_RANK = {"rw": 0, "pin": 1, "ro": 2, "hide": 3, "stub": 4}  # higher wins at one path


@dataclass(frozen=True)
class PathAction:
    path: str
    action: str
    why: str
    kind: str = "dir"     # dir | file (what is at the path, or what a stub will be)


@dataclass
class SandboxPlan:
    sandbox_id: str
    argv: list[str]
    cwd: str
    actions: list[PathAction]          # ordered: shallow to deep
    write_roots: list[str]
    hidden: list[str]
    readable: list[str]                # re-allowed inside hidden trees (for Landlock)
    network: bool
    notes: list[str] = field(default_factory=list)


def _real(p: str) -> str:
    return os.path.realpath(p)


def _expand(items, notes: list[str], what: str) -> list[tuple[str, str]]:
    """(real path, source) for every existing path an item names; globs expanded."""
    out = []
    for it in items:
        pat = it.pattern.rstrip("/") or "/"
        if is_glob(pat):
            try:
                matches = expand_glob(pat)
            except ValueError as e:
                raise PolicyError(str(e), file=it.source, value=it.pattern,
                                  fix="narrow the pattern (a shorter static prefix)") from None
            notes.append(f"{what} glob {it.pattern}: {len(matches)} existing match(es) enforced by the sandbox; "
                         "files created later are covered by the guard only")
            out += [(_real(m), it.source) for m in matches]
        elif os.path.lexists(pat):
            out.append((_real(pat), it.source))
    return out


def runtime_paths() -> list[str]:
    """What the inner stage needs to read: the Python running ringfence and this package."""
    paths = {_real(sys.executable), _real(sys.base_prefix), _real(sys.prefix),
             _real(os.path.dirname(os.path.abspath(__file__)))}
    return sorted(paths)


def _home_reallows(policy: Policy) -> list[str]:
    """With a hidden home, the tools on PATH that live in it stay usable (read-only)."""
    home = policy.home.rstrip("/")
    keep = set()
    for d in os.environ.get("PATH", "").split(":"):
        if d and within(d, home) and d != home:
            top = os.path.join(home, d[len(home) + 1:].split("/")[0])
            if os.path.isdir(top):
                keep.add(_real(top))
    return sorted(keep)


def build_plan(policy: Policy, argv: list[str], *, sandbox_id: str, network: bool) -> SandboxPlan:
    notes: list[str] = list(policy.notes)
    fs = policy.fs
    acts: dict[str, PathAction] = {}

    def put(path: str, action: str, why: str, kind: str | None = None) -> None:
        if kind is None:
            kind = "dir" if os.path.isdir(path) else "file"
        old = acts.get(path)
        if old is None or ACTION_RANK[action] >= ACTION_RANK[old.action]:
            acts[path] = PathAction(path, action, why, kind)

    # -- writable roots; a writable root inside a write-denied path is not writable
    deny_write = _expand(fs.deny_write, notes, "denyWrite")
    write_roots: list[tuple[str, str, bool]] = []   # (path, source, gets protected names)
    for it in fs.allow_write:
        pat = it.pattern.rstrip("/") or "/"
        if pat == "/" or pat == policy.home.rstrip("/"):
            if it.source == "project directory":
                raise PolicyError(f"the project directory would be {pat}: ringfence will not make all of it writable",
                                  fix="run from a project directory, or pass --project DIR")
            raise PolicyError("refusing to make this whole tree writable", file=it.source, value=it.pattern,
                              fix="allow a narrower directory")
        found = _expand([it], notes, "allowWrite")
        if not found:
            notes.append(f"allowWrite {it.pattern} ({it.source}) does not exist; not mounted")
        for real, src in found:
            if any(within(real, d) for d, _ in deny_write):
                notes.append(f"allowWrite {real} ({src}) is inside a denied write path: stays read-only")
                continue
            write_roots.append((real, src, not src.startswith("agent preset")))
    for real, src, _ in write_roots:
        put(real, "rw", src)

    # -- hidden trees (deny read) and re-allowed reads inside them
    hidden = [(p, s) for p, s in _expand(fs.deny_read, notes, "denyRead")]
    if fs.hide_home and os.path.isdir(policy.home):
        hidden.append((_real(policy.home), "hideHome (profile " + str(policy.profile.value) + ")"))
        for p in _home_reallows(policy):
            put(p, "ro", "tool on PATH inside the hidden home")
    for p, src in hidden:
        if p in ("/",):
            raise PolicyError("refusing to hide the whole filesystem", file=src, value=p)
        put(p, "hide", src)
    readable = []
    for p, src in _expand(fs.allow_read, notes, "allowRead"):
        put(p, "ro", src)
        readable.append(p)
    for p in runtime_paths():
        if any(within(p, h) for h, _ in hidden) or any(within(p, t) for t in PRIVATE_TMPFS):
            put(p, "ro", "ringfence's own runtime (Python interpreter and package)")
            readable.append(p)
    own = _real(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the ringfence package
    if any(within(own, r) for r, _, _ in write_roots):
        put(own, "ro", "ringfence's own code cannot be changed from inside (self-tampering)")

    # -- protection inside writable roots: protected names and denied writes
    def protect(path: str, why: str, is_dir_name: bool, root: str) -> None:
        if os.path.lexists(path):
            real = _real(path)
            if any(within(real, r) for r, _, _ in write_roots):
                put(real, "ro", why)
                # pin each directory between the root and the protected path
                d = os.path.dirname(real)
                while within(d, root) and d != root:
                    put(d, "pin", f"pinned so {os.path.basename(real)} cannot be renamed away")
                    d = os.path.dirname(d)
            return
        # first missing component: stub it
        d, missing = path, path
        while not os.path.lexists(os.path.dirname(d)):
            d = os.path.dirname(d)
        missing = d
        parent = os.path.dirname(missing)
        if not any(within(_real(parent), r) for r, _, _ in write_roots):
            return  # not creatable in the sandbox anyway
        kind = "dir" if (missing != path or is_dir_name) else "file"
        put(os.path.join(_real(parent), os.path.basename(missing)), "stub", why, kind)
        p = _real(parent)
        while within(p, root) and p != root:
            put(p, "pin", f"pinned so {os.path.basename(missing)} cannot be renamed away")
            p = os.path.dirname(p)

    for root, _src, gets_names in write_roots:
        if not gets_names or not os.path.isdir(root):
            continue
        for it in fs.protected_names:
            name = it.value
            protect(os.path.join(root, name.rstrip("/")), f"protected name {name} ({it.source})",
                    name.endswith("/"), root)
    for it in fs.deny_write:
        pat = it.pattern.rstrip("/")
        if is_glob(pat):
            continue  # expanded above; existing matches handled below
        for root, _src, _ in write_roots:
            if within(pat, root) and pat != root:
                protect(pat, f"denyWrite {it.pattern} ({it.source})", it.pattern.endswith("/"), root)
    for real, src in deny_write:
        if any(within(real, r) for r, _, _ in write_roots):
            put(real, "ro", f"denyWrite ({src})")

    actions = _prune(sorted(acts.values(), key=lambda a: (a.path.count("/"), a.path)))
    return SandboxPlan(
        sandbox_id=sandbox_id, argv=list(argv), cwd=policy.cwd, actions=actions,
        write_roots=[r for r, _, _ in write_roots], hidden=[h for h, _ in hidden],
        readable=readable + [a.path for a in actions if a.action == "ro"
                             and not any(within(a.path, r) for r, _, _ in write_roots)],
        network=network, notes=notes,
    )


def _prune(actions: list[PathAction]) -> list[PathAction]:
    """Drop actions that a hidden ancestor already covers (nothing to hide twice,
    nothing to pin or stub where it cannot be reached)."""
    out: list[PathAction] = []
    for a in actions:
        nearest = None
        for b in out:
            if b.path != a.path and within(a.path, b.path) and (nearest is None or len(b.path) > len(nearest.path)):
                nearest = b
        if nearest is not None and nearest.action == "hide" and a.action in ("hide", "pin", "stub"):
            continue
        out.append(a)
    return out


# ---------------------------------------------------------------- environment

def env_recipe(policy: Policy, *, network: bool) -> dict:
    """What the environment inside is made of; compiled.build_env applies it at run time."""
    fixed = {"HOME": policy.home, "TMPDIR": "/tmp"}
    proxy = f"http://127.0.0.1:{PROXY_PORT}"
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        fixed[k] = proxy
    for k in ("ALL_PROXY", "all_proxy"):
        fixed[k] = f"socks5h://127.0.0.1:{PROXY_PORT}"
    for k in ("NO_PROXY", "no_proxy"):
        fixed[k] = ""   # nothing bypasses the proxy
    fixed["GIT_SSH_COMMAND"] = f"ssh -o ProxyCommand='socat - PROXY:127.0.0.1:%h:%p,proxyport={PROXY_PORT}'"
    if not network:
        fixed["RINGFENCE_NETWORK"] = "none"
    return {"allow": [it.value for it in policy.env.allow],
            "explicit": [it.value for it in policy.env.explicit],
            "set": {name: value for name, value, _src in policy.env.set},
            "fixed": fixed}
