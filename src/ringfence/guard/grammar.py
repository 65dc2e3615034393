"""Claude Code permission rules, parsed once and matched against what a tool call does.

Grammar (shared/reference/claude-code-policy.md section 2): ``Tool`` or
``Tool(specifier)``; ``Tool(*)`` is ``Tool``; tool names may be globs (``*``,
``mcp__*``; allow rules only after a literal server) and ``mcp__srv`` covers the whole
server. Specifiers:

- Bash: ``*`` anywhere, spanning spaces; a trailing `` *`` (or the legacy ``:*``, only
  at the end) keeps a word boundary and also matches the bare prefix (``ls *`` matches
  ``ls`` and ``ls -la``, not ``lsof``; ``ls*`` matches all three). When ``:*`` ends a
  rule that has another ``*``, that other ``*`` is literal.
- Read/Edit (and Write/MultiEdit/NotebookEdit/Glob/Grep, read as Edit/Read): gitignore
  paths. ``//abs``, ``~/p``, ``/p`` relative to the rule's settings source
  (``PermissionRule.base_dir``), ``./p`` and ``p/q`` relative to cwd, a bare name at any
  depth. A pattern that matches a directory covers what is inside it.
- ``WebFetch(domain:host)``: case-insensitive, trailing dot ignored, ``*.x.com`` matches
  subdomains only, ``*`` elsewhere one label.
- ``Tool(param:value)``: deny/ask only, ``*`` in the value; primary fields (command,
  file_path, path, notebook_path, url) cannot be used this way (the rule is ignored).

Deny and ask rules apply to what a command does, not to its spelling: a Bash rule is
tried against each simple command after wrappers are removed and words expanded, both
literally and by meaning (same program, the rule's flags a subset of the command's after
normalization, positionals matching), so ``Bash(rm -rf /:*)`` also catches ``rm -fr /``,
``rm --recursive --force /``, ``sudo /bin/rm -r -f //`` and ``bash -c 'rm -rf /'``. Read and
Edit rules also cover the files Bash commands read or write. Allow rules stay literal:
every simple command must match one, with only Claude Code's own wrappers stripped.
"""
from __future__ import annotations

import posixpath

from ringfence.guard.args import options
from ringfence.guard.effects import file_args
from ringfence.guard.paths import is_glob, relation, static_prefix
from ringfence.guard.shell import UNKNOWN, command_name
from ringfence.guard.wildcard import fnmatchcase, star_match, star_match_words, words_match
from ringfence.records import Record, new


class Rule(Record):
    """kind: allow/ask/deny; tool: canonical name or glob; matcher: one of the
    *Matcher objects below, or None for the whole tool; spec: the text between the parentheses."""
    __slots__ = ()

    def __new__(cls, kind, tool, text, source, scope, matcher, spec):
        return new(cls, (kind, tool, text, source, scope, matcher, spec))


READ_TOOLS = ("Read", "Grep", "Glob")
EDIT_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")
PATH_RULE_TOOLS = READ_TOOLS + EDIT_TOOLS
PRIMARY = frozenset({"command", "file_path", "path", "notebook_path", "url"})
BASH_PARAMS = frozenset({"description", "timeout", "run_in_background", "dangerouslyDisableSandbox"})
SPEC_FIELD = {"Agent": "subagent_type", "Skill": "skill", "WebSearch": "query"}
# Claude Code strips these before matching allow rules; anything else must match as written.
ALLOW_STRIPPED = frozenset({"timeout", "time", "nice", "nohup", "stdbuf", "command", "builtin", "noglob", "xargs"})
SAFE_ASSIGNS = frozenset({"LANG", "LC_ALL", "LC_CTYPE", "TZ", "NODE_ENV", "CI", "DEBUG", "FORCE_COLOR", "NO_COLOR",
                          "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "RUST_BACKTRACE", "RUST_LOG", "TERM",
                          "GIT_PAGER", "PAGER", "COLUMNS"})
# Parsing and matching here avoid ``re`` (see wildcard.py): the hook imports this module on
# every call. The few regular expressions left are compiled where a call needs them.


def canonical_tool(name: str) -> str:
    return "Agent" if name == "Task" else name


def compile_rules(rules, *, home: str, cwd: str) -> tuple[list[Rule], list[str]]:
    """(usable rules, problems): a rule Claude Code would skip is skipped here too, with a note."""
    out, problems = [], []
    for r in rules:
        rule, problem = compile_rule(r, home=home, cwd=cwd)
        if problem:
            problems.append(f"{r.source}: {r.text!r}: {problem}")
        if rule is not None:
            out.append(rule)
    return out, problems


def split_rule(text: str) -> tuple[str, str | None] | None:
    """``Tool`` or ``Tool(specifier)`` -> (tool, specifier or None); None if neither.

    The grammar as a regular expression: ``^\\s*([^()\\s]+)\\s*(?:\\((.*)\\))?\\s*$`` (re.S).
    """
    s = text.lstrip()
    word = s.split(None, 1)[0] if s else ""
    n = min([i for i in (word.find("("), word.find(")")) if i != -1] + [len(word)])
    if n == 0:
        return None
    rest = s[n:].strip()
    if not rest:
        return s[:n], None
    if len(rest) >= 2 and rest[0] == "(" and rest[-1] == ")":
        return s[:n], rest[1:-1]
    return None


def split_param(spec: str) -> tuple[str, str] | None:
    """``name:value`` -> (name, value) for an ASCII identifier name (``^([A-Za-z_][A-Za-z0-9_]*):(.*)$``)."""
    name, colon, value = spec.partition(":")
    if colon and name.isascii() and name.isidentifier():
        return name, value
    return None


def compile_rule(r, *, home: str, cwd: str):
    parts = split_rule(r.text)
    if parts is None:
        return None, "not a rule: expected Tool or Tool(specifier)"
    tool, spec = canonical_tool(parts[0]), parts[1]
    if r.kind not in ("allow", "ask", "deny"):
        return None, f"unknown kind {r.kind!r}"
    if "*" in tool and r.kind == "allow" and not _literal_mcp_server(tool):
        return None, "allow rules take a tool-name glob only after a literal MCP server (mcp__srv__get_*)"
    if spec is not None:
        spec = spec.strip()
    if not spec or spec == "*":
        return Rule(r.kind, tool, r.text, r.source, r.scope, None, None), None
    pm = split_param(spec)
    is_param = pm is not None and (
        (tool in ("Bash", "PowerShell") and pm[0] in BASH_PARAMS)
        or (tool == "WebFetch" and pm[0] != "domain")
        or (tool not in ("Bash", "PowerShell", "WebFetch") and tool not in PATH_RULE_TOOLS)
        or pm[0] in PRIMARY)
    if is_param:
        if pm[0] in PRIMARY:
            return None, f"{pm[0]} is the tool's primary field: write {tool}({pm[1]}) instead"
        if r.kind == "allow":
            return None, "parameter rules work for deny and ask only"
        return Rule(r.kind, tool, r.text, r.source, r.scope, ParamMatcher(pm[0], pm[1]), spec), None
    if tool in ("Bash", "PowerShell"):
        return Rule(r.kind, tool, r.text, r.source, r.scope, BashMatcher(spec, home=home), spec), None
    if tool in PATH_RULE_TOOLS:
        family = "Read" if tool in READ_TOOLS else "Edit"
        if r.kind == "allow" and tool not in ("Read", "Edit"):
            return None, f"{tool}(path) rules are not consulted by Claude Code; use Read(...) or Edit(...)"
        pattern = rule_path(spec, home=home, base_dir=r.base_dir or cwd, cwd=cwd, anywhere=r.kind != "allow")
        return Rule(r.kind, family, r.text, r.source, r.scope, PathMatcher(pattern), spec), None
    if tool == "WebFetch":
        if not spec.startswith("domain:"):
            return None, "WebFetch rules take domain:<host>"
        host = spec[len("domain:"):].strip().lower().rstrip(".")
        if host in ("", "*"):
            return Rule(r.kind, tool, r.text, r.source, r.scope, None, None), None
        return Rule(r.kind, tool, r.text, r.source, r.scope, DomainMatcher(host), spec), None
    if tool in SPEC_FIELD:
        return Rule(r.kind, tool, r.text, r.source, r.scope, ParamMatcher(SPEC_FIELD[tool], spec), spec), None
    return None, f"{tool}({spec}) has no specifier form that Claude Code consults"


def _literal_mcp_server(tool: str) -> bool:
    import re
    return re.match(r"^mcp__[^*]+__", tool) is not None


def rule_path(spec: str, *, home: str, base_dir: str, cwd: str, anywhere: bool) -> str:
    """A Read/Edit path (gitignore syntax, Claude Code's prefixes) as an absolute glob."""
    s = spec
    if s.startswith("//"):
        p = "/" + s.lstrip("/")
    elif s == "~" or s.startswith("~/"):
        p = home.rstrip("/") + s[1:]
    elif s.startswith("/"):
        p = base_dir.rstrip("/") + s
    elif s.startswith("./"):
        p = cwd.rstrip("/") + s[1:]
    else:
        core = s.rstrip("/")
        single = "/" not in core or (core.endswith("/**") and "/" not in core[:-3])
        if "/" not in core or (anywhere and single):
            p = ("/**/" if anywhere else cwd.rstrip("/") + "/**/") + s.removeprefix("**/")
        else:
            p = cwd.rstrip("/") + "/" + s
    p = p.rstrip("/") or "/"
    if "**" not in p:
        return posixpath.normpath(p)
    while "//" in p:
        p = p.replace("//", "/")
    return p


# ---------------------------------------------------------------------- matchers

class ParamMatcher:
    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def matches_input(self, tool_input: dict) -> bool:
        if self.name not in tool_input:
            return False
        v = tool_input[self.name]
        text = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return fnmatchcase(text, self.value) or fnmatchcase(text.lower(), self.value.lower())


class DomainMatcher:
    def __init__(self, host: str):
        self.host = host

    def matches_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        pat = self.host
        if pat.startswith("*."):
            rest = pat[2:]
            if not host.endswith("." + rest) and not _labels_match(host.split(".")[-len(rest.split(".")):], rest):
                return False
            return len(host.split(".")) > len(rest.split("."))
        return _labels_match(host.split("."), pat)


def _labels_match(labels: list[str], pattern: str) -> bool:
    pl = pattern.split(".")
    return len(labels) == len(pl) and all(fnmatchcase(a, b) for a, b in zip(labels, pl))


class PathMatcher:
    def __init__(self, pattern: str):
        self.pattern = pattern
        self.glob = is_glob(pattern)
        self.lead: list[str] = []  # the literal segments before the first glob: what it covers starts so
        for segment in pattern.split("/"):
            if is_glob(segment):
                break
            if segment:
                self.lead.append(segment)

    def covers(self, path: str) -> bool:
        """The pattern matches ``path`` or a directory above it (gitignore semantics)."""
        if not self.glob:
            return path == self.pattern or path.startswith(self.pattern.rstrip("/") + "/") or self.pattern == "/"
        if self.lead and [s for s in path.split("/") if s][:len(self.lead)] != self.lead:
            return False  # what the pattern or its directories match starts with its literal segments
        rel = relation(self.pattern, path, hidden_ok=True)
        return "exact" in rel or "above" in rel


class BashMatcher:
    """A Bash specifier: Claude Code's literal match plus, for deny/ask, a match by meaning."""

    def __init__(self, spec: str, *, home: str):
        self.spec = spec
        body, prefix, literal_star = spec, False, False
        if body.endswith(":*"):
            body, prefix = body[:-2], True
            literal_star = "*" in body
        elif body.endswith(" *"):
            body, prefix = body[:-2], True
        self.pieces = body.split("*") if not literal_star else [body]
        self.prefix = prefix
        self.semantic = _Semantic(body, prefix, literal_star, home) if not literal_star else None

    def literal(self, text: str) -> bool:
        """Claude Code's own match: ``*`` spans anything; a prefix rule also matches where a
        word ends."""
        text = text.strip()
        return star_match_words(self.pieces, text) if self.prefix else star_match(self.pieces, text)

    def command(self, cmd, ctx) -> str | None:
        """'match', 'maybe' (depends on something unknown) or None for one simple command
        (what every rule works out about the command is kept for the call in ``ctx.memo``)."""
        head = self.pieces[0]
        for text in ctx.memo(("spellings", id(cmd)), _spellings, cmd):
            if text.lstrip().startswith(head) and self.literal(text):  # (a match starts with head)
                return "match"
        if self.semantic is not None:
            return self.semantic.match(cmd, ctx)
        return None

    def keys(self) -> set[str] | None:
        """Words one of which anything this rule matches starts with; None: no such words.

        A literal match (of the whole command string or of a spelling) starts with the
        rule's text up to its first ``*``: when that has a word then whitespace, or is the
        whole rule with no ``*`` (``ls``, ``ls *``, ``ls:*``), the matched text's first word
        is that word (``rm*`` matches ``rmdir``: no key). A match by meaning needs the
        program's name. So: {first word, program name}.
        """
        first = self.pieces[0]
        cut = next((i for i, c in enumerate(first) if c.isspace()), None)
        if cut:
            word = first[:cut]
        elif cut is None and len(self.pieces) == 1 and first:
            word = first
        else:
            return None
        if self.semantic is not None and self.semantic.ok:
            return {word, self.semantic.name}
        return {word}


def first_word(text: str) -> str:
    """The first whitespace-delimited word of ``text`` ('' if none)."""
    parts = text.split(None, 1)
    return parts[0] if parts else ""


def _spellings(cmd) -> list[str]:
    words = cmd.argv
    if not words:
        return []
    raw = " ".join(w.raw for w in words)
    out = [raw]
    name = command_name(words[0])
    if name and name != words[0].raw:
        out.append(" ".join([name] + [w.raw for w in words[1:]]))
    if all(w.known for w in words):
        out.append(" ".join([name or words[0].text] + [w.text for w in words[1:]]))
    return out


class _Semantic:
    """The rule as program + flag set + positional pattern (spelling-independent)."""

    def __init__(self, body: str, prefix: bool, literal_star: bool, home: str):
        toks = body.split()
        self.ok = bool(toks) and "*" not in toks[0]
        if not self.ok:
            return
        from ringfence.guard.shell import Word
        self.name = toks[0].rsplit("/", 1)[-1]
        words = [Word(t, t) for t in toks[1:]]
        opts = options(words, self.name)
        self.flags = {f for f in opts.flags if "*" not in f}
        self.values = {k: [w.text for w in v] for k, v in opts.values.items()}
        self.pos = [_expand_home(w.text, home) for w in opts.positionals]
        self.prefix = prefix
        self.pos_literal = " ".join(self.pos).split("*", 1)[0]

    def match(self, cmd, ctx) -> str | None:
        if not self.ok or not cmd.argv or ctx.memo(("name", id(cmd)), command_name, cmd.argv[0]) != self.name:
            return None
        opts, joined = ctx.memo(("options", id(cmd), self.name), _read_args, cmd.argv[1:], self.name)
        if not self.flags <= opts.flags:
            return None
        for flag, wanted in self.values.items():
            have = [w.text for w in opts.values.get(flag, [])]
            if not all(any(fnmatchcase(h, x) for h in have) for x in wanted):
                return None
        if UNKNOWN in joined:
            known = joined.split(UNKNOWN, 1)[0]
            if known.startswith(self.pos_literal) or self.pos_literal.startswith(known):
                return "maybe"
            return None
        return "match" if words_match(self.pos, joined, self.prefix) else None


def _read_args(args, name: str):
    """(options, the positionals as normalized text joined by spaces): what every rule for
    ``name`` compares a command's arguments with."""
    opts = options(args, name)
    return opts, " ".join(_normal_path(w.text) for w in opts.positionals)


def _expand_home(tok: str, home: str) -> str:
    for prefix in ("~/", "$HOME/", "${HOME}/"):
        if tok.startswith(prefix):
            return home.rstrip("/") + "/" + tok[len(prefix):]
    if tok in ("~", "$HOME", "${HOME}"):
        return home
    return _normal_path(tok)


def _normal_path(t: str) -> str:
    if t.startswith("/") and "*" not in t and UNKNOWN not in t:
        p = posixpath.normpath(t)
        return "/" + p.lstrip("/") if p.startswith("//") else p
    return t


# ---------------------------------------------------------------------- matching a call

def tool_matches(rule_tool: str, tool: str) -> bool:
    if rule_tool == tool:
        return True
    if "*" in rule_tool:
        return fnmatchcase(tool, rule_tool)
    return rule_tool.startswith("mcp__") and rule_tool.count("__") == 1 and tool.startswith(rule_tool + "__")


def may_apply(rule: Rule, tool: str) -> bool:
    """Whether ``match_rule`` can find anything for a call of ``tool`` (False: it finds nothing)."""
    m = rule.matcher
    if m is None or isinstance(m, ParamMatcher):
        return tool_matches(rule.tool, tool)
    if isinstance(m, DomainMatcher):
        return tool == "WebFetch"
    if isinstance(m, BashMatcher):
        return tool in ("Bash", "PowerShell") and rule.tool == tool
    if isinstance(m, PathMatcher):
        return tool == "Bash" or tool in (READ_TOOLS + EDIT_TOOLS if rule.tool == "Read" else EDIT_TOOLS)
    return False


def match_rule(rule: Rule, call, ctx) -> list[tuple[str, str]]:
    """[(what matched, 'match' or 'maybe')] for a deny or ask rule against a call."""
    m = rule.matcher
    tool = call.tool
    if m is None:
        return [(tool, "match")] if tool_matches(rule.tool, tool) else []
    if isinstance(m, ParamMatcher):
        return [(f"{m.name}={call.tool_input.get(m.name)!r}", "match")] \
            if tool_matches(rule.tool, tool) and m.matches_input(call.tool_input) else []
    if isinstance(m, DomainMatcher):
        host = _url_host(call.tool_input.get("url"))
        return [(host, "match")] if tool == "WebFetch" and host and m.matches_host(host) else []
    if isinstance(m, BashMatcher):
        if tool not in ("Bash", "PowerShell") or rule.tool != tool:
            return []
        out = []
        whole = call.tool_input.get("command")
        if isinstance(whole, str) and m.literal(whole):
            out.append((whole, "match"))
        if tool == "Bash":
            for cmd in call.commands:
                verdict = m.command(cmd, ctx)
                if verdict:
                    out.append((cmd.text, verdict))
        return out
    if isinstance(m, PathMatcher):
        return _path_hits(rule, m, call, ctx)
    return []


class PathRuleIndex:
    """Which Read/Edit path rules can match a call at all.

    A path rule covers only paths that start with its literal leading segments (a
    ``//abs`` rule: all of them). So rather than every rule trying every path a call
    touches (a hundred rules come with ``ringfence init``), the rules are looked up by
    the leading segments of those paths; only the ones found are matched as usual.
    """

    def __init__(self, rules: list[Rule]):
        self.by_lead: dict[tuple[str, ...], list[int]] = {}
        self.members: set[int] = set()
        for i, r in enumerate(rules):
            if isinstance(r.matcher, PathMatcher):
                self.by_lead.setdefault(tuple(r.matcher.lead), []).append(i)
                self.members.add(i)
        self.depths = sorted({len(lead) for lead in self.by_lead})

    def possible(self, call, ctx) -> set[int] | None:
        """Indexes of the path rules that may match ``call``; None: any of them may."""
        if not self.members:
            return set()
        paths = []
        for path, _mode, glob in call.files:
            if glob is not None:
                return None  # a Grep/Glob pattern is matched against the rules' prefixes instead
            paths += [path, ctx.realpath(path)]
        if call.tool == "Bash":
            for cmd in call.commands:
                for fa in ctx.file_args(cmd):
                    if fa.mode in ("read", "write", "attr"):
                        paths += ctx.text_paths(fa.word.pattern or fa.word.text, cmd.cwd) or []
        found: set[int] = set()
        for p in dict.fromkeys(paths):
            segments = tuple(s for s in p.split("/") if s)
            for k in self.depths:
                if k > len(segments):
                    break
                found.update(self.by_lead.get(segments[:k], ()))
        return found


class BashRuleIndex:
    """Which Bash rules can match a call at all.

    Most Bash rules name a program (``rm -rf /``, ``git push --force *``), and all they
    match starts with a known word or runs that program (BashMatcher.keys). So rather
    than every rule trying every simple command, the rules are looked up by the words the
    call presents: the first word of the whole command string and of each spelling of
    each simple command, and each command's program name. A rule without keys
    (``rm*``, ``* --force``) is not indexed: it is always tried.
    """

    def __init__(self, rules: list[Rule]):
        self.by_key: dict[str, list[int]] = {}
        self.members: set[int] = set()
        for i, r in enumerate(rules):
            keys = r.matcher.keys() if isinstance(r.matcher, BashMatcher) else None
            if keys is not None:
                for key in keys:
                    self.by_key.setdefault(key, []).append(i)
                self.members.add(i)

    def possible(self, call, ctx) -> set[int]:
        """Indexes of the indexed Bash rules that may match ``call``."""
        if not self.members:
            return set()
        words = set()
        whole = call.tool_input.get("command")
        if isinstance(whole, str):
            words.add(first_word(whole))
        for cmd in call.commands:
            for text in ctx.memo(("spellings", id(cmd)), _spellings, cmd):
                words.add(first_word(text))
            if cmd.argv:
                words.add(ctx.memo(("name", id(cmd)), command_name, cmd.argv[0]))
        found: set[int] = set()
        for w in words:
            found.update(self.by_key.get(w, ()))
        return found


def _path_hits(rule, m, call, ctx) -> list[tuple[str, str]]:
    out = []
    applies = READ_TOOLS + EDIT_TOOLS if rule.tool == "Read" else EDIT_TOOLS
    if call.tool in applies:
        for path, mode, glob in call.files:
            if glob is not None and rule.tool == "Read":
                if {"exact", "below"} & relation(glob, static_prefix(m.pattern), hidden_ok=True) and "**" not in m.pattern:
                    out.append((glob, "match"))
                    continue
            for p in {path, ctx.realpath(path)}:
                if m.covers(p):
                    out.append((p, "match"))
                    break
    if call.tool == "Bash":
        wanted = ("read", "write") if rule.tool == "Read" else ("write", "attr")
        for cmd in call.commands:
            for fa in ctx.file_args(cmd):
                if fa.mode not in wanted:
                    continue
                for p in ctx.text_paths(fa.word.pattern or fa.word.text, cmd.cwd) or []:
                    if m.covers(p):
                        out.append((f"{cmd.text} ({p})", "match"))
                        break
    return out


def _url_host(url) -> str | None:
    if not isinstance(url, str):
        return None
    import re
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@?#]*@)?(\[[^\]]*\]|[^/:?#]*)", url)
    return m.group(1).lower().rstrip(".") if m else None


def allowed(rules: list[Rule], call, ctx) -> str | None:
    """The allow rule(s) that explicitly allow every part of the call, or None."""
    allows = [r for r in rules if r.kind == "allow"]
    if not allows:
        return None
    tool = call.tool
    if tool == "Bash":
        if not call.commands:
            return None
        used = []
        for cmd in call.commands:
            if not set(cmd.wrappers) <= ALLOW_STRIPPED or any(n not in SAFE_ASSIGNS for n, _ in cmd.assigns):
                return None
            if any(r.target is not None and r.op not in ("<", "<<", "<<<", ">&") and r.target.text != "/dev/null"
                   for r in cmd.redirects):
                return None
            hit = next((r for r in allows if isinstance(r.matcher, BashMatcher) and r.tool == "Bash"
                        and r.matcher.literal(" ".join(w.raw for w in cmd.argv))), None)
            hit = hit or next((r for r in allows if r.tool == "Bash" and r.matcher is None), None)
            if hit is None:
                return None
            used.append(hit.text)
        return ", ".join(dict.fromkeys(used))
    if tool in PATH_RULE_TOOLS:
        family = "Read" if tool in READ_TOOLS else "Edit"
        if not call.files:
            return None
        for path, _mode, glob in call.files:
            real = ctx.realpath(path)
            hit = next((r for r in allows if r.tool == family and (
                r.matcher is None or (isinstance(r.matcher, PathMatcher) and glob is None
                                      and r.matcher.covers(path) and r.matcher.covers(real)))), None)
            if hit is None:
                return None
        return hit.text
    if tool == "WebFetch":
        host = _url_host(call.tool_input.get("url"))
        hit = next((r for r in allows if r.tool == "WebFetch" and (
            r.matcher is None or (host and isinstance(r.matcher, DomainMatcher) and r.matcher.matches_host(host)))),
            None)
        return hit.text if hit else None
    hit = next((r for r in allows if tool_matches(r.tool, tool) and (
        r.matcher is None or (isinstance(r.matcher, ParamMatcher) and r.matcher.matches_input(call.tool_input)))),
        None)
    return hit.text if hit else None
