"""Read what ``audit`` judges: every Claude Code settings layer, ~/.claude.json and the project's .mcp.json.

Nothing is merged or judged here. A layer that cannot be parsed is kept with its error
(Claude Code ignores such a file whole, which is itself a finding), never raised.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ringfence.settings.layers import MANAGED_DIR, SettingsFileError, layer_paths, read_json_file
from ringfence.settings.writer import merge

GLOBAL_CONFIG_LIMIT = 64 << 20  # ~/.claude.json keeps history and grows well past 2 MiB


@dataclass(frozen=True)
class Layer:
    scope: str
    path: str
    data: dict | None          # None: the file does not exist or could not be parsed
    error: str = ""


@dataclass(frozen=True)
class Setup:
    home: str
    project: str
    layers: tuple[Layer, ...]           # highest precedence first, existing or not
    claude_json_path: str
    claude_json: dict | None
    claude_json_error: str = ""
    mcp_json: dict | None = None
    mcp_json_error: str = ""
    effective: dict = field(default_factory=dict)

    @property
    def user_settings_path(self) -> str:
        return next(layer.path for layer in self.layers if layer.scope == "user")

    def source_of(self, *path: str) -> str | None:
        """The file of the highest-precedence layer that sets the key ``path``."""
        for layer in self.layers:
            node: object = layer.data
            for key in path:
                if not isinstance(node, dict) or key not in node:
                    break
                node = node[key]
            else:
                return layer.path
        return None


def _load(path: str, limit: int = 2 << 20) -> tuple[dict | None, str]:
    try:
        return read_json_file(path, max_bytes=limit), ""
    except SettingsFileError as e:
        return None, e.message


def effective_settings(layers: tuple[Layer, ...]) -> dict:
    """Claude Code's merge: lists concatenate and dedupe, scalars from the higher layer win."""
    out: dict = {}
    for layer in reversed(layers):  # lowest precedence first
        if layer.data:
            out = merge(out, layer.data)
    return out


def read_setup(home: str, project: str, managed_dir: str = MANAGED_DIR) -> Setup:
    layers = []
    for scope, path, _, _ in layer_paths(project, home, managed_dir):
        data, error = _load(path)
        layers.append(Layer(scope, path, data, error))
    layers_t = tuple(layers)
    config_dir = os.environ.get("CLAUDE_CONFIG_DIR")
    cj_path = os.path.join(config_dir, ".claude.json") if config_dir else os.path.join(home, ".claude.json")
    cj, cj_err = _load(cj_path, GLOBAL_CONFIG_LIMIT)
    mcp, mcp_err = _load(os.path.join(project, ".mcp.json"))
    return Setup(home=home, project=project, layers=layers_t, claude_json_path=cj_path, claude_json=cj,
                 claude_json_error=cj_err, mcp_json=mcp, mcp_json_error=mcp_err,
                 effective=effective_settings(layers_t))
