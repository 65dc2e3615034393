"""The policy: sources -> merged, validated Policy. Only this package reads configuration.

``load_policy`` is the one entry point; every layer takes the Policy it returns.
"""
from __future__ import annotations

import os

__all__ = ["Policy", "load_policy", "user_config_path"]


def __getattr__(name: str):
    # The model is imported on first use: `ringfence run` reaches this package only for
    # its cache helpers on the hot path, and the records cost a few ms to import.
    if name == "Policy":
        from ringfence.policy.model import Policy
        return Policy
    raise AttributeError(name)


def user_config_path(home: str) -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return os.path.join(base, "ringfence", "ringfence.toml")


def load_policy(cwd: str | None = None, *, profile: str | None = None, home: str | None = None,
                flags: dict | None = None, agent: str | None = None,
                managed_dir: str | None = None, project_dir: str | None = None) -> "Policy":
    """Read every source, merge them, validate: the effective Policy.

    ``flags`` holds command-line values (see sources.flags_fragment); ``agent`` the
    basename of the command when it is a known agent (adds its preset); raises
    PolicyError naming file, key and value for any bad input.
    """
    from ringfence.errors import PolicyError
    from ringfence.policy import sources
    from ringfence.policy.model import Item
    from ringfence.policy.merge import find_project_dir, merge, restrict_project
    from ringfence.policy.profiles import PROFILE_NAMES
    from ringfence.settings.layers import MANAGED_DIR, SettingsFileError, load_layers

    cwd = os.path.abspath(cwd or os.getcwd())
    home = os.path.abspath(home or os.environ.get("HOME") or os.path.expanduser("~"))
    flags = dict(flags or {})
    if profile:
        flags["profile"] = profile
    project = os.path.abspath(project_dir) if project_dir else find_project_dir(cwd, home)
    files_read: list[str] = []
    frags: list[sources.Fragment] = []

    try:
        layers = load_layers(project, home, managed_dir or MANAGED_DIR, tuple(flags.get("settings", ())))
    except SettingsFileError as e:
        raise PolicyError(e.message, file=e.path,
                          fix="fix the file (Claude Code rejects it too) or move it away") from None
    for layer in layers:
        frags.append(sources.claude_fragment(layer, home=home, cwd=cwd))
        files_read.append(layer.path)
    for path, scope in ((user_config_path(home), "user"),
                        (os.path.join(project, "ringfence.toml"), "project")):
        data = sources.read_toml(path)
        if data is not None:
            frags.append(sources.toml_fragment(path, scope, home=home, cwd=cwd, data=data))
            files_read.append(path)
    frags.append(sources.flags_fragment(flags, home=home, cwd=cwd))

    # The profile: managed > flag > user config > project config (a project may only
    # choose one when nothing above did) > default.
    chosen = Item("default", "built-in default")
    for scope in ("project", "user", "flag", "managed"):
        for f in frags:
            if f.scope == scope and "profile" in f.scalars:
                chosen = f.scalars["profile"]
    if chosen.value not in PROFILE_NAMES:
        raise PolicyError("unknown profile", file=chosen.source, value=chosen.value,
                          fix=f"one of: {', '.join(PROFILE_NAMES)}")
    for f in frags:
        f.scalars.pop("profile", None)
    base = sources.profile_fragment(chosen.value, home)
    base.scalars["profile"] = chosen
    frags.append(base)
    if agent and base.scalars["agentPreset"].value:
        preset = sources.preset_fragment(agent, home)
        if preset is not None:
            frags.append(preset)

    notes: list[str] = []
    trusted = bool(base.scalars["trustProjectConfig"].value)
    for f in frags:
        restrict_project(f, trusted=trusted, project_dir=project, notes=notes)
    return merge(frags, project_dir=project, cwd=cwd, home=home, files_read=files_read, notes=notes)
