"""Claude Code project settings shipped in a repository (.claude/settings.json, settings.local.json).

What runs or weakens before or right after you trust the folder (reference section 5,
"pre-trust scanner checklist"): hooks, env, helper commands, permission mode, broad
allow rules, MCP auto-approval, plugins and marketplaces, weakening sandbox keys.
Deny and ask rules are never a finding.
"""
from __future__ import annotations

import posixpath

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.jsonpos import Doc
from ringfence.scan.rules.common import as_dict, as_list, parse_or_finding, red_flag, short

H, C, M, L = Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM, Severity.LOW

RULES = {
    "claude.hooks": "Project hooks run shell commands on Claude Code events, even before the folder is trusted",
    "claude.env": "Project env redirects the API, proxies traffic, weakens TLS or injects code into every command",
    "claude.helper": "Helper commands (apiKeyHelper, statusLine, ...) run shell commands from the repository",
    "claude.permission-mode": "Project settings ask for a permission mode that skips prompts",
    "claude.broad-allow": "Allow rules that approve any command, a code runner, or any file",
    "claude.additional-dirs": "Project grants Claude access to directories outside the repository",
    "claude.mcp-autoapprove": "Project auto-approves its own MCP servers",
    "claude.plugins": "Project adds plugin marketplaces or enables plugins",
    "claude.sandbox-weakened": "Project settings weaken or switch off the sandbox",
    "claude.local-settings": "A settings.local.json ships with the repository",
}

STARTUP_EVENTS = {"SessionStart", "Setup", "InstructionsLoaded", "CwdChanged", "UserPromptSubmit"}
HELPERS = ("apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "gcpAuthRefresh",
           "otelHeadersHelper", "proxyAuthHelper")
COMMAND_HELPERS = ("statusLine", "fileSuggestion")
CODE_ENV = {"NODE_OPTIONS", "NODE_PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "ENV",
            "PROMPT_COMMAND", "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "RUBYOPT",
            "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH",
            "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
            "PATH", "SHELL", "EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "ZDOTDIR", "HOME", "XDG_CONFIG_HOME"}
TLS_ENV = {"NODE_TLS_REJECT_UNAUTHORIZED", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
           "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_NO_VERIFY", "GIT_SSL_CAINFO", "PIP_CERT"}
RUNNERS_1 = {"npx", "bunx", "pnpx", "uvx", "eval", "env", "xargs", "sudo", "su", "doas", "python", "python3",
             "node", "deno", "bun", "perl", "ruby", "php", "curl", "wget", "ssh", "sh", "bash", "zsh", "dash",
             "fish", "exec", "source", ".", "nohup", "setsid", "watch", "find", "docker", "podman", "kubectl"}
RUNNERS_2 = {"pnpm dlx", "pnpm exec", "yarn dlx", "yarn exec", "npm exec", "pipx run", "devbox run",
             "direnv exec", "mise exec", "nix run", "nix shell", "uv run", "poetry run", "cargo run", "go run",
             "gh api", "git -c"}
BROAD_FILE = {"", "*", "**", "/**", "//**", "~/**", "~", "//", "/"}
WIDE_DIRS = {"/", "//", "~", "~/", "$HOME", "..", "../", "/home", "/root", "/etc"}


def wants(rel: str) -> bool:
    return posixpath.basename(posixpath.dirname(rel)) == ".claude" and posixpath.basename(rel) in (
        "settings.json", "settings.local.json")


NAMES = frozenset({"settings.json", "settings.local.json"})


def check(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "json", M, "Claude Code settings file")
    if isinstance(doc, Finding):
        return [doc]
    out: list[Finding] = []
    if rel.endswith("settings.local.json"):
        out.append(Finding("claude.local-settings", L, rel, None,
                           "settings.local.json is personal and should not be committed; Claude Code reads it as your local settings",
                           "remove it from the repository (git rm --cached) and review its content"))
    s = as_dict(doc.value)
    _hooks(rel, doc, s, out)
    _env(rel, doc, s, out)
    _helpers(rel, doc, s, out)
    _permissions(rel, doc, s, out)
    _mcp_and_plugins(rel, doc, s, out)
    _sandbox(rel, doc, s, out)
    return out


def _hooks(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    if s.get("disableAllHooks") is False:
        out.append(Finding("claude.hooks", M, rel, doc.line("disableAllHooks"),
                           "disableAllHooks: false overrides a disableAllHooks: true in your user settings",
                           "remove the key, or start Claude with --settings '{\"disableAllHooks\":true}'"))
    for event, groups in as_dict(s.get("hooks")).items():
        for gi, group in enumerate(as_list(groups)):
            for hi, handler in enumerate(as_list(as_dict(group).get("hooks"))):
                h = as_dict(handler)
                kind = h.get("type", "command")
                where = doc.line("hooks", event, gi, "hooks", hi, "command" if "command" in h else "url")
                if kind == "command":
                    cmd = " ".join(str(x) for x in [h.get("command", "")] + as_list(h.get("args")))
                    flag = red_flag(cmd)
                    sev = C if event in STARTUP_EVENTS or flag else H
                    extra = f" (contains {flag!r})" if flag else ""
                    out.append(Finding("claude.hooks", sev, rel, where,
                                       f"{event} hook runs `{short(cmd)}`{extra}; project hooks run even before the folder is trusted",
                                       "remove the hook, or open the repository with --setting-sources user or --bare"))
                elif kind in ("http", "mcp_tool"):
                    target = h.get("url") or h.get("server") or h.get("tool") or ""
                    out.append(Finding("claude.hooks", M, rel, where,
                                       f"{event} hook sends every matching event to {short(target)!r} ({kind})",
                                       "remove the hook unless you know the endpoint"))
                else:
                    out.append(Finding("claude.hooks", L, rel, where,
                                       f"{event} hook of type {short(kind)!r} runs a model prompt on every matching event",
                                       "remove the hook unless you expect it"))


def _env(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    for name, value in as_dict(s.get("env")).items():
        up = str(name).upper()
        where = doc.line("env", name)
        shown = f"{name}={short(value, 80)}"
        if up == "ANTHROPIC_BASE_URL":
            out.append(Finding("claude.env", C, rel, where,
                               f"{shown} sends your API key and every prompt to another server (CVE-2026-21852)",
                               "delete the env entry; never open this repository with your real credentials"))
        elif (up.startswith(("ANTHROPIC_", "CLAUDE_CODE_", "CLAUDE_CONFIG", "OTEL_", "AWS_", "GOOGLE_", "VERTEX_"))
              or up.endswith(("_PROXY", "_BASE_URL", "_ENDPOINT", "_API_URL", "_HOST"))):
            out.append(Finding("claude.env", H, rel, where,
                               f"{shown} changes where Claude Code connects or how it authenticates",
                               "delete the env entry from the project settings"))
        elif up in CODE_ENV or up.startswith(("DYLD_", "LD_")):
            out.append(Finding("claude.env", H, rel, where,
                               f"{shown} injects code or a search path into every command Claude runs",
                               "delete the env entry from the project settings"))
        elif up in TLS_ENV:
            out.append(Finding("claude.env", H, rel, where,
                               f"{shown} changes TLS certificate checking",
                               "delete the env entry from the project settings"))
        else:
            out.append(Finding("claude.env", L, rel, where,
                               f"{shown} is set for Claude Code and every command it runs",
                               "check that the variable is harmless"))


def _helpers(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    for key in HELPERS:
        if key in s:
            cmd = str(s[key])
            flag = red_flag(cmd)
            out.append(Finding("claude.helper", C if flag else H, rel, doc.line(key),
                               f"{key} runs `{short(cmd)}` from the repository"
                               + (" and sends its output as your credentials" if key == "apiKeyHelper" else ""),
                               f"delete {key} from the project settings"))
    for key in COMMAND_HELPERS:
        value = s.get(key)
        cmd = value.get("command") if isinstance(value, dict) else value if isinstance(value, str) else None
        if cmd:
            out.append(Finding("claude.helper", C if red_flag(str(cmd)) else H, rel, doc.line(key),
                               f"{key} runs `{short(cmd)}` whenever Claude Code refreshes it, before any prompt",
                               f"delete {key} from the project settings"))


def _bash_rule(rule: str) -> str | None:
    """The command part of Bash(...)/PowerShell(...); '' for the bare tool; None otherwise."""
    for tool in ("Bash", "PowerShell"):
        if rule == tool:
            return ""
        if rule.startswith(tool + "(") and rule.endswith(")"):
            inner = rule[len(tool) + 1:-1].strip()
            for tail in (":*", " *", "*"):
                if inner.endswith(tail):
                    inner = inner[: -len(tail)].strip()
                    break
            return inner if inner.strip("*: ") else ""
    return None


def _permissions(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    perms = as_dict(s.get("permissions"))
    mode = perms.get("defaultMode")
    modes = {"bypassPermissions": (C, "skips every permission prompt (CVE-2026-33068)"),
             "auto": (H, "lets a classifier approve actions without asking you"),
             "acceptEdits": (M, "approves every file edit without asking")}
    if mode in modes:
        sev, why = modes[mode]
        out.append(Finding("claude.permission-mode", sev, rel, doc.line("permissions", "defaultMode"),
                           f"permissions.defaultMode {mode!r} {why}", "delete defaultMode from the project settings"))
    if s.get("skipDangerousModePermissionPrompt") is True:
        out.append(Finding("claude.permission-mode", H, rel, doc.line("skipDangerousModePermissionPrompt"),
                           "skipDangerousModePermissionPrompt silences the bypass-mode warning",
                           "delete the key"))
    for i, rule in enumerate(as_list(perms.get("allow"))):
        rule = str(rule).strip()
        where = doc.line("permissions", "allow", i)
        cmd = _bash_rule(rule)
        if cmd is not None:
            words = cmd.split()
            if not words:
                out.append(Finding("claude.broad-allow", C, rel, where,
                                   f"allow rule {rule!r} approves every shell command",
                                   "delete the rule; allow only exact commands such as Bash(npm test)"))
            elif words[0] in RUNNERS_1 or " ".join(words[:2]) in RUNNERS_2:
                out.append(Finding("claude.broad-allow", H, rel, where,
                                   f"allow rule {rule!r} approves a command that runs arbitrary code",
                                   "delete the rule; runners (npx, yarn dlx, sh -c, ...) allow anything after them"))
            continue
        tool, _, spec = rule.partition("(")
        spec = spec[:-1].strip() if spec.endswith(")") else spec
        if tool in ("Edit", "Write", "Read", "NotebookEdit") and spec in BROAD_FILE:
            out.append(Finding("claude.broad-allow", M, rel, where,
                               f"allow rule {rule!r} approves {tool} of any file, including outside the repository",
                               "delete the rule or narrow it to the project's own directories"))
        elif tool == "WebFetch" and spec in ("", "domain:*"):
            out.append(Finding("claude.broad-allow", M, rel, where,
                               f"allow rule {rule!r} approves fetching any URL (a way out for stolen data)",
                               "delete the rule or list domains with WebFetch(domain:...)"))
    for i, d in enumerate(as_list(perms.get("additionalDirectories"))):
        d = str(d)
        wide = d.rstrip("/") in {w.rstrip("/") for w in WIDE_DIRS} or d.startswith(("~", "/", "$HOME", ".."))
        out.append(Finding("claude.additional-dirs", H if wide else M, rel,
                           doc.line("permissions", "additionalDirectories", i),
                           f"additionalDirectories grants access to {d!r}",
                           "delete the entry; add directories yourself with --add-dir when you need them"))


def _mcp_and_plugins(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    if s.get("enableAllProjectMcpServers") is True:
        out.append(Finding("claude.mcp-autoapprove", H, rel, doc.line("enableAllProjectMcpServers"),
                           "enableAllProjectMcpServers starts every server in .mcp.json without asking",
                           "delete the key and approve servers one by one"))
    names = [str(n) for n in as_list(s.get("enabledMcpjsonServers"))]
    if names:
        out.append(Finding("claude.mcp-autoapprove", H, rel, doc.line("enabledMcpjsonServers"),
                           f"enabledMcpjsonServers pre-approves {', '.join(names)[:100]}",
                           "delete the key and approve servers one by one"))
    if as_dict(s.get("extraKnownMarketplaces")):
        out.append(Finding("claude.plugins", M, rel, doc.line("extraKnownMarketplaces"),
                           "extraKnownMarketplaces adds plugin sources: "
                           + ", ".join(as_dict(s["extraKnownMarketplaces"]))[:100],
                           "delete the key unless you know these marketplaces"))
    enabled = [k for k, v in as_dict(s.get("enabledPlugins")).items() if v]
    if enabled:
        out.append(Finding("claude.plugins", M, rel, doc.line("enabledPlugins"),
                           f"enabledPlugins turns on {', '.join(enabled)[:100]} (plugins bring hooks, MCP servers and commands)",
                           "delete the key; install plugins yourself"))


def _sandbox(rel: str, doc: Doc, s: dict, out: list[Finding]) -> None:
    sb = as_dict(s.get("sandbox"))
    net = as_dict(sb.get("network"))
    fs = as_dict(sb.get("filesystem"))

    def add(sev: Severity, path: tuple, msg: str, fix: str) -> None:
        out.append(Finding("claude.sandbox-weakened", sev, rel, doc.line("sandbox", *path), msg, fix))

    if sb.get("enabled") is False:
        add(M, ("enabled",), "sandbox.enabled: false switches off a sandbox you enabled in your user settings",
            "delete the key")
    if sb.get("allowUnsandboxedCommands") is True:
        add(M, ("allowUnsandboxedCommands",), "allowUnsandboxedCommands: true lets commands leave the sandbox",
            "delete the key (set it to false in your own settings)")
    for key in ("enableWeakerNestedSandbox", "enableWeakerNetworkIsolation"):
        if sb.get(key) is True:
            add(M, (key,), f"{key}: true weakens the sandbox", "delete the key")
    excluded = [str(x) for x in as_list(sb.get("excludedCommands"))]
    if excluded:
        broad = any(x.strip() in ("*", "bash", "sh", "bash *", "sh *", "zsh") for x in excluded)
        add(H if broad else M, ("excludedCommands",),
            f"excludedCommands runs {', '.join(excluded)[:100]} outside the sandbox", "delete the key")
    domains = [str(d) for d in as_list(net.get("allowedDomains"))]
    if any(d.strip() in ("*", "*.*", "**") for d in domains):
        add(H, ("network", "allowedDomains"), "allowedDomains contains '*': the sandbox may reach any host",
            "delete the entry; list the hosts the project needs")
    if net.get("allowAllUnixSockets") is True:
        add(H, ("network", "allowAllUnixSockets"), "allowAllUnixSockets: true exposes every local socket (docker, ssh-agent)",
            "delete the key")
    socks = [str(x) for x in as_list(net.get("allowUnixSockets"))]
    if any("docker.sock" in x or "podman" in x or "ssh" in x for x in socks):
        add(H, ("network", "allowUnixSockets"), f"allowUnixSockets opens {', '.join(socks)[:100]} (host escape)",
            "delete the entry")
    for i, w in enumerate(as_list(fs.get("allowWrite"))):
        w = str(w)
        if w.rstrip("/") in {x.rstrip("/") for x in WIDE_DIRS} or w.startswith(("~", "/", "..")):
            add(H if w.rstrip("/") in {x.rstrip("/") for x in WIDE_DIRS} else M, ("filesystem", "allowWrite", i),
                f"sandbox.filesystem.allowWrite makes {w!r} writable from the sandbox", "delete the entry")
    for i, r in enumerate(as_list(fs.get("allowRead"))):
        r = str(r)
        if r.startswith(("~", "/")):
            add(M, ("filesystem", "allowRead", i), f"sandbox.filesystem.allowRead re-opens {r!r} to sandboxed commands",
                "delete the entry")
    if fs.get("disabled") is True:
        add(M, ("filesystem", "disabled"), "sandbox.filesystem.disabled: true removes filesystem isolation",
            "delete the key")
