"""Git metadata a repository carries: .git files and dirs, git config, .gitmodules, hooks.

A copied or archived repository brings its own ``.git/config``; keys such as
``core.fsmonitor`` or ``core.sshCommand`` are commands that git (and every tool that
runs ``git status``) executes. A ``.git`` *file* or ``commondir`` pointing elsewhere made
Claude Code trust another path (CVE-2026-40068); ``user.email`` was interpolated into a
shell command (CVE-2025-59041); odd submodule URLs are option injection or ``ext::``.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import decode, red_flag, short

RULES = {
    "git.gitfile-outside": "A .git file points at a git directory outside the repository",
    "git.commondir": "The git directory has a commondir pointing at another repository",
    "git.config-command": "Git config names a command that git runs (fsmonitor, sshCommand, filters, ...)",
    "git.config-hooks-path": "core.hooksPath makes git run hook scripts from the repository",
    "git.config-include": "Git config includes another config file",
    "git.config-weakened": "Git config weakens transport security or allows dangerous protocols",
    "git.user-email": "user.email contains shell metacharacters (CVE-2025-59041)",
    "git.hooks": "The repository ships git hook scripts in .git/hooks",
    "gitmodules.url": "A submodule URL injects options, runs a command (ext::) or reads local files",
    "gitmodules.path": "A submodule path is unusual (leading dash, .git, ..)",
    "gitmodules.update-command": "A submodule update setting runs a command",
}

NAMES = frozenset({".gitmodules", ".git", ".gitconfig"})
_BOOL = {"true", "false", "yes", "no", "on", "off", "1", "0", ""}
_SIMPLE_COMMAND_KEYS = {"core.fsmonitor", "core.sshcommand", "core.gitproxy", "core.askpass", "core.editor",
                        "core.pager", "core.alternaterefscommand", "sequence.editor", "diff.external",
                        "gpg.program", "uploadpack.packobjectshook", "interactive.difffilter", "web.browser",
                        "credential.helper", "ssh.variant", "merge.tool", "diff.tool"}
_SUB_COMMAND_KEYS = {("diff", "textconv"), ("diff", "command"), ("merge", "driver"), ("filter", "clean"),
                     ("filter", "smudge"), ("filter", "process"), ("remote", "uploadpack"),
                     ("remote", "receivepack"), ("remote", "vcs"), ("gpg", "program"), ("browser", "cmd"),
                     ("man", "cmd"), ("difftool", "cmd"), ("mergetool", "cmd"), ("credential", "helper")}
_BUILTIN_HELPERS = re.compile(r"^(store|cache|osxkeychain|manager(-core)?|libsecret|wincred|gnome-keyring)(\s|$)")
_SHELL_META = re.compile(r"[$`;|&<>(){}\\\"'\s*?!\[\]#~]")
_SECTION = re.compile(r'^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]')


def wants(rel: str) -> bool:
    return posixpath.basename(rel) in NAMES


def parse_config(text: str) -> list[tuple[str, str | None, str, str, int]]:
    """git-config syntax -> [(section, subsection, key, value, line)]; section and key lower-cased.

    A key without ``=`` is boolean true (value ``""``). Quotes, escapes, comments and
    backslash continuations are handled; lines that are not config are skipped.
    """
    out: list[tuple[str, str | None, str, str, int]] = []
    section, sub = "", None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].strip()
        i += 1
        if not line or line[0] in "#;":
            continue
        m = _SECTION.match(line)
        if m:
            section, sub = m.group(1).lower(), m.group(2)
            if sub is None and "." in section:  # legacy [section.sub]
                section, sub = section.split(".", 1)
            elif sub is not None:
                sub = re.sub(r"\\(.)", r"\1", sub)
            continue
        key, eq, raw = line.partition("=")
        key = key.strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9-]*", key):
            continue
        while eq and raw.rstrip().endswith("\\") and not raw.rstrip().endswith("\\\\") and i < len(lines):
            raw = raw.rstrip()[:-1] + lines[i]
            i += 1
        out.append((section, sub, key, _value(raw) if eq else "", start + 1))
    return out


def _value(raw: str) -> str:
    out, quoted, j = [], False, 0
    raw = raw.strip()
    while j < len(raw):
        c = raw[j]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and j + 1 < len(raw):
            j += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[j], raw[j]))
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        j += 1
    return "".join(out).strip()


def check_config(rel: str, data: bytes) -> list[Finding]:
    out: list[Finding] = []
    for section, sub, key, value, line in parse_config(decode(data)):
        name = f"{section}.{key}"
        shown = f"{section}{'.' + sub if sub is not None else ''}.{key} = {short(value, 80)}"
        if _is_command(section, sub, key, value):
            flag = red_flag(value)
            out.append(Finding("git.config-command", Severity.CRITICAL if flag else Severity.HIGH, rel, line,
                               f"{shown}: git runs this command (any `git status` by you or a tool triggers some)",
                               "delete the key with git config --unset, or re-clone the repository from its origin"))
        elif name == "core.hookspath":
            out.append(Finding("git.config-hooks-path", Severity.HIGH, rel, line,
                               f"{shown}: git runs hook scripts from there on commit, checkout, merge",
                               "unset core.hooksPath and read the hooks before enabling them"))
        elif name == "user.email" and _SHELL_META.search(value):
            out.append(Finding("git.user-email", Severity.HIGH, rel, line,
                               f"{shown}: shell metacharacters in an email address (CVE-2025-59041)",
                               "set a plain address with git config user.email"))
        elif (section == "include" and key == "path") or (section == "includeif" and key == "path"):
            out.append(Finding("git.config-include", Severity.MEDIUM, rel, line,
                               f"{shown}: more git config is read from that file",
                               "read the included file, or delete the include"))
        elif (section == "protocol" and key == "allow" and value.lower() == "always") or \
                (name == "http.sslverify" and value.lower() in ("false", "no", "off", "0")):
            out.append(Finding("git.config-weakened", Severity.HIGH if sub == "ext" else Severity.MEDIUM, rel, line,
                               f"{shown} weakens git's transport safety", "delete the key"))
    return out


def _is_command(section: str, sub: str | None, key: str, value: str) -> bool:
    if not value:
        return False
    name = f"{section}.{key}"
    if name == "core.fsmonitor":
        return value.lower() not in _BOOL
    if section == "alias":
        return value.startswith("!")
    if section == "filter" and value.startswith("git-lfs "):
        return False  # Git LFS's own filters
    if section == "credential" and key == "helper":
        return not _BUILTIN_HELPERS.match(value)
    if section == "pager" or (section == "core" and key == "pager"):
        return value.lower() not in _BOOL and not re.fullmatch(r"(less|more|cat|delta)(\s+-[A-Za-z]+)*", value)
    if section in ("core", "sequence") and key == "editor":
        return not re.fullmatch(r"(vi|vim|nvim|nano|emacs|code --wait|subl -w|ed)", value)
    if sub is None:
        return name in _SIMPLE_COMMAND_KEYS
    return (section, key) in _SUB_COMMAND_KEYS


def check_gitmodules(rel: str, data: bytes) -> list[Finding]:
    out: list[Finding] = []
    for section, sub, key, value, line in parse_config(decode(data)):
        if section != "submodule":
            continue
        where = f"submodule {sub!r} {key} = {short(value, 80)}"
        if key == "url":
            if value.startswith("-") or value.lower().startswith(("ext::", "fd::")):
                out.append(Finding("gitmodules.url", Severity.CRITICAL, rel, line,
                                   f"{where}: runs a command or injects a git option on clone --recursive",
                                   "never clone this repository with --recursive; remove the submodule"))
            elif value.lower().startswith("file://") or value.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", value):
                out.append(Finding("gitmodules.url", Severity.MEDIUM, rel, line,
                                   f"{where}: a local path on your machine becomes part of the repository",
                                   "check the URL before git submodule update"))
        elif key == "path" and (value.startswith("-") or ".." in value.split("/")
                                or ".git" in [p.lower() for p in value.split("/")]):
            out.append(Finding("gitmodules.path", Severity.HIGH, rel, line,
                               f"{where}: submodule path escapes or targets git metadata",
                               "remove the submodule"))
        elif key == "update" and value.startswith("!"):
            out.append(Finding("gitmodules.update-command", Severity.HIGH, rel, line,
                               f"{where}: runs a command on git submodule update", "remove the update key"))
    return out


def check(rel: str, data: bytes) -> list[Finding]:
    """.gitmodules, a committed .gitconfig, or a ``.git`` that is a file (the engine reads ``.git`` directories)."""
    base = posixpath.basename(rel)
    if base == ".git":
        return check_gitfile(rel, data)
    if base == ".gitconfig":
        return check_tracked_config(rel, data)
    return check_gitmodules(rel, data)


def check_tracked_config(rel: str, data: bytes) -> list[Finding]:
    """A .gitconfig committed to the repository: dangerous once included, so at most medium."""
    return [replace(f, severity=min(f.severity, Severity.MEDIUM),
                    message=f.message + " (applies once this file is included, e.g. git config include.path)")
            for f in check_config(rel, data)]


def check_gitfile(rel: str, data: bytes) -> list[Finding]:
    """A ``.git`` regular file ("gitdir: <path>"): fine inside the tree, a finding outside it."""
    text = decode(data[:4096])
    m = re.match(r"\s*gitdir:\s*(.+?)\s*$", text, re.M)
    if not m:
        return [Finding("git.gitfile-outside", Severity.MEDIUM, rel, 1,
                        ".git is a file but not a 'gitdir:' pointer", "delete it or re-clone the repository")]
    target = m.group(1)
    here = posixpath.dirname(rel)
    resolved = posixpath.normpath(posixpath.join(here, target))
    if target.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", target) or resolved.split("/")[0] == "..":
        return [Finding("git.gitfile-outside", Severity.HIGH, rel, 1,
                        f".git points at {short(target, 100)!r} outside the repository: git and Claude Code's "
                        "trust check act on another repository (CVE-2026-40068)",
                        "delete the .git file; clone the repository fresh instead")]
    return []


def check_commondir(rel: str, data: bytes) -> list[Finding]:
    target = decode(data[:4096]).strip()
    return [Finding("git.commondir", Severity.HIGH, rel, 1,
                    f"commondir {short(target, 100)!r}: this git directory borrows another repository's config, "
                    "hooks and trust (CVE-2026-40068)",
                    "delete the commondir file; clone the repository fresh instead")]


def check_hooks(rel: str, names: list[str]) -> list[Finding]:
    """``rel`` is the hooks directory; ``names`` its entries."""
    live = sorted(n for n in names if not n.endswith(".sample"))
    if not live:
        return []
    return [Finding("git.hooks", Severity.MEDIUM, rel, None,
                    f"git hook scripts present: {', '.join(live)[:120]}; git runs them on commit, checkout, merge",
                    "read them, or delete them (they never come from a clone, so they were put there by hand)")]
