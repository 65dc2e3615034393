"""The one Policy object: frozen, validated, with the source of every value.

Sources (ringfence.toml, Claude Code settings, flags, profiles) are read by sources.py,
merged by merge.py into this; every layer compiles it into its own form and never reads
configuration itself.

The records are named tuples, not dataclasses: ``dataclasses`` imports ``inspect`` and
costs ~15 ms at start-up, and the hook and `run` start a Python process per call.
"""
from __future__ import annotations

from collections import namedtuple


class Item(namedtuple("Item", "value source")):
    """A value and where it came from ("profile default", "~/.claude/settings.json: sandbox...")."""
    __slots__ = ()


class PathItem(namedtuple("PathItem", "pattern source")):
    """A filesystem path pattern, already absolute (``~`` and relative parts resolved).

    ``pattern`` may hold glob characters (``*``, ``?``, ``[...]``, ``**`` as a whole segment).
    """
    __slots__ = ()

    @property
    def is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?[")


class FsPolicy(namedtuple("FsPolicy", "allow_write deny_write deny_read allow_read protected_names "
                          "hide_home protect_git_dir", defaults=((), (), (), (), (), False, False))):
    """allow_read re-allows inside a denied tree (the more specific path wins);
    protected_names are relative to every writable root."""
    __slots__ = ()


class NetPolicy(namedtuple("NetPolicy", "allowed_domains denied_domains", defaults=((), ()))):
    __slots__ = ()


class EnvPolicy(namedtuple("EnvPolicy", "allow explicit set", defaults=((), (), ()))):
    """allow: names/prefix patterns passed if present; explicit: named, pass even if they
    look secret; set: (name, value, source)."""
    __slots__ = ()


class PermissionRule(namedtuple("PermissionRule", "kind text scope source base_dir")):
    """One Claude Code permission rule, e.g. ``Bash(rm -rf *)``, as written, with its context.

    kind: allow | ask | deny; scope: managed | flag | local | project | user | ringfence-*;
    base_dir: what a "/p" path in the rule is relative to.
    """
    __slots__ = ()


class GuardPolicy(namedtuple("GuardPolicy", "unknown ask_as disabled rules",
                             defaults=(Item("ask", "built-in"), Item("ask", "built-in"), (), ()))):
    """unknown: verdict where the guard cannot know (allow | ask | deny); ask_as: what an
    "ask" becomes (ask | deny where nobody answers); disabled: built-in guard ids off."""
    __slots__ = ()


class SandboxOptions(namedtuple("SandboxOptions", "block_socketpair backend", defaults=(False, "native"))):
    __slots__ = ()


class Policy(namedtuple("Policy", "profile project_dir cwd home fs net env guard sandbox files_read notes",
                        defaults=(SandboxOptions(), (), ()))):
    """files_read: every config file that contributed; notes: what the merge ignored on purpose."""
    __slots__ = ()


def to_jsonable(value):
    """Nested records as dicts (for --json output)."""
    if hasattr(value, "_asdict"):
        return {k: to_jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value
