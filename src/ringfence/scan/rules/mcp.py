"""MCP server definitions shipped in a repository (.mcp.json, .cursor/mcp.json, .vscode/mcp.json).

A stdio server is a command run on your machine (without asking under ``claude -p`` or
the SDK); ``npx -y pkg`` or ``@latest`` runs whatever the registry serves that day;
``headersHelper`` is a shell command; ``${VAR}`` pulls your environment into the server.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re

from ringfence.policy.defaults import SECRET_PATTERNS
from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import as_dict, as_list, parse_or_finding, red_flag, short

RULES = {
    "mcp.stdio-server": "A stdio MCP server runs a command from the repository on your machine",
    "mcp.unpinned-package": "An MCP server is fetched from a registry without a pinned version",
    "mcp.headers-helper": "headersHelper runs a shell command to compute request headers",
    "mcp.secret-reference": "An MCP server receives a secret from your environment through ${VAR}",
    "mcp.remote-server": "An MCP server connects to a remote URL",
}

NAMES = frozenset({".mcp.json", "mcp.json"})
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")
_SHELLS = {"sh", "bash", "zsh", "dash", "fish", "cmd", "cmd.exe", "powershell", "pwsh"}
_PKG_RUNNERS = {"npx", "bunx", "pnpx", "uvx", "pipx", "docker", "podman"}
_SUB_RUNNERS = {"npm": ("exec", "x"), "pnpm": ("dlx", "exec"), "yarn": ("dlx",), "bun": ("x",)}


def wants(rel: str) -> bool:
    base = posixpath.basename(rel)
    return base == ".mcp.json" or (base == "mcp.json" and posixpath.basename(posixpath.dirname(rel)) in (".cursor", ".vscode"))


def unpinned_package(command: str, args: list[str]) -> str | None:
    """The package spec that a runner would fetch unpinned, or None."""
    runner = posixpath.basename(command)
    if runner in _SUB_RUNNERS and args[:1] and args[0] in _SUB_RUNNERS[runner]:
        runner = "npx"
    elif runner not in _PKG_RUNNERS:
        return None
    rest = [a for a in args if a not in ("-y", "--yes", "-q", "--quiet", "dlx", "exec", "x", "run", "--rm", "-i", "-t", "-it")]
    spec = next((a for a in rest if not a.startswith("-")), "")
    if not spec:
        return None
    if runner in ("docker", "podman"):
        if "@sha256:" in spec:
            return None
        tag = spec.rsplit("/", 1)[-1].partition(":")[2]
        return spec if tag in ("", "latest") else None
    if runner == "uvx" or runner == "pipx":
        return None if re.search(r"==|@\d", spec) else spec
    name, at, version = spec[1:].partition("@") if spec.startswith("@") else spec.partition("@")
    if not at or version in ("", "latest", "next", "*") or not version[:1].isdigit():
        return spec
    return None


def _secret(name: str) -> bool:
    return any(fnmatch.fnmatch(name.upper(), p.upper()) for p in SECRET_PATTERNS)


def check(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "jsonc" if posixpath.basename(rel) == "mcp.json" else "json",
                           Severity.MEDIUM, "MCP configuration")
    if isinstance(doc, Finding):
        return [doc]
    top = as_dict(doc.value)
    key = "mcpServers" if "mcpServers" in top else "servers"
    out: list[Finding] = []
    for name, cfg in as_dict(top.get(key)).items():
        cfg = as_dict(cfg)
        kind = str(cfg.get("type") or ("stdio" if "command" in cfg else "http"))
        if kind == "stdio" or "command" in cfg:
            command = str(cfg.get("command", ""))
            args = [str(a) for a in as_list(cfg.get("args"))]
            full = " ".join([command] + args)
            where = doc.line(key, name, "command")
            flag = red_flag(full) or (posixpath.basename(command) in _SHELLS and "-c" in args and "-c")
            spec = unpinned_package(command, args)
            if flag:
                out.append(Finding("mcp.stdio-server", Severity.CRITICAL if red_flag(full) else Severity.HIGH, rel, where,
                                   f"MCP server {name!r} runs `{short(full)}` (contains {flag!r})",
                                   "delete the server; never approve it"))
            elif spec:
                auto = " with -y (no install prompt)" if ("-y" in args or "--yes" in args) else ""
                out.append(Finding("mcp.unpinned-package", Severity.HIGH, rel, where,
                                   f"MCP server {name!r} runs `{short(full)}`: {spec!r} is not pinned{auto}, so it runs "
                                   "whatever the registry serves at start-up",
                                   "pin an exact version (pkg@1.2.3) you reviewed, or do not approve the server"))
            else:
                out.append(Finding("mcp.stdio-server", Severity.MEDIUM, rel, where,
                                   f"MCP server {name!r} runs `{short(full)}` on your machine when approved "
                                   "(and without asking under claude -p or the SDK)",
                                   "approve it only after reading what it runs; list it in disabledMcpjsonServers otherwise"))
        elif cfg.get("url"):
            url = str(cfg["url"])
            if not re.match(r"^(https?|wss?)://(localhost|127\.|\[::1\])", url):
                out.append(Finding("mcp.remote-server", Severity.LOW, rel, doc.line(key, name, "url"),
                                   f"MCP server {name!r} connects to {short(url)}",
                                   "approve it only if you trust that service with what Claude sees"))
        if "headersHelper" in cfg:
            out.append(Finding("mcp.headers-helper", Severity.HIGH, rel, doc.line(key, name, "headersHelper"),
                               f"MCP server {name!r} runs headersHelper `{short(cfg['headersHelper'])}`",
                               "delete headersHelper; a repository should not run commands to build your credentials"))
        for field in ("command", "args", "env", "url", "headers"):
            for var in sorted(set(_VAR.findall(repr(cfg.get(field, ""))))):
                if _secret(var):
                    out.append(Finding("mcp.secret-reference", Severity.HIGH, rel, doc.line(key, name, field),
                                       f"MCP server {name!r} receives your ${{{var}}} through its {field}",
                                       "do not approve the server, or unset the variable before starting Claude"))
    return out
