"""Locate and read Claude Code's settings layers.

Scopes, highest precedence first: managed > flag > local > project > user
(see shared/reference/claude-code-policy.md section 1). This module only reads
files; merging is the policy package's job.
"""
from __future__ import annotations

import json
import os
from collections import namedtuple

MANAGED_DIR = "/etc/claude-code"
SCOPES = ("managed", "flag", "local", "project", "user")  # high -> low


class SettingsLayer(namedtuple("SettingsLayer", "scope path data base_dir sandbox_base",
                               defaults=(None, "", ""))):
    """One settings file: scope (one of SCOPES), path, data, what "/p" in a Read/Edit rule
    is relative to (base_dir) and what "./p" in sandbox.filesystem paths is (sandbox_base)."""
    __slots__ = ()


class SettingsFileError(Exception):
    """A settings file exists but cannot be used; ``str()`` names the file and position."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def read_json_file(path: str, max_bytes: int = 2 << 20) -> dict | None:
    """Return the object in ``path``, None if the file does not exist.

    Raises SettingsFileError for unreadable files, invalid JSON, a non-object top
    level or a file over ``max_bytes`` (Claude Code's own limit is 2 MiB).
    """
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SettingsFileError(path, "is a directory, expected a JSON file") from None
    except OSError as e:
        raise SettingsFileError(path, f"cannot read: {e.strerror}") from None
    if len(raw) > max_bytes:
        raise SettingsFileError(path, f"larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SettingsFileError(path, f"not UTF-8 (byte {e.start})") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SettingsFileError(path, f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise SettingsFileError(path, f"top level must be a JSON object, not {type(data).__name__}")
    return data


def layer_paths(project_dir: str, home: str, managed_dir: str = MANAGED_DIR) -> list[tuple[str, str, str, str]]:
    """(scope, path, base_dir, sandbox_base) for every file layer, highest precedence first."""
    out: list[tuple[str, str, str, str]] = []
    managed = os.path.join(managed_dir, "managed-settings.json")
    out.append(("managed", managed, managed_dir, managed_dir))
    dropin = os.path.join(managed_dir, "managed-settings.d")
    try:
        names = sorted(n for n in os.listdir(dropin) if n.endswith(".json") and not n.startswith("."))
    except OSError:
        names = []
    for n in names:
        out.append(("managed", os.path.join(dropin, n), managed_dir, managed_dir))
    claude_proj = os.path.join(project_dir, ".claude")
    out.append(("local", os.path.join(claude_proj, "settings.local.json"), project_dir, project_dir))
    out.append(("project", os.path.join(claude_proj, "settings.json"), project_dir, project_dir))
    user_dir = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude")
    out.append(("user", os.path.join(user_dir, "settings.json"), user_dir, user_dir))
    return out


def load_layers(project_dir: str, home: str, managed_dir: str = MANAGED_DIR,
                flag_files: tuple[str, ...] = ()) -> list[SettingsLayer]:
    """Read every existing layer, highest precedence first. Raises SettingsFileError."""
    layers: list[SettingsLayer] = []
    entries = layer_paths(project_dir, home, managed_dir)
    flag_entries = [("flag", p, os.path.dirname(os.path.abspath(p)), os.path.dirname(os.path.abspath(p)))
                    for p in flag_files]
    # flags sit between managed and local
    n_managed = sum(1 for e in entries if e[0] == "managed")
    entries = entries[:n_managed] + flag_entries + entries[n_managed:]
    for scope, path, base, sbase in entries:
        data = read_json_file(path)
        if data is None:
            if scope == "flag":
                raise SettingsFileError(path, "file given with --settings does not exist")
            continue
        layers.append(SettingsLayer(scope, path, data, base, sbase))
    return layers
