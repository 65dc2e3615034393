"""Package-manager files that run code on install or on any invocation.

Yarn ≥2 runs ``yarnPath`` and ``plugins`` from .yarnrc.yml on every ``yarn`` command,
including the ``yarn --version`` that tools run when they open a folder (CVE-2025-59828).
npm, pnpm and yarn run lifecycle scripts of the project and of every dependency on install;
.npmrc can swap the shell or node options used for every script.
"""
from __future__ import annotations

import posixpath
import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import as_dict, as_list, decode, parse_or_finding, red_flag, short

RULES = {
    "yarn.yarn-path": "Yarn runs the JavaScript file named by yarnPath on every yarn command",
    "yarn.plugins": "Yarn loads plugin code from the repository on every yarn command",
    "npm.lifecycle-script": "The project's package.json runs a script on install",
    "npm.dependency-install-script": "A vendored dependency runs a script when it is installed or rebuilt",
    "npm.npmrc-command": ".npmrc changes the shell or node options every npm script runs with",
    "npm.registry": "A package-manager config points at a non-default registry",
}

NAMES = frozenset({".yarnrc.yml", ".yarnrc", "package.json", ".npmrc"})
UNDER = ("/.yarn/plugins/",)
PROJECT_SCRIPTS = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")
DEPENDENCY_SCRIPTS = ("preinstall", "install", "postinstall")
_RELEASE = re.compile(r"^\.yarn/releases/yarn-[0-9][0-9A-Za-z.+-]*\.c?js$")
_NPMRC_COMMANDS = ("script-shell", "node-options", "onload-script", "git", "shell", "editor", "init-module",
                   "node-gyp", "browser", "viewer")


def wants(rel: str) -> bool:
    base = posixpath.basename(rel)
    return base in NAMES or "/.yarn/plugins/" in "/" + rel


def check(rel: str, data: bytes) -> list[Finding]:
    base = posixpath.basename(rel)
    if base == ".yarnrc.yml":
        return _yarnrc_yml(rel, data)
    if base == ".yarnrc":
        return _legacy_rc(rel, data, ("yarn-path",), "yarn.yarn-path", "yarn")
    if base == ".npmrc":
        return _legacy_rc(rel, data, _NPMRC_COMMANDS, "npm.npmrc-command", "npm")
    if base == "package.json":
        return _package_json(rel, data, PROJECT_SCRIPTS, dependency=False)
    return [Finding("yarn.plugins", Severity.LOW, rel, None,
                    "Yarn plugin code: it runs on every yarn command if .yarnrc.yml lists it",
                    "check that .yarnrc.yml's plugins are ones you trust")]


def check_dependency(rel: str, data: bytes) -> list[Finding]:
    """package.json of a package inside node_modules: only what ``npm install``/``rebuild`` runs."""
    return _package_json(rel, data, DEPENDENCY_SCRIPTS, dependency=True)


def _yarnrc_yml(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "yaml", Severity.MEDIUM, ".yarnrc.yml")
    if isinstance(doc, Finding):
        return [doc]
    cfg = as_dict(doc.value)
    out: list[Finding] = []
    path = cfg.get("yarnPath")
    if isinstance(path, str) and path:
        standard = bool(_RELEASE.match(path[2:] if path.startswith("./") else path))
        out.append(Finding("yarn.yarn-path", Severity.MEDIUM if standard else Severity.HIGH, rel, doc.line("yarnPath"),
                           f"yarnPath {path!r}: every yarn command runs this file from the repository, even "
                           "`yarn --version` (CVE-2025-59828)",
                           "compare the file with the official Yarn release of that version, or delete yarnPath"))
    for i, plugin in enumerate(as_list(cfg.get("plugins"))):
        where = as_dict(plugin).get("path") if isinstance(plugin, dict) else plugin
        out.append(Finding("yarn.plugins", Severity.HIGH, rel, doc.line("plugins", i),
                           f"Yarn loads plugin {short(where)!r} on every yarn command",
                           "read the plugin code, or delete it from plugins"))
    registry = cfg.get("npmRegistryServer")
    if isinstance(registry, str) and "registry.yarnpkg.com" not in registry and "registry.npmjs.org" not in registry:
        out.append(Finding("npm.registry", Severity.LOW, rel, doc.line("npmRegistryServer"),
                           f"packages come from {registry}", "check that you trust this registry"))
    return out


def _legacy_rc(rel: str, data: bytes, keys: tuple[str, ...], rule: str, tool: str) -> list[Finding]:
    out: list[Finding] = []
    for n, raw in enumerate(decode(data).splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, _, value = line.replace("=", " ", 1).partition(" ")
        key, value = key.strip().lower(), value.strip().strip("\"'")
        if key in keys:
            flag = red_flag(value)
            out.append(Finding(rule, Severity.CRITICAL if flag else Severity.HIGH, rel, n,
                               f"{key} = {short(value, 80)}: {tool} runs this for every command or script",
                               f"delete the {key} line"))
        elif key == "registry" and "registry.npmjs.org" not in value and "registry.yarnpkg.com" not in value:
            out.append(Finding("npm.registry", Severity.LOW, rel, n, f"packages come from {short(value, 80)}",
                               "check that you trust this registry"))
    return out


def _package_json(rel: str, data: bytes, names: tuple[str, ...], dependency: bool) -> list[Finding]:
    doc = parse_or_finding(rel, data, "json", Severity.LOW, "package.json")
    if isinstance(doc, Finding):
        return [] if dependency else [doc]
    scripts = as_dict(as_dict(doc.value).get("scripts"))
    out: list[Finding] = []
    for name in names:
        cmd = scripts.get(name)
        if not isinstance(cmd, str) or not cmd.strip():
            continue
        flag = red_flag(cmd)
        extra = f" (contains {flag!r})" if flag else ""
        if dependency:
            out.append(Finding("npm.dependency-install-script", Severity.HIGH if flag else Severity.LOW, rel,
                               doc.line("scripts", name),
                               f"dependency {name} script runs `{short(cmd)}` on npm install/rebuild{extra}",
                               "install with --ignore-scripts, or read the script first"))
        else:
            out.append(Finding("npm.lifecycle-script", Severity.HIGH if flag else Severity.MEDIUM, rel,
                               doc.line("scripts", name),
                               f"{name} script runs `{short(cmd)}` on npm/yarn/pnpm install{extra}",
                               "read the script before installing, or install with --ignore-scripts"))
    return out
