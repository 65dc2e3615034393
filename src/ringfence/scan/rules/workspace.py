"""Editor and dev-environment files that run commands when a folder is opened.

VS Code tasks with ``runOn: folderOpen``; devcontainer ``initializeCommand`` (runs on the
host, before any container exists) and container privileges; direnv's ``.envrc``.
"""
from __future__ import annotations

import posixpath

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.rules.common import as_dict, as_list, decode, parse_or_finding, red_flag, short

RULES = {
    "vscode.folder-open-task": "A VS Code task runs automatically when the folder is opened",
    "devcontainer.initialize-command": "devcontainer initializeCommand runs on the host when the container is built",
    "devcontainer.lifecycle-command": "devcontainer lifecycle commands run inside the container",
    "devcontainer.privileged": "The dev container gets host privileges (privileged, host namespaces, docker socket)",
    "direnv.envrc": "direnv runs .envrc in your shell when you enter the directory (once allowed)",
}

NAMES = frozenset({"tasks.json", "devcontainer.json", ".devcontainer.json", ".envrc"})
_LIFECYCLE = ("onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand")
_PRIVILEGED_ARGS = ("--privileged", "--pid=host", "--net=host", "--network=host", "--ipc=host", "--userns=host",
                    "--cap-add=all", "--cap-add=sys_admin", "docker.sock", "--security-opt=seccomp=unconfined")


def wants(rel: str) -> bool:
    base = posixpath.basename(rel)
    parent = posixpath.basename(posixpath.dirname(rel))
    if base == "tasks.json":
        return parent == ".vscode"
    if base == "devcontainer.json":
        return "/.devcontainer/" in "/" + rel
    return base in (".devcontainer.json", ".envrc")


def check(rel: str, data: bytes) -> list[Finding]:
    base = posixpath.basename(rel)
    if base == "tasks.json":
        return _tasks(rel, data)
    if base == ".envrc":
        return _envrc(rel, data)
    return _devcontainer(rel, data)


def _command_text(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(_command_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _tasks(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "jsonc", Severity.LOW, "VS Code tasks.json")
    if isinstance(doc, Finding):
        return [doc]
    out: list[Finding] = []
    for i, task in enumerate(as_list(as_dict(doc.value).get("tasks"))):
        task = as_dict(task)
        if as_dict(task.get("runOptions")).get("runOn") != "folderOpen":
            continue
        cmd = " ".join([_command_text(task.get("command", ""))] + [_command_text(a) for a in as_list(task.get("args"))])
        flag = red_flag(cmd)
        out.append(Finding("vscode.folder-open-task", Severity.CRITICAL if flag else Severity.HIGH, rel,
                           doc.line("tasks", i, "runOptions", "runOn"),
                           f"task {short(task.get('label', i), 40)!r} runs `{short(cmd)}` when the folder is opened",
                           "keep VS Code's task.allowAutomaticTasks off and open the folder in Restricted Mode"))
    return out


def _devcontainer(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "jsonc", Severity.LOW, "devcontainer.json")
    if isinstance(doc, Finding):
        return [doc]
    cfg = as_dict(doc.value)
    out: list[Finding] = []
    if cfg.get("initializeCommand"):
        cmd = _command_text(cfg["initializeCommand"])
        out.append(Finding("devcontainer.initialize-command", Severity.CRITICAL if red_flag(cmd) else Severity.HIGH,
                           rel, doc.line("initializeCommand"),
                           f"initializeCommand runs `{short(cmd)}` on your host, outside the container",
                           "read the command before 'Reopen in Container'; delete it if you do not need it"))
    for key in _LIFECYCLE:
        if cfg.get(key):
            cmd = _command_text(cfg[key])
            out.append(Finding("devcontainer.lifecycle-command", Severity.MEDIUM if red_flag(cmd) else Severity.LOW,
                               rel, doc.line(key), f"{key} runs `{short(cmd)}` inside the container",
                               "read the command; it has whatever the container can reach"))
    risky = [str(a) for a in as_list(cfg.get("runArgs")) + as_list(cfg.get("mounts"))
             if any(p in str(a).lower().replace(" ", "") for p in _PRIVILEGED_ARGS)
             or str(a).replace(" ", "").startswith(("source=/,", "-v/:", "--volume=/:"))]
    if cfg.get("privileged") is True:
        risky.append("privileged: true")
    if risky:
        out.append(Finding("devcontainer.privileged", Severity.MEDIUM, rel,
                           doc.line("runArgs") or doc.line("mounts") or doc.line("privileged"),
                           f"the container gets host access: {short(', '.join(risky), 100)}",
                           "remove these options; a container with them is not isolation"))
    return out


def _envrc(rel: str, data: bytes) -> list[Finding]:
    for n, line in enumerate(decode(data).splitlines(), 1):
        flag = red_flag(line.split("#", 1)[0])
        if flag:
            return [Finding("direnv.envrc", Severity.HIGH, rel, n,
                            f".envrc runs `{short(line.strip())}` (contains {flag!r}) when direnv loads it",
                            "read .envrc before `direnv allow`")]
    return [Finding("direnv.envrc", Severity.LOW, rel, None,
                    ".envrc runs in your shell when you enter the directory (after `direnv allow`)",
                    "read .envrc before `direnv allow`")]
