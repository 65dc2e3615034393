"""The one Policy object: frozen, validated, with the source of every value.

Sources (ringfence.toml, Claude Code settings, flags, profiles) are read by sources.py,
merged by merge.py into this; every layer compiles it into its own form and never reads
configuration itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """A value and where it came from ("profile default", "~/.claude/settings.json: sandbox...")."""
    value: str
    source: str


@dataclass(frozen=True)
class PathItem:
    """A filesystem path pattern, already absolute (``~`` and relative parts resolved).

    ``pattern`` may hold glob characters (``*``, ``?``, ``[...]``, ``**`` as a whole segment).
    """
    pattern: str
    source: str

    @property
    def is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?[")


@dataclass(frozen=True)
class FsPolicy:
    allow_write: tuple[PathItem, ...] = ()
    deny_write: tuple[PathItem, ...] = ()
    deny_read: tuple[PathItem, ...] = ()
    allow_read: tuple[PathItem, ...] = ()   # re-allows inside a denied tree; more specific wins
    protected_names: tuple[Item, ...] = ()  # relative to every writable root
    hide_home: bool = False
    protect_git_dir: bool = False


@dataclass(frozen=True)
class NetPolicy:
    allowed_domains: tuple[Item, ...] = ()
    denied_domains: tuple[Item, ...] = ()


@dataclass(frozen=True)
class EnvPolicy:
    allow: tuple[Item, ...] = ()            # names/prefix patterns passed if present
    explicit: tuple[Item, ...] = ()         # named explicitly: pass even if they look secret
    set: tuple[tuple[str, str, str], ...] = ()  # (name, value, source)


@dataclass(frozen=True)
class PermissionRule:
    """One Claude Code permission rule, e.g. ``Bash(rm -rf *)``, as written, with its context."""
    kind: str          # "allow" | "ask" | "deny"
    text: str
    scope: str         # managed | flag | local | project | user | ringfence | profile
    source: str        # file path or "flag --deny-rule"
    base_dir: str      # what a "/p" path in the rule is relative to


@dataclass(frozen=True)
class GuardPolicy:
    unknown: Item = Item("ask", "built-in")      # allow | ask | deny
    ask_as: Item = Item("ask", "built-in")       # ask | deny (deny where nobody answers)
    disabled: tuple[Item, ...] = ()             # built-in guard ids switched off
    rules: tuple[PermissionRule, ...] = ()


@dataclass(frozen=True)
class SandboxOptions:
    block_socketpair: bool = False
    backend: str = "native"


@dataclass(frozen=True)
class Policy:
    profile: Item
    project_dir: str
    cwd: str
    home: str
    fs: FsPolicy
    net: NetPolicy
    env: EnvPolicy
    guard: GuardPolicy
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)
    files_read: tuple[str, ...] = ()       # every config file that contributed
    notes: tuple[str, ...] = ()            # things the merge ignored on purpose, for `policy show`
