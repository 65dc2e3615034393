"""The one Policy object: frozen, validated, with the source of every value.

Sources (ringfence.toml, Claude Code settings, flags, profiles) are read by sources.py,
merged by merge.py into this; every layer compiles it into its own form and never reads
configuration itself.

The records are ``ringfence.records.Record``s (named tuples, written out): not dataclasses,
because ``dataclasses`` imports ``inspect`` and costs ~15 ms at start-up, and not
``collections.namedtuple``, which compiles every record when this module is imported; the
hook and `run` start a Python process per call.
"""
from __future__ import annotations

from ringfence.records import Record, new


class Item(Record):
    """A value and where it came from ("profile default", "~/.claude/settings.json: sandbox...")."""
    __slots__ = ()

    def __new__(cls, value, source):
        return new(cls, (value, source))


class PathItem(Record):
    """A filesystem path pattern, already absolute (``~`` and relative parts resolved).

    ``pattern`` may hold glob characters (``*``, ``?``, ``[...]``, ``**`` as a whole segment).
    """
    __slots__ = ()

    def __new__(cls, pattern, source):
        return new(cls, (pattern, source))

    @property
    def is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?[")


class FsPolicy(Record):
    """allow_read re-allows inside a denied tree (the more specific path wins);
    protected_names are relative to every writable root."""
    __slots__ = ()

    def __new__(cls, allow_write=(), deny_write=(), deny_read=(), allow_read=(), protected_names=(), hide_home=False,
                protect_git_dir=False):
        return new(cls, (allow_write, deny_write, deny_read, allow_read, protected_names, hide_home, protect_git_dir))


class NetPolicy(Record):
    __slots__ = ()

    def __new__(cls, allowed_domains=(), denied_domains=()):
        return new(cls, (allowed_domains, denied_domains))


class EnvPolicy(Record):
    """allow: names/prefix patterns passed if present; explicit: named, pass even if they
    look secret; set: (name, value, source)."""
    __slots__ = ()

    def __new__(cls, allow=(), explicit=(), set=()):  # noqa: A002 - the field's name
        return new(cls, (allow, explicit, set))


class PermissionRule(Record):
    """One Claude Code permission rule, e.g. ``Bash(rm -rf *)``, as written, with its context.

    kind: allow | ask | deny; scope: managed | flag | local | project | user | ringfence-*;
    base_dir: what a "/p" path in the rule is relative to.
    """
    __slots__ = ()

    def __new__(cls, kind, text, scope, source, base_dir):
        return new(cls, (kind, text, scope, source, base_dir))


class GuardPolicy(Record):
    """unknown: verdict where the guard cannot know (allow | ask | deny); ask_as: what an
    "ask" becomes (ask | deny where nobody answers); disabled: built-in guard ids off."""
    __slots__ = ()

    def __new__(cls, unknown=Item("ask", "built-in"), ask_as=Item("ask", "built-in"), disabled=(), rules=()):
        return new(cls, (unknown, ask_as, disabled, rules))


class SandboxOptions(Record):
    __slots__ = ()

    def __new__(cls, block_socketpair=False, backend="native"):
        return new(cls, (block_socketpair, backend))


class Policy(Record):
    """files_read: every config file that contributed; notes: what the merge ignored on purpose."""
    __slots__ = ()

    def __new__(cls, profile, project_dir, cwd, home, fs, net, env, guard, sandbox=SandboxOptions(), files_read=(),
                notes=()):
        return new(cls, (profile, project_dir, cwd, home, fs, net, env, guard, sandbox, files_read, notes))


def to_jsonable(value):
    """Nested records as dicts (for --json output)."""
    if hasattr(value, "_asdict"):
        return {k: to_jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value
