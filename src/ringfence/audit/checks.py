"""The hardening baseline, as pure checks over a Setup (settings, ~/.claude.json, .mcp.json) and HostFacts.

Each check passes or is a gap with a severity, a detail naming the file that decided it,
a fix for a person, and (when a settings change closes it) the patch ``--fix`` merges
into the user settings. The score is the weighted share of checks that pass.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
from dataclasses import dataclass

from ringfence.audit.host import HostFacts
from ringfence.audit.setup import Setup
from ringfence.policy.defaults import CREDENTIAL_PATHS
from ringfence.scan.findings import Severity
from ringfence.scan.rules.mcp import unpinned_package

WEIGHT = {Severity.CRITICAL: 10, Severity.HIGH: 6, Severity.MEDIUM: 3, Severity.LOW: 1, Severity.INFO: 0}
MIN_BWRAP = (0, 5, 0)
MINIMAL_DOMAINS = ["registry.npmjs.org", "pypi.org", "files.pythonhosted.org"]
MAX_DOMAINS = 32
# `ringfence hook`, `python -m ringfence hook`, or the lean start-up `ringfence init` writes
_HOOK = re.compile(r"(?:^|[\s/])ringfence\b\S*\s+(?:-\S+\s+)*hook\b|-m\s+ringfence\s+hook\b"
                   r"|/ringfence/guard/hookstart\.py\b")


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    passed: bool
    detail: str
    fix: str = ""
    patch: dict | None = None   # merged into the user settings by --fix

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "severity": self.severity.label,
                "status": "pass" if self.passed else "gap", "detail": self.detail, "fix": self.fix,
                "fixable": self.patch is not None and not self.passed}


def score(checks: list[Check]) -> int:
    total = sum(WEIGHT[c.severity] for c in checks)
    good = sum(WEIGHT[c.severity] for c in checks if c.passed)
    return round(100 * good / total) if total else 100


def _get(d: object, *path: str) -> object:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _where(setup: Setup, *path: str) -> str:
    src = setup.source_of(*path)
    return f" (set in {src})" if src else ""


def _show(setup: Setup, *path: str) -> str:
    """``a.b = value (set in FILE)``, or ``a.b is not set``."""
    value = _get(setup.effective, *path)
    name = ".".join(path)
    return f"{name} is not set" if value is None else f"{name} = {json.dumps(value)}{_where(setup, *path)}"


def _expand(path: str, home: str) -> str:
    return home.rstrip("/") + path[1:] if path.startswith("~") else path


def _covered(target: str, entries: list[str], home: str) -> bool:
    t = _expand(target, home).rstrip("/")
    for e in entries:
        e = _expand(str(e), home).rstrip("/")
        if e and (t == e or t.startswith(e + "/") or fnmatch.fnmatchcase(t, e)):
            return True
    return False


def _bash_covers(rule: str, target: str) -> bool:
    """Does deny rule ``rule`` cover the deny rule ``target`` (both ``Bash(...)``)?"""
    rule = rule.strip()
    if rule == target or rule in ("Bash", "Bash(*)", "Bash(:*)"):
        return True
    if not (rule.startswith("Bash(") and rule.endswith(")")):
        return False
    inner, want = rule[5:-1], target[5:-1]
    for tail in (":*", " *", "*"):
        if inner.endswith(tail):
            return want.startswith(inner[: -len(tail)])
    return False


def check_settings(setup: Setup, hook_entry: dict, destructive: tuple[str, ...]) -> list[Check]:
    """Settings checks. ``hook_entry`` is the hook handler --fix installs (``{"type": "command", ...}``);
    ``destructive`` the Bash deny rules that must be covered."""
    eff = setup.effective
    out: list[Check] = []

    broken = [f"{layer.path}: {layer.error}" for layer in setup.layers if layer.error]
    if setup.claude_json_error:
        broken.append(f"{setup.claude_json_path}: {setup.claude_json_error}")
    out.append(Check("settings-valid", "every settings file parses", Severity.HIGH, not broken,
                     "; ".join(broken) if broken else "all settings files parse",
                     "repair the file: Claude Code ignores an invalid settings file entirely, with all its protections"))

    enabled = _get(eff, "sandbox", "enabled") is True
    out.append(Check("sandbox-enabled", "sandbox enabled", Severity.HIGH, enabled,
                     _show(setup, "sandbox", "enabled"),
                     "set sandbox.enabled: true", {"sandbox": {"enabled": True}}))
    unsandboxed = _get(eff, "sandbox", "allowUnsandboxedCommands")
    out.append(Check("sandbox-no-escape", "no unsandboxed escape hatch", Severity.HIGH, unsandboxed is False,
                     _show(setup, "sandbox", "allowUnsandboxedCommands") + " (Claude Code's default is true)",
                     "set sandbox.allowUnsandboxedCommands: false", {"sandbox": {"allowUnsandboxedCommands": False}}))
    fail = _get(eff, "sandbox", "failIfUnavailable")
    out.append(Check("sandbox-fail-closed", "sandbox fails closed", Severity.MEDIUM, fail is True,
                     _show(setup, "sandbox", "failIfUnavailable") + " (the default warns and runs unsandboxed)",
                     "set sandbox.failIfUnavailable: true", {"sandbox": {"failIfUnavailable": True}}))

    deny_read = [str(x) for x in _list(_get(eff, "sandbox", "filesystem", "denyRead"))]
    missing = [p for p in CREDENTIAL_PATHS if not _covered(p, deny_read, setup.home)]
    out.append(Check("credentials-unreadable", "credentials unreadable from the sandbox", Severity.HIGH, not missing,
                     f"{len(missing)} of {len(CREDENTIAL_PATHS)} credential paths readable: {', '.join(missing[:6])}"
                     + ("…" if len(missing) > 6 else "") if missing else "every credential path is in denyRead",
                     "add them to sandbox.filesystem.denyRead",
                     {"sandbox": {"filesystem": {"denyRead": missing}}} if missing else None))

    deny = [str(r) for r in _list(_get(eff, "permissions", "deny"))]
    absent = [t for t in destructive if not any(_bash_covers(r, t) for r in deny)]
    out.append(Check("destructive-denied", "destructive commands denied", Severity.MEDIUM, not absent,
                     f"no deny rule for {', '.join(absent[:5])}" + ("…" if len(absent) > 5 else "") if absent
                     else "deny rules cover rm -rf of home and root, force pushes, terraform destroy, mkfs, dd",
                     "add them to permissions.deny", {"permissions": {"deny": absent}} if absent else None))

    out.append(_guard_hook(setup, hook_entry))

    all_mcp = _get(eff, "enableAllProjectMcpServers") is True
    per_project = sorted(p for p, v in (_get(setup.claude_json, "projects") or {}).items()
                         if isinstance(v, dict) and v.get("enableAllProjectMcpServers") is True)
    out.append(Check("mcp-not-all", "project MCP servers not auto-enabled", Severity.MEDIUM,
                     not all_mcp and not per_project,
                     ("enableAllProjectMcpServers: true" + _where(setup, "enableAllProjectMcpServers") if all_mcp else "")
                     + (f"; enabled for every server in {', '.join(per_project[:3])} ({setup.claude_json_path})"
                        if per_project else "") or "enableAllProjectMcpServers is not true",
                     "set enableAllProjectMcpServers: false (and remove it from ~/.claude.json projects)",
                     {"enableAllProjectMcpServers": False} if all_mcp else None))

    approved = [f"{n} (settings)" for n in _list(_get(eff, "enabledMcpjsonServers"))]
    for proj, v in sorted((_get(setup.claude_json, "projects") or {}).items()):
        if isinstance(v, dict):
            approved += [f"{n} ({proj})" for n in _list(v.get("enabledMcpjsonServers"))]
    out.append(Check("mcp-none-preapproved", "no pre-approved MCP servers", Severity.MEDIUM, not approved,
                     f"pre-approved: {', '.join(map(str, approved[:5]))}" if approved
                     else "no project MCP server is approved in advance",
                     f"remove enabledMcpjsonServers entries from your settings and {setup.claude_json_path}"))

    out.append(_pinned_servers(setup))
    out.append(_network(setup))
    out.append(_bypass(setup))
    out.append(_trust(setup))
    return out


def _pinned_servers(setup: Setup) -> Check:
    """MCP servers from ~/.claude.json (user and per-project scope) and the project's .mcp.json."""
    sources = [(setup.claude_json_path, _get(setup.claude_json, "mcpServers"))]
    for proj, v in sorted((_get(setup.claude_json, "projects") or {}).items()):
        sources.append((f"{setup.claude_json_path} [{proj}]", _get(v, "mcpServers")))
    sources.append((os.path.join(setup.project, ".mcp.json"), _get(setup.mcp_json, "mcpServers")))
    loose = []
    for where, servers in sources:
        for name, cfg in (servers if isinstance(servers, dict) else {}).items():
            if isinstance(cfg, dict) and cfg.get("command"):
                spec = unpinned_package(str(cfg["command"]), [str(a) for a in _list(cfg.get("args"))])
                if spec:
                    loose.append(f"{name} runs {spec!r} ({where})")
    return Check("mcp-pinned", "MCP servers pinned to a version", Severity.MEDIUM, not loose,
                 "; ".join(loose[:4]) + ("…" if len(loose) > 4 else "") if loose
                 else "no MCP server fetches an unpinned package at start-up",
                 "pin each package to an exact version you reviewed (pkg@1.2.3, image@sha256:...)")


def _guard_hook(setup: Setup, hook_entry: dict) -> Check:
    eff = setup.effective
    hook_command = hook_entry["command"]
    patch = {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [hook_entry]}]}}
    fix = f"add a PreToolUse hook running `{hook_command}` (or run `ringfence init --user`)"
    if _get(eff, "disableAllHooks") is True:
        return Check("guard-hook", "ringfence guard hook installed", Severity.HIGH, False,
                     "disableAllHooks: true switches every hook off" + _where(setup, "disableAllHooks"),
                     "remove disableAllHooks (use allowManagedHooksOnly to restrict hooks instead)")
    commands = []
    for group in _list(_get(eff, "hooks", "PreToolUse")):
        matcher = str(group.get("matcher") or "*") if isinstance(group, dict) else "*"
        covers_bash = matcher in ("*", "") or "Bash" in re.split(r"[|,\s]+", matcher) or _regex_hits(matcher, "Bash")
        for h in _list(group.get("hooks") if isinstance(group, dict) else None):
            if isinstance(h, dict) and h.get("type", "command") == "command" and covers_bash:
                cmd = " ".join([str(h.get("command", ""))] + [str(a) for a in _list(h.get("args"))])
                if _HOOK.search(cmd):
                    commands.append(cmd)
    if not commands:
        return Check("guard-hook", "ringfence guard hook installed", Severity.HIGH, False,
                     "no PreToolUse hook runs `ringfence hook` for Bash", fix, patch)
    runnable = [c for c in commands if _runnable(c)]
    if not runnable:
        return Check("guard-hook", "ringfence guard hook installed", Severity.HIGH, False,
                     f"the hook's program is missing or not executable: {commands[0]}",
                     f"point the hook at an installed ringfence: `{hook_command}`", patch)
    return Check("guard-hook", "ringfence guard hook installed", Severity.HIGH, True,
                 f"PreToolUse runs `{runnable[0]}`" + _where(setup, "hooks", "PreToolUse"))


def _regex_hits(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


def _runnable(command: str) -> bool:
    try:
        argv = shlex.split(command)
    except ValueError:
        return False
    if not argv:
        return False
    exe = argv[0]
    if "/" not in exe:
        from shutil import which
        return which(exe) is not None
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return False
    # an interpreter running a script (`python -I -S .../hookstart.py ...`): the script too
    script = next((a for a in argv[1:] if not a.startswith("-")), None)
    return script is None or not script.endswith(".py") or os.path.isfile(script)


def _network(setup: Setup) -> Check:
    domains = [str(d) for d in _list(_get(setup.effective, "sandbox", "network", "allowedDomains"))]
    broad = [d for d in domains if d.strip() in ("*", "*.*", "**") or re.fullmatch(r"\*\.[A-Za-z]+", d.strip())]
    if broad:
        return Check("network-minimal", "minimal network allowlist", Severity.MEDIUM, False,
                     f"allowedDomains has catch-all entries {', '.join(broad)}"
                     + _where(setup, "sandbox", "network", "allowedDomains"),
                     "remove them and list only the hosts your builds need")
    if not domains:
        return Check("network-minimal", "minimal network allowlist", Severity.MEDIUM, False,
                     "no sandbox.network.allowedDomains: sandboxed commands may ask for any host",
                     f"list the hosts your builds need, e.g. {', '.join(MINIMAL_DOMAINS)}",
                     {"sandbox": {"network": {"allowedDomains": MINIMAL_DOMAINS}}})
    if len(domains) > MAX_DOMAINS:
        return Check("network-minimal", "minimal network allowlist", Severity.MEDIUM, False,
                     f"{len(domains)} allowed domains: every one is a way out for stolen data",
                     f"trim allowedDomains to at most {MAX_DOMAINS} hosts you need")
    return Check("network-minimal", "minimal network allowlist", Severity.MEDIUM, True,
                 f"{len(domains)} allowed domain(s): {', '.join(domains[:5])}")


def _bypass(setup: Setup) -> Check:
    eff = setup.effective
    locked = _get(eff, "permissions", "disableBypassPermissionsMode") == "disable"
    problems = [] if locked else ["permissions.disableBypassPermissionsMode is not \"disable\""]
    if not locked and _get(eff, "permissions", "defaultMode") == "bypassPermissions":
        problems.append("defaultMode is bypassPermissions" + _where(setup, "permissions", "defaultMode"))
    if not locked and _get(eff, "skipDangerousModePermissionPrompt") is True:
        problems.append("skipDangerousModePermissionPrompt is true" + _where(setup, "skipDangerousModePermissionPrompt"))
    return Check("bypass-disabled", "bypass-permissions mode disabled", Severity.HIGH, locked,
                 "; ".join(problems) if problems else "bypass mode is locked off"
                 + _where(setup, "permissions", "disableBypassPermissionsMode"),
                 "set permissions.disableBypassPermissionsMode: \"disable\"",
                 {"permissions": {"disableBypassPermissionsMode": "disable"}})


def _trust(setup: Setup) -> Check:
    wide = {"/", setup.home.rstrip("/") or "/", os.path.dirname(setup.home.rstrip("/")) or "/"}
    trusted = [p for p, v in (_get(setup.claude_json, "projects") or {}).items()
               if isinstance(v, dict) and v.get("hasTrustDialogAccepted") is True and p.rstrip("/") in wide]
    return Check("trust-narrow", "no trust for home or root", Severity.MEDIUM, not trusted,
                 f"{', '.join(sorted(trusted))} trusted in {setup.claude_json_path}: every folder below runs its hooks"
                 if trusted else "no broad folder is trusted",
                 f"set hasTrustDialogAccepted: false for those entries in {setup.claude_json_path}")


def check_host(host: HostFacts) -> list[Check]:
    out = []
    if not host.bwrap_path:
        out.append(Check("bubblewrap", "bubblewrap installed", Severity.HIGH, False, "bwrap not found on PATH",
                         "install bubblewrap (apt-get install bubblewrap)"))
    else:
        version = ".".join(map(str, host.bwrap_version)) if host.bwrap_version else "unknown"
        ok = host.bwrap_version is not None and host.bwrap_version >= MIN_BWRAP
        out.append(Check("bubblewrap", "bubblewrap installed", Severity.HIGH, ok,
                         f"{host.bwrap_path}, version {version}", "upgrade bubblewrap to 0.5 or later"))
    out.append(Check("user-namespaces", "unprivileged user namespaces", Severity.HIGH, host.userns,
                     host.userns_detail or ("available" if host.userns else "unavailable"),
                     "sysctl -w kernel.unprivileged_userns_clone=1 (or allow bwrap in AppArmor)"))
    out.append(Check("landlock", "Landlock available", Severity.MEDIUM, host.landlock_abi >= 1,
                     f"Landlock ABI {host.landlock_abi}" if host.landlock_abi else "Landlock is not enabled",
                     "boot a kernel >= 5.13 with lsm=landlock,..."))
    out.append(Check("seccomp", "seccomp filters available", Severity.MEDIUM, host.seccomp,
                     "seccomp supported" if host.seccomp else "the kernel reports no seccomp support",
                     "use a kernel built with CONFIG_SECCOMP_FILTER"))
    out.append(Check("container-socket", "no container socket within reach", Severity.HIGH, not host.exposed_sockets,
                     f"writable: {', '.join(host.exposed_sockets)} (control of it is control of the host)"
                     if host.exposed_sockets else "no docker/podman socket is writable by you",
                     "leave the docker group, use rootless podman, or keep the socket out of the agent's reach"))
    out.append(Check("not-root", "agents do not run as root", Severity.MEDIUM, host.euid != 0,
                     "running as root (uid 0)" if host.euid == 0 else f"running as uid {host.euid}",
                     "run agents as an ordinary user"))
    return out
