"""A compiled run: everything `ringfence run` needs, computed once, reused while valid.

Reading the configuration, planning the mounts and building the Landlock rules and the
seccomp filter costs more than the whole sandbox start, so the result is stored in
``$XDG_CACHE_HOME/ringfence/plans/<key>`` (marshal, mode 0600). The key covers the
command line, the working directory, the user and the environment variables that
change the outcome; the entry also records a fingerprint of every file and directory
the result depended on (config files, protected names, denied paths, the directories
Landlock's decomposition listed). Any change means a fresh compile, so a stale entry
can never weaken the policy.

This module is on the hot path: the loading side imports nothing but the standard
library's cheapest modules.
"""
from __future__ import annotations

import os
import sys

from ringfence.policy.cache import cache_root, code_facts, config_facts, facts_valid, fingerprint, read_entry, write_entry

VERSION = 4
INFO_FD = "@@RINGFENCE_INFO_FD@@"
KEY_ENV = ("HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "CLAUDE_CONFIG_DIR", "PATH")


# ---------------------------------------------------------------- key, facts, store

def cache_dir(environ) -> str:
    return os.path.join(cache_root(environ), "plans")


def cache_key(run_args: list[str], cwd: str, environ) -> str:
    import _sha256
    parts = [str(VERSION), sys.executable, cwd, str(os.getuid())]
    parts += [f"{k}={environ.get(k, '')}" for k in KEY_ENV]
    parts += run_args
    return _sha256.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def load(key: str, environ) -> dict | None:
    c = read_entry(os.path.join(cache_dir(environ), key))
    if not isinstance(c, dict) or c.get("v") != VERSION or not facts_valid(c["facts"]):
        return None
    return c


def save(key: str, compiled: dict, environ) -> None:
    write_entry(os.path.join(cache_dir(environ), key), compiled)


# ---------------------------------------------------------------- environment (run time)

def _secret(name: str, patterns) -> bool:
    up = name.upper()
    for p in patterns:
        if p.startswith("*") and p.endswith("*") and len(p) > 1:
            if p[1:-1] in up:
                return True
        elif p.startswith("*"):
            if up.endswith(p[1:]):
                return True
        elif p.endswith("*"):
            if up.startswith(p[:-1]):
                return True
        elif up == p:
            return True
    return False


def _match(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def build_env(recipe: dict, environ, sandbox_id: str) -> dict[str, str]:
    """Only the allowlist plus what the policy names; a secret-looking name passes only
    when named exactly (a pattern like ``AIDER_*`` never lets a secret through)."""
    env: dict[str, str] = {}
    explicit, allow, secrets = recipe["explicit"], recipe["allow"], recipe["secret_patterns"]
    for name, value in environ.items():
        if name in explicit:
            env[name] = value
        elif not _secret(name, secrets) and any(_match(name, p) for p in allow + explicit):
            env[name] = value
    env.update(recipe["set"])
    env.update(recipe["fixed"])
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["RINGFENCE_SANDBOX"] = sandbox_id
    return env


# ---------------------------------------------------------------- compile (slow path)

def compile_run(policy, argv: list[str], *, network: bool = True,
                disable: frozenset[str] = frozenset()) -> dict:
    """Policy + command -> the compiled run (a plain dict, marshal-able)."""
    from ringfence.policy.defaults import SECRET_PATTERNS
    from ringfence.sandbox.bwrap import bwrap_args
    from ringfence.sandbox.plan import build_plan, env_recipe
    plan = build_plan(policy, argv, sandbox_id="", network=network)
    args = bwrap_args(plan, info_fd=INFO_FD, disable=disable)
    spec = inner_spec(plan, policy, disable=disable)
    recipe = env_recipe(policy, network=network)
    recipe["secret_patterns"] = list(SECRET_PATTERNS)
    facts = collect_facts(policy, plan, spec)
    return {
        "v": VERSION, "args": args, "spec": spec, "env": recipe, "network": network,
        "stubs": [(a.path, a.kind) for a in plan.actions if a.action == "stub"],
        "net": {"allowed": [(i.value, i.source) for i in policy.net.allowed_domains],
                "denied": [(i.value, i.source) for i in policy.net.denied_domains]},
        "facts": facts, "notes": plan.notes,
    }


def inner_spec(plan, policy, *, disable: frozenset[str] = frozenset()) -> dict:
    """The dict the inner stage applies. ``disable`` (verify's diagnostic mode only) swaps a
    layer for its permissive form: Landlock granting everything, a seccomp program that
    allows every call. The inner stage itself always applies both."""
    from ringfence.sandbox.landlock import build_rules, landlock_abi
    from ringfence.sandbox.bwrap import inner_mounts
    from ringfence.sandbox.plan import PROXY_PORT
    from ringfence.sandbox.seccomp import SeccompOptions, compile_filter
    spec: dict = {"argv": plan.argv, "env": {}, "cwd": plan.cwd, "listen": [],
                  "mounts": inner_mounts(plan, disable)}
    abi = landlock_abi()
    if abi < 1:
        from ringfence.errors import SandboxError
        raise SandboxError("Landlock is not available in this kernel: file rules cannot be enforced by inode",
                           fix="use a kernel >= 5.13 with CONFIG_SECURITY_LANDLOCK=y and 'landlock' in the lsm= boot list")
    if "landlock" in disable:
        rules = build_rules(["/"], ["/"], [], [], abi)
    else:
        write_roots = list(plan.write_roots) + ["/tmp", "/var/tmp", "/dev/shm"]
        # A denied path inside a write root is hidden by its mount only: Landlock would have
        # to decompose the write root, and files created in it later could not be read back.
        from ringfence.policy.paths import within
        hidden = [h for h in plan.hidden if not any(within(h, r) for r in write_roots)]
        rules = build_rules(["/"], write_roots, hidden, plan.readable, abi)
    spec["landlock"] = rules.to_spec()
    if "seccomp" in disable:
        import struct
        spec["seccomp"] = struct.pack("<HBBI", 0x06, 0, 0, 0x7FFF0000)  # BPF_RET|BPF_K ALLOW
    else:
        spec["seccomp"] = compile_filter(SeccompOptions(block_socketpair=policy.sandbox.block_socketpair))
    if plan.network:
        spec["listen"] = [("127.0.0.1", PROXY_PORT), ("::1", PROXY_PORT)]
    return spec


def collect_facts(policy, plan, spec) -> list:
    from ringfence.policy.paths import is_glob, static_prefix
    facts: dict[str, str] = config_facts(policy)
    facts.update(code_facts(os.path.dirname(os.path.abspath(__file__))))

    def add(p: str, kind: str) -> None:
        if facts.get(p) != "content":
            facts[p] = kind

    fs = policy.fs
    for it in fs.allow_write + fs.deny_write + fs.deny_read + fs.allow_read:
        pat = it.pattern.rstrip("/") or "/"
        if is_glob(pat):
            for dirpath in _walked(static_prefix(pat)):
                add(dirpath, "content")
        else:
            add(pat, "node")
            add(os.path.dirname(pat), "node")
    for root in plan.write_roots:
        for it in fs.protected_names:
            p = os.path.join(root, it.value.rstrip("/"))
            while p != root:
                add(p, "node")
                p = os.path.dirname(p)
    for a in plan.actions:
        add(a.path, "node")
    add(policy.home, "node")
    roots = [r.rstrip("/") + "/" for r in plan.write_roots]
    for p, _access in spec["landlock"]["rules"]:
        add(p, "node")
        # the directories the decomposition listed; below a write root nothing was listed
        if not any((os.path.dirname(p) + "/").startswith(r) for r in roots):
            add(os.path.dirname(p), "content")
    return [(p, k, fingerprint(p, k)) for p, k in sorted(facts.items())]


def _walked(root: str, limit: int = 20000) -> list[str]:
    out = [root]
    for dirpath, dirnames, _ in os.walk(root):
        for n in dirnames:
            out.append(os.path.join(dirpath, n))
        if len(out) > limit:
            break
    return out
