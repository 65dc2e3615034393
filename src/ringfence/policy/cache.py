"""A fingerprinted cache of the merged Policy, for the per-call paths (the hook).

Claude Code starts `ringfence hook` as a fresh process for every tool call; reading and
merging every settings layer costs more than the decision. The merged Policy is stored in
``$XDG_CACHE_HOME/ringfence/policies/<key>`` (marshal, mode 0600) with the fingerprint of
every configuration file it could have read (present or absent); any change - a new file,
an edited one, a deleted one - means a fresh load. A stale entry is never used, so the
cache only saves time. Also home of the fingerprint and store helpers that the sandbox's
compiled-run cache shares.
"""
from __future__ import annotations

import marshal
import os
import sys

VERSION = 2  # of the entry format
KEY_ENV = ("HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR")


def cache_root(environ) -> str:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or "/", ".cache")
    return os.path.join(base, "ringfence")


def fingerprint(path: str, kind: str):
    """"node": what is there (type, device, inode); "content": also mtime and size."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if kind == "node":
        return (st.st_mode >> 12, st.st_dev, st.st_ino)
    return (st.st_mode >> 12, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def read_entry(path: str):
    """The stored object, or None (missing, not ours, not private, unreadable)."""
    try:
        st = os.lstat(path)
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        with open(path, "rb") as f:
            return marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write_entry(path: str, obj) -> None:
    """Best effort, atomic: a cache that cannot be written only costs time."""
    d = os.path.dirname(path)
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(marshal.dumps(obj))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


def facts_valid(facts) -> bool:
    return all(fingerprint(p, kind) == fp for p, kind, fp in facts)


def code_facts(*dirs: str) -> dict[str, str]:
    """ringfence's own source files in ``dirs``: a new version of the code that compiled an
    entry (an upgrade, a fix) must never reuse what the old code produced."""
    facts: dict[str, str] = {}
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            if n.endswith(".py"):
                facts[os.path.join(d, n)] = "content"
    return facts


def config_facts(policy) -> dict[str, str]:
    """Every configuration file the policy could have been read from, present or not,
    and where the project directory was looked for."""
    from ringfence.policy import user_config_path
    from ringfence.settings.layers import MANAGED_DIR, layer_paths
    here = os.path.dirname(os.path.abspath(__file__))
    facts: dict[str, str] = code_facts(here, os.path.join(os.path.dirname(here), "settings"))
    for _scope, p, _b, _s in layer_paths(policy.project_dir, policy.home, MANAGED_DIR):
        facts[p] = "content"
    facts[os.path.join(MANAGED_DIR, "managed-settings.d")] = "content"
    facts[user_config_path(policy.home)] = "content"
    facts[os.path.join(policy.project_dir, "ringfence.toml")] = "content"
    for p in policy.files_read:
        facts[p] = "content"
    d = policy.cwd
    while True:
        facts.setdefault(os.path.join(d, ".git"), "node")
        if d == "/":
            break
        d = os.path.dirname(d)
    return facts


# ---------------------------------------------------------------- Policy <-> plain data

def _encode(v):
    """A record as a tuple (its type's name first), a sequence as a list, anything else as is."""
    if hasattr(v, "_fields"):
        return (type(v).__name__, *(_encode(x) for x in v))
    if isinstance(v, (tuple, list)):
        return [_encode(x) for x in v]
    return v


def _decode(v, types):
    if type(v) is tuple:
        return types[v[0]](*[_decode(x, types) for x in v[1:]])
    if type(v) is list:
        return tuple([_decode(x, types) for x in v])
    return v


def load_policy_cached(cwd: str, *, profile: str | None = None, project_dir: str | None = None,
                       home: str | None = None, environ=None):
    """``load_policy`` with the cache in front (same arguments the hook uses)."""
    environ = os.environ if environ is None else environ
    import _sha256
    material = [str(VERSION), sys.executable, str(os.getuid()), cwd, profile or "", project_dir or "",
                home or ""] + [f"{k}={environ.get(k, '')}" for k in KEY_ENV]
    key = _sha256.sha256("\0".join(material).encode("utf-8", "surrogateescape")).hexdigest()
    path = os.path.join(cache_root(environ), "policies", key)
    from ringfence.policy import model
    types = {name: getattr(model, name) for name in ("Item", "PathItem", "FsPolicy", "NetPolicy", "EnvPolicy",
                                                     "PermissionRule", "GuardPolicy", "SandboxOptions", "Policy")}
    entry = read_entry(path)
    if isinstance(entry, dict) and entry.get("v") == VERSION and facts_valid(entry["facts"]):
        try:
            return _decode(entry["policy"], types)
        except (KeyError, TypeError, IndexError):
            pass
    from ringfence.policy import load_policy
    policy = load_policy(cwd, profile=profile, project_dir=project_dir, home=home)
    facts = [(p, k, fingerprint(p, k)) for p, k in sorted(config_facts(policy).items())]
    write_entry(path, {"v": VERSION, "facts": facts, "policy": _encode(policy)})
    return policy
