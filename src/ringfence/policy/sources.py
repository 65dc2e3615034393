"""One loader per source; each returns Fragments (raw values + provenance), no merging.

Sources, lowest precedence first: built-in profile, agent preset, user (Claude Code
user settings, ~/.config/ringfence/ringfence.toml), project (.claude/settings.json,
<project>/ringfence.toml), local (.claude/settings.local.json), flags, managed
(/etc/claude-code/managed-settings.json and managed-settings.d/).
"""
from __future__ import annotations

import os

from ringfence.errors import PolicyError
from ringfence.policy.model import Item, PathItem, PermissionRule
from ringfence.policy.paths import check_glob, expand

RANK = {"profile": 0, "preset": 1, "user": 2, "project": 3, "local": 4, "flag": 5, "managed": 6}
FS_KEYS = ("allowWrite", "denyWrite", "denyRead", "allowRead")
BOOL_KEYS = ("hideHome", "protectGitDir", "blockSocketpair")
VERDICTS = ("allow", "ask", "deny")


class Fragment:
    """What one source says: raw values with provenance, before merging."""

    def __init__(self, scope: str, source: str):
        self.scope, self.source = scope, source
        self.fs: dict[str, list[PathItem]] = {k: [] for k in FS_KEYS}
        self.protect: list[Item] = []             # names relative to writable roots
        self.allowed_domains: list[Item] = []
        self.denied_domains: list[Item] = []
        self.env_explicit: list[Item] = []
        self.env_allow: list[Item] = []
        self.env_set: list[tuple[str, str, str]] = []
        self.rules: list[PermissionRule] = []
        self.guard_disable: list[Item] = []
        self.scalars: dict[str, Item] = {}        # profile, unknown, askAs, bools

    @property
    def rank(self) -> int:
        return RANK[self.scope]


# ---------------------------------------------------------------- validation helpers

def _strings(value, *, file: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError("must be a list of strings", file=file, key=key, value=value)
    return value


def _path_items(values: list[str], *, file: str, key: str, home: str, base: str) -> list[PathItem]:
    out = []
    for i, raw in enumerate(values):
        if not raw.strip():
            raise PolicyError("empty path", file=file, key=f"{key}[{i}]", value=raw)
        err = check_glob(raw)
        if err:
            raise PolicyError(err, file=file, key=f"{key}[{i}]", value=raw,
                              fix="use '**' as a whole segment, e.g. '~/.config/**/token'")
        out.append(PathItem(expand(raw, home=home, base=base), f"{file}: {key}[{i}]"))
    return out


def check_domain(value: str, *, file: str, key: str) -> None:
    """Validate one allowedDomains/deniedDomains entry with the proxy's own grammar."""
    from ringfence.proxy.rules import parse_pattern
    try:
        parse_pattern(value)
    except ValueError as e:
        raise PolicyError(str(e), file=file, key=key, value=value,
                          fix="use 'example.com', '*.example.com', 'host:443', '10.0.0.0/8' or '127.0.0.1:8080'") from None


def _domains(values, *, file: str, key: str) -> list[Item]:
    out = []
    for i, v in enumerate(_strings(values, file=file, key=key)):
        check_domain(v, file=file, key=f"{key}[{i}]")
        out.append(Item(v, f"{file}: {key}[{i}]"))
    return out


def _env_names(values, *, file: str, key: str) -> list[Item]:
    out = []
    for i, v in enumerate(_strings(values, file=file, key=key)):
        name = v.replace("*", "")
        if not name or not all(c.isalnum() or c == "_" for c in name):
            raise PolicyError("not an environment variable name", file=file, key=f"{key}[{i}]", value=v)
        out.append(Item(v, f"{file}: {key}[{i}]"))
    return out


# ---------------------------------------------------------------- profile and preset

def profile_fragment(name: str, home: str) -> Fragment:
    from ringfence.policy.defaults import PROTECTED_NAMES
    from ringfence.policy.profiles import PROFILES
    prof = PROFILES[name]
    src = f"profile {name}"
    f = Fragment("profile", src)
    f.fs["denyRead"] = [PathItem(expand(p, home=home, base="/"), src) for p in prof["denyRead"]]
    f.protect = [Item(n, "built-in protected names") for n in PROTECTED_NAMES]
    if prof.get("protectGitDir"):
        f.protect.append(Item(".git/", src))
    for k in BOOL_KEYS + ("trustProjectConfig", "agentPreset"):
        f.scalars[k] = Item(bool(prof.get(k)), src)
    f.scalars["unknown"] = Item(prof["unknown"], src)
    f.scalars["askAs"] = Item(prof["askAs"], src)
    from ringfence.policy.defaults import ENV_ALLOWLIST
    f.env_allow = [Item(n, "built-in environment allowlist") for n in ENV_ALLOWLIST]
    return f


def preset_fragment(agent: str, home: str) -> Fragment | None:
    from ringfence.policy.defaults import AGENT_PRESETS
    preset = AGENT_PRESETS.get(agent)
    if preset is None:
        return None
    src = f"agent preset {agent}"
    f = Fragment("preset", src)
    f.fs["allowWrite"] = [PathItem(expand(p, home=home, base=home), src) for p in preset["allowWrite"]]
    f.fs["allowRead"] = [PathItem(expand(p, home=home, base=home), src) for p in preset["allowRead"]]
    f.fs["denyWrite"] = [PathItem(expand(p, home=home, base=home), src) for p in preset["protect"]]
    f.allowed_domains = [Item(d, src) for d in preset["allowedDomains"]]
    f.env_explicit = [Item(n, src) for n in preset["env"]]
    return f


# ---------------------------------------------------------------- Claude Code settings

def claude_fragment(layer, *, home: str, cwd: str) -> Fragment:
    """The ``sandbox`` and ``permissions`` blocks of one Claude Code settings layer."""
    data, file = layer.data, layer.path
    f = Fragment(layer.scope, file)

    def obj(parent: dict, name: str, key: str) -> dict:
        value = parent.get(name, {})
        if not isinstance(value, dict):
            raise PolicyError("must be an object", file=file, key=key, value=value)
        return value

    sandbox = obj(data, "sandbox", "sandbox")
    fs = obj(sandbox, "filesystem", "sandbox.filesystem")
    for k in FS_KEYS:
        if k in fs:
            key = f"sandbox.filesystem.{k}"
            f.fs[k] += _path_items(_strings(fs[k], file=file, key=key), file=file, key=key,
                                   home=home, base=layer.sandbox_base)
    net = obj(sandbox, "network", "sandbox.network")
    if "allowedDomains" in net:
        f.allowed_domains += _domains(net["allowedDomains"], file=file, key="sandbox.network.allowedDomains")
    if "deniedDomains" in net:
        f.denied_domains += _domains(net["deniedDomains"], file=file, key="sandbox.network.deniedDomains")
    perms = obj(data, "permissions", "permissions")
    for kind in VERDICTS:
        if kind in perms:
            key = f"permissions.{kind}"
            for i, text in enumerate(_strings(perms[kind], file=file, key=key)):
                rule = PermissionRule(kind, text, layer.scope, f"{file}: {key}[{i}]", layer.base_dir)
                f.rules.append(rule)
                _rule_to_fs(rule, f, home=home, cwd=cwd)
    return f


def rule_path(spec: str, *, home: str, base_dir: str, cwd: str) -> str:
    """A Read/Edit rule path (gitignore syntax, Claude Code's prefixes) as an absolute glob."""
    if spec.startswith("//"):
        p = "/" + spec[2:].lstrip("/")
    elif spec.startswith("~/") or spec == "~":
        p = expand(spec, home=home, base=cwd)
    elif spec.startswith("/"):
        p = os.path.join(base_dir, spec[1:])
    elif spec.startswith("./"):
        p = os.path.join(cwd, spec[2:])
    elif "/" not in spec.rstrip("/") or spec.split("/")[0] in ("**",):
        # bare names match at any depth below cwd
        p = os.path.join(cwd, "**", spec.removeprefix("**/"))
    else:
        p = os.path.join(cwd, spec)
    p = os.path.normpath(p)
    # "dir/**" denies the directory and everything in it: the sandbox hides the directory
    if p.endswith("/**") and p != "/**":
        p = p[:-3]
    return p


def _rule_to_fs(rule: PermissionRule, f: Fragment, *, home: str, cwd: str) -> None:
    """Deny rules with a path become sandbox file rules; WebFetch domains become network rules."""
    text = rule.text.strip()
    if "(" not in text or not text.endswith(")"):
        return
    tool, spec = text.split("(", 1)
    spec = spec[:-1]
    if rule.kind == "deny" and tool in ("Read", "Edit") and spec and spec != "*":
        if check_glob(spec):
            return  # the guard reports bad rules; the sandbox ignores what it cannot express
        p = rule_path(spec, home=home, base_dir=rule.base_dir, cwd=cwd)
        key = "denyRead" if tool == "Read" else "denyWrite"
        f.fs[key].append(PathItem(p, rule.source))
        if tool == "Read":  # a Read deny also blocks writes (Claude Code >= 2.1.228)
            f.fs["denyWrite"].append(PathItem(p, rule.source))
    elif tool == "WebFetch" and spec.startswith("domain:") and rule.kind in ("allow", "deny"):
        dom = spec[len("domain:"):]
        if dom in ("", "*"):
            return
        try:
            check_domain(dom, file=rule.source, key="permissions")
        except PolicyError:
            return
        (f.allowed_domains if rule.kind == "allow" else f.denied_domains).append(Item(dom, rule.source))


# ---------------------------------------------------------------- ringfence.toml

TOML_SCHEMA: dict[str, object] = {
    "profile": str,
    "filesystem": {k: list for k in FS_KEYS},
    "network": {"allowedDomains": list, "deniedDomains": list},
    "environment": {"pass": list, "set": dict},
    "guard": {"unknown": str, "askAs": str, "disable": list},
    "permissions": {"allow": list, "ask": list, "deny": list},
    "sandbox": {k: bool for k in BOOL_KEYS},
}


def read_toml(path: str) -> dict | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise PolicyError(f"cannot read: {e.strerror}", file=path) from None
    import tomllib
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8", file=path) from None
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"invalid TOML: {e}", file=path) from None


def _check_schema(data: dict, schema: dict, file: str, prefix: str = "") -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise PolicyError("unknown key", file=file, key=path, fix=f"known keys here: {known}")
        want = schema[key]
        if isinstance(want, dict):
            if not isinstance(value, dict):
                raise PolicyError("must be a table", file=file, key=path, value=value)
            _check_schema(value, want, file, path + ".")
        elif not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise PolicyError(f"must be a {want.__name__}", file=file, key=path, value=value)


def toml_fragment(path: str, scope: str, *, home: str, cwd: str, data: dict) -> Fragment:
    from ringfence.policy.profiles import PROFILE_NAMES
    _check_schema(data, TOML_SCHEMA, path)
    base = os.path.dirname(os.path.abspath(path))
    f = Fragment(scope, path)
    if "profile" in data:
        if data["profile"] not in PROFILE_NAMES:
            raise PolicyError("unknown profile", file=path, key="profile", value=data["profile"],
                              fix=f"one of: {', '.join(PROFILE_NAMES)}")
        f.scalars["profile"] = Item(data["profile"], f"{path}: profile")
    for k, v in data.get("filesystem", {}).items():
        key = f"filesystem.{k}"
        f.fs[k] += _path_items(_strings(v, file=path, key=key), file=path, key=key, home=home, base=base)
    net = data.get("network", {})
    if "allowedDomains" in net:
        f.allowed_domains += _domains(net["allowedDomains"], file=path, key="network.allowedDomains")
    if "deniedDomains" in net:
        f.denied_domains += _domains(net["deniedDomains"], file=path, key="network.deniedDomains")
    env = data.get("environment", {})
    if "pass" in env:
        f.env_explicit += _env_names(env["pass"], file=path, key="environment.pass")
    for name, value in env.get("set", {}).items():
        if not isinstance(value, str):
            raise PolicyError("must be a string", file=path, key=f"environment.set.{name}", value=value)
        _env_names([name], file=path, key=f"environment.set.{name}")
        f.env_set.append((name, value, f"{path}: environment.set.{name}"))
    guard = data.get("guard", {})
    if "unknown" in guard:
        if guard["unknown"] not in VERDICTS:
            raise PolicyError("must be allow, ask or deny", file=path, key="guard.unknown", value=guard["unknown"])
        f.scalars["unknown"] = Item(guard["unknown"], f"{path}: guard.unknown")
    if "askAs" in guard:
        if guard["askAs"] not in ("ask", "deny"):
            raise PolicyError("must be ask or deny", file=path, key="guard.askAs", value=guard["askAs"])
        f.scalars["askAs"] = Item(guard["askAs"], f"{path}: guard.askAs")
    if "disable" in guard:
        f.guard_disable += [Item(v, f"{path}: guard.disable") for v in _strings(guard["disable"], file=path, key="guard.disable")]
    for kind in VERDICTS:
        if kind in data.get("permissions", {}):
            key = f"permissions.{kind}"
            for i, text in enumerate(_strings(data["permissions"][kind], file=path, key=key)):
                rule = PermissionRule(kind, text, "ringfence-" + scope, f"{path}: {key}[{i}]", base)
                f.rules.append(rule)
                _rule_to_fs(rule, f, home=home, cwd=cwd)
    for k, v in data.get("sandbox", {}).items():
        f.scalars[k] = Item(v, f"{path}: sandbox.{k}")
    return f


# ---------------------------------------------------------------- command-line flags

FLAG_KEYS = {
    "allow_write": "allowWrite", "deny_write": "denyWrite",
    "allow_read": "allowRead", "deny_read": "denyRead",
}


def flags_fragment(flags: dict, *, home: str, cwd: str) -> Fragment:
    f = Fragment("flag", "command line")
    for fk, key in FLAG_KEYS.items():
        for raw in flags.get(fk, ()):
            flag = "--" + fk.replace("_", "-")
            f.fs[key] += _path_items([raw], file=f"flag {flag}", key=key, home=home, base=cwd)
    for fk, target in (("allow_domain", f.allowed_domains), ("deny_domain", f.denied_domains)):
        for raw in flags.get(fk, ()):
            flag = "--" + fk.replace("_", "-")
            check_domain(raw, file=f"flag {flag}", key=None)
            target.append(Item(raw, f"flag {flag}"))
    for name in flags.get("env", ()):
        f.env_explicit += _env_names([name], file="flag --env", key=None)
    for kv in flags.get("set_env", ()):
        if "=" not in kv:
            raise PolicyError("expected NAME=VALUE", file="flag --setenv", value=kv)
        name, value = kv.split("=", 1)
        _env_names([name], file="flag --setenv", key=None)
        f.env_set.append((name, value, "flag --setenv"))
    if flags.get("profile"):
        f.scalars["profile"] = Item(flags["profile"], "flag --profile")
    return f
