"""(Policy, tool call) -> Decision: the guard's whole judgement, without I/O of its own.

Order, as in Claude Code: deny rules, then the built-in guards, then ask rules, then
what cannot be known, then allow rules. The first that speaks wins; specificity does
not matter. Verdicts:

- "deny"  a deny rule or a deny guard matched;
- "ask"   an ask rule or an ask guard matched, the command is unparseable, or (with
          ``policy.guard.unknown == "ask"``) part of it cannot be known;
- "allow" only when allow rules explicitly cover every part of the call and nothing
          above spoke;
- None    no opinion: the hook prints nothing, so Claude Code's own permission flow
          (its rules, its prompts, its mode) decides. The guard never turns "no rule
          matched" into "allow".

``policy.guard.ask_as == "deny"`` (autonomous profiles, nobody to answer) turns every ask
into a deny. An unparseable command is never allowed: it is at least "ask".
"""
from __future__ import annotations

import posixpath

from ringfence.errors import GuardError
from ringfence.guard.builtins import GUARDS, Call, Context
from ringfence.guard.facts import Facts
from ringfence.guard.grammar import (
    BashRuleIndex, PathRuleIndex, allowed, canonical_tool, compile_rules, match_rule, may_apply,
)
from ringfence.guard.paths import resolve
from ringfence.guard.shell import parse
from ringfence.records import Record, new


class Finding(Record):
    """source: 'guard <id>', 'deny rule <text> (<file>)', 'unknown', 'unparseable';
    verdict: deny/ask/allow after policy; detail: what was found; command: the simple command (text) or ''."""
    __slots__ = ()

    def __new__(cls, source, verdict, detail, suggestion, command):
        return new(cls, (source, verdict, detail, suggestion, command))


class Decision(Record):
    """verdict: 'allow', 'ask', 'deny' or None (no opinion); reason: one line for the model
    and the user; findings: every Finding; commands: the simple commands judged (display text);
    problems: rules that were skipped and why."""
    __slots__ = ()

    def __new__(cls, verdict, reason, findings, commands, problems):
        return new(cls, (verdict, reason, findings, commands, problems))


MAX_SCRIPTS = 8
FILE_FIELDS = {"Read": ("file_path", "read"), "Edit": ("file_path", "write"), "Write": ("file_path", "write"),
               "MultiEdit": ("file_path", "write"), "NotebookEdit": ("notebook_path", "write")}
_RANK = {"deny": 3, "ask": 2, "allow": 1}


class Judge:
    """A policy compiled for deciding many calls (rules parsed, paths prepared once)."""

    def __init__(self, policy, *, facts: Facts | None = None, env: dict[str, str] | None = None,
                 indexed: bool = True):
        """``indexed=False`` tries every rule on every call (what the indexes must agree with)."""
        self.policy = policy
        self.ctx = Context(policy, facts or Facts(), env)
        self.rules, self.problems = compile_rules(policy.guard.rules, home=self.ctx.home, cwd=self.ctx.cwd)
        self.indexed = indexed
        self.path_rules = PathRuleIndex(self.rules)
        self.bash_rules = BashRuleIndex(self.rules)
        self.indexed_rules = self.path_rules.members | self.bash_rules.members
        # (kind, tool) -> ({index: rule} in order, the indexes no index holds)
        self._applicable: dict[tuple[str, str], tuple[dict, set[int]]] = {}
        self.allow_rules = [r for r in self.rules if r.kind == "allow"]
        disabled = {i.value for i in policy.guard.disabled}
        self.guards = [g for g in GUARDS if g.id not in disabled]
        self.unknown = policy.guard.unknown.value
        self.ask_as = policy.guard.ask_as.value

    def decide(self, tool_name, tool_input) -> Decision:
        if not isinstance(tool_name, str) or not tool_name:
            raise GuardError("tool_name must be a non-empty string")
        if not isinstance(tool_input, dict):
            raise GuardError(f"tool_input must be a JSON object, not {type(tool_input).__name__}")
        self.ctx.begin()
        call, notes = self._call(canonical_tool(tool_name), tool_input)
        findings = self._findings(call, notes)
        return self._verdict(call, findings)

    # -- the call as the guards see it

    def _call(self, tool: str, tool_input: dict):
        ctx = self.ctx
        notes: list[tuple[str, str]] = []  # (kind, detail): kind 'unknown' or 'unparseable'
        scripts, files = [], []
        if tool == "Bash":
            command = tool_input.get("command")
            if not isinstance(command, str):
                raise GuardError("tool_input.command must be a string for Bash")
            scripts.append(parse(command, cwd=ctx.cwd, home=ctx.home, env=ctx.env))
            self._follow_scripts(scripts, notes)
        elif tool in FILE_FIELDS:
            field, mode = FILE_FIELDS[tool]
            path = self._path(tool_input.get(field), field)
            files.append((path, mode, None))
        elif tool in ("Grep", "Glob"):
            root = self._path(tool_input.get("path") or ctx.cwd, "path")
            pattern = tool_input.get("glob" if tool == "Grep" else "pattern")
            glob = None
            if isinstance(pattern, str) and pattern:
                if pattern.startswith("/"):
                    glob = posixpath.normpath(pattern)
                elif pattern.startswith("~/"):
                    glob = ctx.home + pattern[1:]
                else:
                    sep = "" if "/" in pattern or tool == "Glob" else "**/"
                    glob = root.rstrip("/") + "/" + sep + pattern
            files.append((root, "search", glob))
        for script in scripts:
            if script.error:
                notes.append(("unparseable", script.error))
            notes += [("unknown", u) for u in script.unknowns]
        commands = tuple(c for s in scripts for c in s.commands)
        return Call(tool, commands, tuple(scripts), tuple(files), tool_input), notes

    def _path(self, value, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise GuardError(f"tool_input.{field} must be a non-empty string")
        if "\x00" in value:
            raise GuardError(f"tool_input.{field} contains a NUL byte")
        if value == "~" or value.startswith("~/"):
            value = self.ctx.home + value[1:]
        return resolve(value, self.ctx.cwd) or value

    def _follow_scripts(self, scripts, notes) -> None:
        """Read the shell scripts a command runs (./x.sh, bash x.sh, source x) and judge them too."""
        ctx = self.ctx
        i = 0
        while i < len(scripts) and len(scripts) <= MAX_SCRIPTS:
            written = None  # the paths this script writes, worked out once a command runs a script
            for cmd in scripts[i].commands:
                if cmd.runs != "script" or cmd.script is None or cmd.script.procsub:
                    continue
                if cmd.script.text in ("/dev/stdin", "/proc/self/fd/0", "-"):
                    continue
                path = resolve(cmd.script.text, cmd.cwd)
                if path is None:
                    notes.append(("unknown", f"cannot tell which script {cmd.script.raw!r} is"))
                    continue
                if written is None:
                    written = {p for c in scripts[i].commands for fa in ctx.file_args(c) if fa.mode == "write"
                               for p in [resolve(fa.word.text, c.cwd)] if p}
                if path in written:
                    notes.append(("unknown", f"{cmd.script.raw} is written and run by the same command"))
                    continue
                kind, text = ctx.facts.script(path)
                if kind == "text":
                    if len(scripts) >= MAX_SCRIPTS:
                        notes.append(("unknown", f"more than {MAX_SCRIPTS} scripts to read"))
                        break
                    scripts.append(parse(text, cwd=cmd.cwd, home=ctx.home, env=ctx.env))
                elif kind in ("too large", "unreadable"):
                    notes.append(("unknown", f"cannot read the script {path}: {kind} {text}".rstrip()))
            i += 1

    # -- judgement

    def _findings(self, call, notes) -> list:
        possible = self._possible(call)
        out = self._rule_findings(call, "deny", possible)
        for g in self.guards:
            if not call.commands and not call.files:
                break
            seen = set()
            for hit in g.check(call, self.ctx):
                key = (hit.detail, hit.command.text if hit.command else "")
                if key in seen:
                    continue
                seen.add(key)
                verdict = hit.verdict or g.verdict
                out.append(Finding(f"guard {g.id}", verdict, hit.detail, g.suggestion,
                                   hit.command.text if hit.command else ""))
        out += self._rule_findings(call, "ask", possible)
        for kind, detail in notes:
            out.append(Finding(kind, "unparseable" if kind == "unparseable" else "unknown", detail,
                               "rewrite it as plain commands (no generated code), or ask the user to run it", ""))
        return [f._replace(verdict=self._apply_policy(f.verdict)) for f in out]

    def _possible(self, call) -> set[int] | None:
        """The indexed rules that may match this call (the others cannot); None: all may."""
        if not self.indexed:
            return None
        paths = self.path_rules.possible(call, self.ctx)
        return (self.path_rules.members if paths is None else paths) | self.bash_rules.possible(call, self.ctx)

    def _rule_findings(self, call, kind: str, possible: set[int] | None) -> list:
        """``possible``: the indexed rules worth trying (``_possible``); rules no index holds are always tried."""
        out = []
        key = (kind, call.tool)
        if key not in self._applicable:
            applicable = {i: r for i, r in enumerate(self.rules) if r.kind == kind and may_apply(r, call.tool)}
            self._applicable[key] = applicable, applicable.keys() - self.indexed_rules
        applicable, always = self._applicable[key]
        tried = applicable.keys() if possible is None else sorted(always | (possible & applicable.keys()))
        for i in tried:  # in the rules' order
            rule = applicable[i]
            for detail, how in match_rule(rule, call, self.ctx):
                verdict = kind if how == "match" else "unknown"
                out.append(Finding(f"{kind} rule {rule.text} ({rule.source})", verdict, detail,
                                   "this rule is part of your settings; ask the user", ""))
                break
        return out

    def _apply_policy(self, verdict: str) -> str | None:
        if verdict == "unknown":
            verdict = self.unknown
        elif verdict == "unparseable":
            verdict = "deny" if self.unknown == "deny" else "ask"
        if verdict == "ask" and self.ask_as == "deny":
            verdict = "deny"
        return None if verdict == "allow" else verdict

    def _verdict(self, call, findings) -> Decision:
        commands = tuple(" ".join(w.raw for w in c.argv) + (f"   [{c.origin}]" if c.origin else "")
                         for c in call.commands)
        speaking = [f for f in findings if f.verdict]
        if speaking:
            top = max(_RANK[f.verdict] for f in speaking)
            verdict = next(v for v, r in _RANK.items() if r == top)
            first = [f for f in speaking if f.verdict == verdict]
            reason = "; ".join(dict.fromkeys(f"{f.detail} [{f.source}]" for f in first[:3]))
            return Decision(verdict, f"ringfence: {reason}. Instead: {first[0].suggestion}.", tuple(findings),
                            commands, tuple(self.problems))
        rule = allowed(self.allow_rules, call, self.ctx)
        if rule:
            return Decision("allow", f"ringfence: allowed by {rule}", tuple(findings), commands, tuple(self.problems))
        return Decision(None, "", tuple(findings), commands, tuple(self.problems))


def decide(policy, tool_name, tool_input, *, facts: Facts | None = None, env: dict[str, str] | None = None) -> Decision:
    """One decision (compiles the policy each time; use Judge for many)."""
    return Judge(policy, facts=facts, env=env).decide(tool_name, tool_input)
