"""Claude Code agents, skills and slash commands shipped as markdown (.claude/{agents,skills,commands}/, SKILL.md).

Their YAML frontmatter can carry hooks, MCP servers, a permission mode and
pre-approved tools; their body can hold inline shell (``!`cmd```) that Claude Code runs
when the command or skill is invoked, before the model sees the text.
"""
from __future__ import annotations

import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.jsonpos import ParseError
from ringfence.scan.rules.common import as_dict, decode, red_flag, short
from ringfence.scan.yamlpos import parse_yaml

RULES = {
    "agent.hooks": "An agent or skill defines hooks that run shell commands while it is active",
    "agent.permission-mode": "An agent sets a permission mode that skips prompts",
    "agent.mcp-servers": "An agent or skill brings its own MCP servers",
    "agent.allowed-tools": "A skill or command pre-approves shell commands while it runs",
    "agent.inline-shell": "Inline shell (!`cmd`) that Claude Code runs when the command or skill is used",
}

NAMES = frozenset({"SKILL.md"})
SUFFIXES = (".md",)
_KINDS = ("agents", "skills", "commands")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$", re.S | re.M)
_INLINE = re.compile(r"(?<![\w`\\])!`([^`\n]+)`")


def wants(rel: str) -> bool:
    if not rel.endswith(".md"):
        return False
    if rel.endswith("SKILL.md"):
        return rel.rpartition("/")[2] == "SKILL.md"
    if ".claude/" not in rel:
        return False
    parts = rel.split("/")
    return any(p == ".claude" and i + 1 < len(parts) - 1 and parts[i + 1] in _KINDS for i, p in enumerate(parts))


def wants_dir(prefix: str) -> bool:
    return ".claude/" in prefix


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check(rel: str, data: bytes) -> list[Finding]:
    text = decode(data)
    out: list[Finding] = []
    what = "skill" if rel.endswith("SKILL.md") or "/skills/" in "/" + rel else \
        "agent" if "/agents/" in "/" + rel else "command"
    m = _FRONT.match(text)
    if m:
        _frontmatter(rel, what, m.group(1), out)
    for sh in _INLINE.finditer(text):
        cmd = sh.group(1)
        flag = red_flag(cmd)
        out.append(Finding("agent.inline-shell", Severity.CRITICAL if flag else Severity.HIGH, rel,
                           _line(text, sh.start()),
                           f"{what} runs `{short(cmd)}` through inline shell when it is used"
                           + (f" (contains {flag!r})" if flag else ""),
                           "read the command; set disableSkillShellExecution: true in your settings to block inline shell"))
    return out


def _frontmatter(rel: str, what: str, body: str, out: list[Finding]) -> None:
    try:
        doc = parse_yaml(body)
    except ParseError as e:
        out.append(Finding("scan.unparseable", Severity.LOW, rel, e.line + 1,
                           f"{what} frontmatter is not valid YAML ({e.reason}), so it was not checked",
                           "read the frontmatter by hand"))
        return
    fm = as_dict(doc.value)

    def at(key: str) -> int | None:
        line = doc.line(key)
        return line + 1 if line else None  # +1: the opening '---'

    if fm.get("hooks"):
        out.append(Finding("agent.hooks", Severity.HIGH, rel, at("hooks"),
                           f"{what} defines hooks that run shell commands while it is active",
                           "read the hooks; delete the file if you do not need it"))
    mode = fm.get("permissionMode")
    if mode in ("bypassPermissions", "acceptEdits", "auto"):
        out.append(Finding("agent.permission-mode",
                           Severity.CRITICAL if mode == "bypassPermissions" else Severity.MEDIUM, rel,
                           at("permissionMode"), f"{what} runs with permissionMode {mode!r}",
                           "delete the permissionMode line"))
    if fm.get("mcpServers"):
        out.append(Finding("agent.mcp-servers", Severity.MEDIUM, rel, at("mcpServers"),
                           f"{what} starts its own MCP servers: {short(fm['mcpServers'], 80)}",
                           "read what the servers run before using this " + what))
    tools = fm.get("allowed-tools") or fm.get("allowedTools") or ""
    tools_text = ",".join(tools) if isinstance(tools, list) else str(tools)
    for tool in re.split(r"[,\s]+(?![^()]*\))", tools_text):
        tool = tool.strip()
        if tool in ("Bash", "Bash(*)", "Bash(:*)", "PowerShell") or re.match(
                r"Bash\((npx|bunx|sh|bash|eval|curl|wget|python3?|node|sudo)\b", tool):
            out.append(Finding("agent.allowed-tools", Severity.MEDIUM, rel, at("allowed-tools") or at("allowedTools"),
                               f"{what} pre-approves {tool!r} while it runs (used even before the folder is trusted)",
                               "narrow allowed-tools to exact commands"))
