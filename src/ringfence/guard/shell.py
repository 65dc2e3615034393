"""Bash source -> the simple commands it would run, with their words expanded.

The guard judges what a command *does*, so this module turns source text into a flat
list of ``Command`` records: every simple command anywhere in the tree (lists,
pipelines, subshells, functions, loops, ``$(...)``, backticks, process substitution),
with wrappers peeled off (``sudo``, ``env``, ``timeout``, ``nice``, ``xargs``...), the
strings given to ``bash -c``/``sh -c``/``eval``/``watch``/``su -c`` parsed in turn, and
``find -exec``/``-delete`` turned into the commands they run. Words are expanded the
way bash would where that can be known without running anything: quotes and
backslashes removed, ``$'\\x72m'`` decoded, ``~``, ``$HOME``, ``$PWD`` and variables
assigned earlier in the same source substituted, ``$(echo x)``/``$(pwd)`` evaluated,
``cd`` followed, braces expanded. Whatever cannot be known is marked with ``UNKNOWN``
inside the word (and the guard falls back to the policy's ``unknown`` verdict when
it matters); a syntax error is reported in ``Script.error``, never ignored.

Parser choice: tree-sitter-bash, not bashlex. tree-sitter is a C parser with a
maintained grammar that covers what agents write (heredocs, ``$'...'``, process
substitution, ``[[ ]]``, ``case``, functions, arithmetic); it never raises on bad
input but marks ERROR/MISSING nodes, so a broken command is still inspected (a
visible ``rm -rf /`` in it is denied) and reported as unparseable. bashlex is pure
Python (slower to import and to run in a hook started per tool call), unmaintained,
and raises on many valid constructs, which would turn ordinary commands into
"cannot tell".

Pure apart from ``~user`` lookups in the password database: the caller passes cwd, home
and the environment.
"""
from __future__ import annotations

import os

from ringfence.guard.treesitter import bash_parser
from ringfence.records import Record, new

UNKNOWN = "\x00"          # stands for any part of a word that cannot be known statically
MAX_DEPTH = 4             # bash -c / eval / watch strings parsed inside each other
MAX_COMMANDS = 4000
MAX_NEST = 100            # syntax nesting (keeps Python's recursion bounded)
MAX_BRACE_WORDS = 256

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "yash", "posh", "rbash"})
INTERPRETERS = frozenset({
    "python", "python2", "python3", "pypy", "pypy3", "perl", "ruby", "node", "nodejs", "deno",
    "bun", "php", "lua", "luajit", "Rscript", "tclsh", "pwsh", "osascript", "irb", "jshell",
})
CODE_FLAGS = frozenset({"-c", "-e", "-E", "-r", "--eval", "-p", "--print", "-Command", "eval"})  # value is code
AWKS = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk"})

# Wrappers: name -> (short options taking a value, long options taking a value, positionals
# before the wrapped command). Privilege wrappers are also recorded for the guards.
WRAPPERS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "sudo": ("uUgCDhpRrtT", ("--user", "--group", "--close-from", "--chdir", "--host", "--prompt",
                             "--role", "--type", "--other-user", "--command-timeout"), 0),
    "doas": ("uC", (), 0),
    "pkexec": ("", ("--user",), 0),
    "run0": ("uDg", ("--user", "--chdir", "--group", "--property", "--description", "--unit"), 0),
    "nice": ("n", ("--adjustment",), 0),
    "nohup": ("", (), 0),
    "timeout": ("sk", ("--signal", "--kill-after"), 1),
    "time": ("fo", ("--format", "--output"), 0),
    "stdbuf": ("ioe", ("--input", "--output", "--error"), 0),
    "command": ("", (), 0),
    "builtin": ("", (), 0),
    "noglob": ("", (), 0),
    "exec": ("a", (), 0),
    "setsid": ("", (), 0),
    "ionice": ("cnp", ("--class", "--classdata", "--pid"), 0),
    "chrt": ("", (), 1),
    "taskset": ("", (), 1),
    "unbuffer": ("", (), 0),
    "chronic": ("", (), 0),
    "caffeinate": ("tw", (), 0),
    "busybox": ("", (), 0),
    "catchsegv": ("", (), 0),
    "chroot": ("", ("--userspec", "--groups", "--skip-chdir"), 1),
    "flock": ("wEc", ("--timeout", "--conflict-exit-code", "--command"), 1),
    "strace": ("eoOpPsuUXa", (), 0),
    "npx": ("p", ("--package",), 0),
    "bunx": ("p", ("--package",), 0),
    "pnpx": ("p", ("--package",), 0),
    "ltrace": ("eoOpsuna", (), 0),
}
PRIVILEGE = frozenset({"sudo", "doas", "pkexec", "run0", "su", "sudoedit"})


class Word(Record):
    """One argument after expansion.

text: its value; UNKNOWN marks parts that cannot be known. raw: as written.
pattern: an fnmatch pattern when unquoted glob characters remain (quoted ones escaped).
subs: indexes into Script.commands of the commands run inside its $(...), `...`, <(...).
procsub: the word is a <(...) / >(...) path. hidden_ok: the pattern also matches dot-files
(placeholders for what find/xargs feed a command)."""
    __slots__ = ()

    def __new__(cls, text, raw, pattern=None, subs=(), procsub=False, hidden_ok=False):
        return new(cls, (text, raw, pattern, subs, procsub, hidden_ok))

    @property
    def known(self) -> bool:
        return UNKNOWN not in self.text


class Redirect(Record):
    """op: '>', '>>', '<', '&>', '<<', '<<<', '>&'...; target: Word or None; body: heredoc or
    here-string text (UNKNOWN where expanded parts cannot be known)."""
    __slots__ = ()

    def __new__(cls, op, fd=None, target=None, body=None):
        return new(cls, (op, fd, target, body))


class Command(Record):
    """One simple command as it would run.

argv: tuple of Words after wrappers are peeled off; wrappers: the names peeled (sudo, env...);
assigns: (name, Word) prefix assignments; cwd: working directory in effect (None: unknown);
pipes: (pipeline id, stage) memberships; origin: "" or how it was reached ("bash -c", "$(...)",
"eval", "xargs", "find -exec", "find -delete", "heredoc"...); function: enclosing function name;
background: run with '&'; runs: "stdin" (a shell/interpreter reading its program from stdin),
"script" (a shell running the file in ``script``) or ""; name: the program (``command_name`` of argv[0])."""
    __slots__ = ()

    def __new__(cls, argv, wrappers=(), assigns=(), redirects=(), cwd=None, pipes=(), origin="", text="",
                function="", background=False, runs="", script=None, depth=0, name=None):
        return new(cls, (argv, wrappers, assigns, redirects, cwd, pipes, origin, text, function, background, runs,
                         script, depth, name))


class Script(Record):
    """commands: tuple of Command; unknowns: why parts could not be judged; error: syntax
    error location or None."""
    __slots__ = ()

    def __new__(cls, commands, unknowns, error, source):
        return new(cls, (commands, unknowns, error, source))


_STATEMENT_SEPARATORS = frozenset({";", ";;", "&", "\n", "&&", "||", "|", "|&", "(", ")", "{", "}",
                                   "do", "done", "then", "fi", "else", "elif", "if", "while", "until",
                                   "for", "in", "case", "esac", "function", "!", "comment"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})

def parse(source: str, *, cwd: str | None, home: str, env: dict[str, str] | None = None) -> Script:
    """Every simple command ``source`` would run, in source order."""
    walker = _Walker(home, env or {})
    walker.run(source, _Frame({}, cwd), _Ctx())
    return Script(tuple(walker.commands), tuple(dict.fromkeys(walker.unknowns)), walker.error, source)


class _Frame:
    """Shell state that flows from one command to the next: variables and the cwd."""
    __slots__ = ("vars", "cwd")

    def __init__(self, vars_: dict[str, str], cwd: str | None):
        self.vars = vars_
        self.cwd = cwd

    def copy(self) -> _Frame:
        return _Frame(dict(self.vars), self.cwd)


class _Ctx:
    """Where a node sits: pipeline memberships, how it was reached, enclosing function."""
    __slots__ = ("pipes", "origin", "function", "wrappers", "depth")

    def __init__(self, pipes=(), origin="", function="", wrappers=(), depth=0):
        self.pipes, self.origin, self.function, self.wrappers, self.depth = pipes, origin, function, wrappers, depth

    def but(self, **kw) -> _Ctx:
        c = _Ctx(self.pipes, self.origin, self.function, self.wrappers, self.depth)
        for k, v in kw.items():
            setattr(c, k, v)
        return c


class _Walker:
    def __init__(self, home: str, env: dict[str, str]):
        self.home = home.rstrip("/") or "/"
        self.env = env
        self.commands: list = []
        self.unknowns: list[str] = []
        self.error: str | None = None
        self.next_pipe = 0
        self.nest = 0
        self.aliases: dict[str, str] = {}

    # ------------------------------------------------------------------ entry

    def run(self, source: str, frame: _Frame, ctx: _Ctx) -> None:
        if "\x00" in source:
            self._set_error("the command contains a NUL byte")
            return
        if not source.isascii():
            # tree-sitter-bash 0.25 reads out of bounds (and may segfault) on code points from
            # U+20000 up after some tokens, e.g. '{' + U+E0041: none of them means anything to
            # bash's syntax, so they are replaced before parsing
            import re
            source = re.sub("[\U00020000-\U0010FFFF]", "\uFFFD", source)
        data = source.encode("utf-8", "replace")
        tree = bash_parser().parse(data)
        root = tree.root_node
        if root.has_error:
            self._set_error(_error_location(root, data, ctx.origin))
        self.src = data  # noqa: attribute swapped per nested parse
        self._statements(root.children, frame, ctx)

    def _set_error(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def _unknown(self, why: str) -> None:
        self.unknowns.append(why)

    def _text(self, node) -> str:
        return node.text.decode("utf-8", "replace")

    # ------------------------------------------------------------------ statements

    def _statements(self, nodes, frame: _Frame, ctx: _Ctx) -> None:
        """A sequence of statements; '&' after one marks its commands as backgrounded."""
        last_start = len(self.commands)
        for node in nodes:
            if node.type == "&":
                for i in range(last_start, len(self.commands)):
                    self.commands[i] = self.commands[i]._replace(background=True)
                continue
            last_start = len(self.commands)
            self._node(node, frame, ctx)

    def _node(self, node, frame: _Frame, ctx: _Ctx) -> None:
        if len(self.commands) >= MAX_COMMANDS:
            self._unknown(f"more than {MAX_COMMANDS} commands")
            return
        if self.nest >= MAX_NEST:
            self._set_error(f"nested more than {MAX_NEST} levels deep")
            return
        self.nest += 1
        try:
            self._dispatch(node, frame, ctx)
        finally:
            self.nest -= 1

    def _dispatch(self, node, frame: _Frame, ctx: _Ctx) -> None:
        t = node.type
        if t == "command":
            self._command(node, (), frame, ctx)
        elif t == "redirected_statement":
            self._redirected(node, frame, ctx)
        elif t == "pipeline":
            self._pipeline(node, frame, ctx)
        elif t in ("subshell", "command_substitution", "process_substitution"):
            self._statements(node.children, frame.copy(), ctx)
        elif t == "variable_assignment":
            name, value = self._assignment(node, frame, ctx)
            if name:
                frame.vars[name] = value
        elif t == "declaration_command":
            self._declaration(node, frame, ctx)
        elif t == "unset_command":
            for c in node.children[1:]:
                if c.type in ("variable_name", "word"):
                    frame.vars[self._text(c)] = ""
        elif t == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if body is not None:
                self._node(body, frame.copy(), ctx.but(function=self._text(name) if name else ""))
        elif t == "for_statement":
            var = node.child_by_field_name("variable")
            for c in node.children:
                if c.type not in ("do_group", "variable_name"):
                    self._words_of(c, frame, ctx)
            if var is not None:
                frame.vars[self._text(var)] = UNKNOWN
            body = node.child_by_field_name("body")
            if body is not None:
                self._node(body, frame, ctx)
        elif t in ("comment", "heredoc_body", "heredoc_start", "heredoc_end") or t in _STATEMENT_SEPARATORS:
            return
        elif t in ("word", "string", "raw_string", "concatenation", "simple_expansion", "expansion",
                   "number", "ansi_c_string", "translated_string", "arithmetic_expansion"):
            self._words_of(node, frame, ctx)  # conditions, case values: run their substitutions
        elif t == "list":  # a && b || c: nested to the left; walked flat
            stack, flat = [node], []
            while stack:
                n = stack.pop()
                if n.type == "list":
                    stack.extend(reversed(n.children))
                else:
                    flat.append(n)
            self._statements(flat, frame, ctx)
        else:  # program, compound_statement, if/while/case, test_command, ERROR ...
            self._statements(node.children, frame, ctx)

    def _pipeline(self, node, frame: _Frame, ctx: _Ctx) -> None:
        pid = self.next_pipe
        self.next_pipe += 1
        for i, stage in enumerate(_flatten_pipeline(node)):
            # every stage runs in a subshell: cd and assignments do not leak
            self._node(stage, frame.copy(), ctx.but(pipes=ctx.pipes + ((pid, i),)))

    def _skipped(self, node) -> list[str]:
        """Source text inside ``node`` that no child covers (tree-sitter drops a lone '-'
        before a heredoc); anything but that is reported as a syntax error."""
        out, pos = [], node.start_byte
        for c in node.children:
            gap = self.src[pos:c.start_byte].decode("utf-8", "replace").replace("\\\n", "").strip()
            if gap:
                out.append(gap)
            pos = max(pos, c.end_byte)
        for gap in out:
            if gap != "-":
                self._set_error(f"syntax error: the parser skipped {gap[:30]!r}")
        return out

    def _redirected(self, node, frame: _Frame, ctx: _Ctx) -> None:
        body = node.child_by_field_name("body")
        redirect_nodes = [c for c in node.children if c.type in _REDIRECTS]
        if body is not None and body.type == "command":
            extra = [Word("-", "-") for gap in self._skipped(node) if gap == "-"]
            self._command(body, redirect_nodes, frame, ctx, extra)
            return
        # a compound body ({ ...; } > f, while ... done < f): its commands share the redirects
        redirects, tails = self._redirects(redirect_nodes, frame, ctx)
        start = len(self.commands)
        if body is not None:
            self._node(body, frame, ctx)
        for i in range(start, len(self.commands)):
            self.commands[i] = self.commands[i]._replace(redirects=self.commands[i].redirects + tuple(redirects))
        self._tails(tails, frame, ctx, start)

    def _tails(self, tails, frame: _Frame, ctx: _Ctx, start: int) -> None:
        """What tree-sitter hangs off a heredoc: '| next stages' or '&& next command'."""
        for kind, tail in tails:
            if kind == "|":
                pid = self.next_pipe
                self.next_pipe += 1
                for i in range(start, len(self.commands)):
                    c = self.commands[i]
                    self.commands[i] = c._replace(pipes=c.pipes + ((pid, 0),))
                for n, stage in enumerate(_flatten_pipeline(tail) if tail.type == "pipeline" else [tail], 1):
                    self._node(stage, frame.copy(), ctx.but(pipes=ctx.pipes + ((pid, n),)))
            else:
                self._node(tail, frame, ctx)

    def _declaration(self, node, frame: _Frame, ctx: _Ctx) -> None:
        words = []
        for c in node.children:
            if c.type == "variable_assignment":
                name, value = self._assignment(c, frame, ctx)
                if name:
                    frame.vars[name] = value
                words.append(Word(f"{name}={value}", self._text(c)))
            elif c.type not in ("variable_name",):
                words.extend(self._expand(c, frame, ctx))
        # `export -p`, `declare -x` print the environment: keep them visible to the guards
        self._append(Command(tuple(words), ctx.wrappers, (), (), frame.cwd, ctx.pipes, ctx.origin,
                             self._text(node), ctx.function, False, "", None, ctx.depth))

    def _assignment(self, node, frame: _Frame, ctx: _Ctx) -> tuple[str, str]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = self._text(name_node) if name_node is not None else ""
        if name_node is not None and name_node.type != "variable_name":
            name = ""  # x[0]=... arrays: not tracked
        if any(c.type == "+=" for c in node.children):
            return name, UNKNOWN
        if value_node is None:
            return name, ""
        if value_node.type == "array":
            self._words_of(value_node, frame, ctx)
            return name, UNKNOWN
        chars = self._chars(value_node, frame, ctx, quoted=False, subs=[])
        chars = self._tilde(chars)
        return name, "".join(UNKNOWN if k == 2 else ch for ch, k in chars)

    # ------------------------------------------------------------------ commands

    def _command(self, node, outer_redirects, frame: _Frame, ctx: _Ctx, extra=()) -> None:
        assigns, words, redirect_nodes = [], [], list(outer_redirects)
        self._skipped(node)
        for c in node.children:
            t = c.type
            if t == "variable_assignment" and not words:
                name, value = self._assignment(c, frame, ctx)
                assigns.append((name, Word(value, self._text(c))))
            elif t in _REDIRECTS:
                redirect_nodes.append(c)
            elif t == "command_name":
                for cc in c.children:
                    words.extend(self._expand(cc, frame, ctx))
            elif t in ("comment",):
                continue
            else:
                words.extend(self._expand(c, frame, ctx))
        words.extend(extra)
        redirects, tails = self._redirects(redirect_nodes, frame, ctx)
        start = len(self.commands)
        if words:
            self._emit(words, tuple(assigns), tuple(redirects), frame, ctx, self._text(node))
        else:  # bare assignments with redirects: `X=1 > f`
            for name, value in assigns:
                frame.vars[name] = value.text
            if redirects:
                self._append(Command((), ctx.wrappers, tuple(assigns), tuple(redirects), frame.cwd, ctx.pipes,
                                     ctx.origin, self._text(node), ctx.function, False, "", None, ctx.depth))
        self._tails(tails, frame, ctx, start)

    def _redirects(self, nodes, frame: _Frame, ctx: _Ctx):
        out, tails = [], []
        for node in nodes:
            op, fd, target, body = "", None, None, None
            pending = None
            for c in node.children:
                t = c.type
                if t == "file_descriptor":
                    fd = int(self._text(c)) if self._text(c).isdigit() else None
                elif t in ("heredoc_start",):
                    quoted = any(q in self._text(c) for q in "'\"\\")
                    pending = quoted
                elif t == "heredoc_body":
                    body = self._heredoc(c, frame, ctx, expand=not pending)
                elif t in ("heredoc_end",):
                    continue
                elif t in _REDIRECTS:  # more redirects of the same command, after the heredoc start
                    more, more_tails = self._redirects([c], frame, ctx)
                    out.extend(more)
                    tails.extend(more_tails)
                elif t in ("|", "|&"):
                    tails.append(("|", None))
                elif t == "pipeline":  # `cat <<EOF | sh`: the rest of the pipeline hangs here
                    tails.append(("|", c))
                elif t in ("&&", "||", ";"):
                    tails.append((t, None))
                elif not c.is_named:
                    op = op or t
                elif tails and tails[-1][1] is None:
                    tails[-1] = (tails[-1][0], c)
                elif op == "<<<":
                    chars = self._chars(c, frame, ctx, quoted=False, subs=[])
                    body = "".join(UNKNOWN if k == 2 else ch for ch, k in chars)
                elif target is None:  # tree-sitter may hang the next redirect's fd here too: keep the first
                    ws = self._expand(c, frame, ctx)
                    target = ws[0] if len(ws) == 1 else Word(UNKNOWN, self._text(c))
            out.append(Redirect(op or "<<", fd, target, body))
        return out, [(k, n) for k, n in tails if n is not None]

    def _heredoc(self, node, frame: _Frame, ctx: _Ctx, *, expand: bool) -> str:
        if not expand:
            return self._text(node)
        parts, pos = [], node.start_byte
        for c in node.children:
            if c.start_byte > pos:
                parts.append(self.src[pos:c.start_byte].decode("utf-8", "replace"))
            if c.type == "heredoc_content":
                parts.append(self._text(c))
            else:
                chars = self._chars(c, frame, ctx, quoted=True, subs=[])
                parts.append("".join(UNKNOWN if k == 2 else ch for ch, k in chars))
            pos = c.end_byte
        if node.end_byte > pos:
            parts.append(self.src[pos:node.end_byte].decode("utf-8", "replace"))
        return "".join(parts)

    def _append(self, cmd) -> int:
        if cmd.argv:
            cmd = cmd._replace(name=command_name(cmd.argv[0]))
        self.commands.append(cmd)
        return len(self.commands) - 1

    def _emit(self, words, assigns, redirects, frame: _Frame, ctx: _Ctx, text: str) -> None:
        """Peel wrappers, follow nested shells, record the command."""
        wrappers = list(ctx.wrappers)
        argv = list(words)
        cwd = frame.cwd
        first = command_name(argv[0]) if argv else None
        if first in self.aliases and ctx.origin != f"alias {first}":
            # Claude Code's shell carries the user's aliases: expand them like bash would
            self._nested(" ".join([self.aliases[first]] + [w.raw for w in argv[1:]]), frame,
                         ctx, f"alias {first}", same_frame=True)
            return
        if first == "alias":
            for w in argv[1:]:
                name, eq, value = w.text.partition("=")
                if eq and UNKNOWN not in value:
                    self.aliases[name] = value
        while argv:
            name = command_name(argv[0])
            if name is None:
                break
            if name == "env":
                rest, env_assigns, chdir, split = _strip_env(argv[1:])
                assigns = assigns + tuple(env_assigns)
                if chdir is not None:
                    cwd = _join(cwd, chdir.text) if chdir.known else None
                if split is not None:
                    rest = _split_words(split) + rest
                if not rest:
                    break
                wrappers.append("env")
                argv = rest
                continue
            if name == "command" and len(argv) > 1 and argv[1].text in ("-v", "-V"):
                break  # a lookup, not an execution
            if name == "su":
                self._su(argv, assigns, redirects, frame, ctx, text, wrappers)
                return
            if name == "watch":
                inner = _strip_options(argv[1:], "ngq", ("--interval", "--differences"), 0)
                if inner:
                    self._append(self._record(argv, wrappers, assigns, redirects, cwd, ctx, text))
                    self._nested(" ".join(w.text for w in inner), frame, ctx.but(wrappers=tuple(wrappers)), "watch")
                    return
                break
            if name == "nice" and len(argv) > 1 and argv[1].text[1:].isdigit() and argv[1].text.startswith("-"):
                argv = [argv[0]] + argv[2:]
            spec = WRAPPERS.get(name)
            if spec is None:
                break
            rest = _strip_options(argv[1:], *spec)
            if name == "flock" and any(w.text in ("-c", "--command") for w in argv[1:]):
                self._append(self._record(argv, wrappers, assigns, redirects, cwd, ctx, text))
                code = next((argv[i + 1] for i, w in enumerate(argv[:-1]) if w.text in ("-c", "--command")), None)
                self._shell_code(code, frame, ctx.but(wrappers=tuple(wrappers + ["flock"])), "flock -c")
                return
            if not rest:
                break  # `sudo -v`, `nohup` alone: the wrapper itself is the command
            wrappers.append(name)
            argv = rest
        if not argv:
            return
        name = command_name(argv[0])
        if name is None and argv[0].text:
            self._unknown(f"cannot tell which program {argv[0].raw!r} runs")
        runs, script = "", None
        lang = interpreter(name)
        if name in SHELLS:
            runs, script = self._shell(argv, frame, ctx.but(wrappers=tuple(wrappers)))
            if runs == "stdin":
                runs, script = self._shell_stdin(redirects, frame, ctx.but(wrappers=tuple(wrappers)))
        elif lang:
            pos = _positionals(argv[1:], stop_at_code=True)
            if pos is not None and (not pos or pos[0].text == "-"):
                runs = "stdin"
        elif name in ("source", "."):
            if len(argv) > 1:
                runs, script = "script", argv[1]
        elif argv[0].text.startswith(("./", "/", "../")) and name not in WRAPPERS:
            runs, script = "script", argv[0]
        cmd = self._record(argv, wrappers, assigns, redirects, cwd, ctx, text)._replace(runs=runs, script=script)
        self._append(cmd)
        if lang or name in AWKS:
            from ringfence.guard.code import embedded
            for code in code_of(cmd):
                for src in embedded(code, language=lang or "awk"):
                    self._nested(src, frame, ctx.but(wrappers=tuple(wrappers)), f"{name} code")
        if name == "eval" and len(argv) > 1:
            code = " ".join(w.text for w in argv[1:])
            self._nested(code, frame, ctx.but(wrappers=tuple(wrappers)), "eval", same_frame=True)
        elif name == "xargs":
            self._xargs(argv, assigns, redirects, frame, ctx, text, wrappers)
        elif name == "find":
            self._find(argv, frame, ctx, text, wrappers)
        elif name in ("cd", "pushd"):
            frame.cwd = self._cd(argv, frame)

    def _record(self, argv, wrappers, assigns, redirects, cwd, ctx: _Ctx, text: str):
        return Command(tuple(argv), tuple(wrappers), tuple(assigns), tuple(redirects), cwd, ctx.pipes,
                       ctx.origin, text, ctx.function, False, "", None, ctx.depth)

    def _cd(self, argv, frame: _Frame) -> str | None:
        args = [w for w in argv[1:] if w.text not in ("-L", "-P", "-e", "-@", "--")]
        if not args:
            return self.home
        target = args[0]
        if not target.known or target.pattern or target.text == "-":
            return None
        return _join(frame.cwd, target.text)

    def _shell(self, argv, frame: _Frame, ctx: _Ctx):
        """bash -c CODE / bash FILE / bash (reads stdin): parse CODE; report what runs."""
        i, code_flag = 1, False
        while i < len(argv):
            t = argv[i].text
            if t in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2
                continue
            if t == "--":
                i += 1
                break
            if t.startswith("--"):
                i += 1
                continue
            if len(t) > 1 and t[0] in "-+" and t[1:].isalpha():
                if "c" in t[1:] and t[0] == "-":
                    code_flag = True
                if "s" in t[1:] and t[0] == "-":
                    return "stdin", None
                i += 1
                continue
            break
        rest = argv[i:]
        if code_flag:
            self._shell_code(rest[0] if rest else None, frame, ctx, f"{command_name(argv[0])} -c")
            return "", None
        if not rest or rest[0].text == "-":
            return "stdin", None
        return "script", rest[0]

    def _shell_stdin(self, redirects, frame: _Frame, ctx: _Ctx):
        """A shell reading its program from stdin: parse it when the text is known."""
        for r in redirects:
            if r.op in ("<<", "<<-", "<<<") and r.body is not None:
                self._nested(r.body, frame, ctx, "heredoc")
                return "parsed", None
            if r.op == "<" and r.target is not None and r.fd in (None, 0):
                return "script", r.target
        up = self._upstream(ctx)
        if len(up) == 1 and up[0].argv and command_name(up[0].argv[0]) in ("echo", "printf") \
                and not up[0].redirects and all(w.known and "\\" not in w.text for w in up[0].argv[1:]):
            words = [w.text for w in up[0].argv[1:]]
            while words and words[0] in ("-n", "-E"):
                words.pop(0)
            self._nested(" ".join(words), frame, ctx, "piped to a shell")
            return "parsed", None
        return "stdin", None

    def _shell_code(self, word, frame: _Frame, ctx: _Ctx, origin: str) -> None:
        if word is None:
            return
        if not word.known:
            self._unknown(f"{origin} runs a string that cannot be known: {word.raw}")
            return
        self._nested(word.text, frame, ctx, origin)

    def _nested(self, code: str, frame: _Frame, ctx: _Ctx, origin: str, same_frame: bool = False) -> None:
        if UNKNOWN in code:
            self._unknown(f"{origin} runs a string that cannot be known")
            return
        if ctx.depth + 1 > MAX_DEPTH:
            self._unknown(f"shell strings nested more than {MAX_DEPTH} deep")
            return
        saved = self.src
        self.run(code, frame if same_frame else frame.copy(), ctx.but(origin=origin, depth=ctx.depth + 1))
        self.src = saved

    def _su(self, argv, assigns, redirects, frame: _Frame, ctx: _Ctx, text: str, wrappers) -> None:
        self._append(self._record(argv, wrappers, assigns, redirects, frame.cwd, ctx, text))
        for i, w in enumerate(argv[1:-1], 1):
            if w.text in ("-c", "--command") or w.text.startswith("--command="):
                code = argv[i + 1] if "=" not in w.text else Word(w.text.split("=", 1)[1], w.raw)
                self._shell_code(code, frame, ctx.but(wrappers=tuple(wrappers) + ("su",)), "su -c")

    def _upstream(self, ctx: _Ctx):
        """The commands in the previous stage of this command's innermost pipeline."""
        if not ctx.pipes:
            return []
        pid, stage = ctx.pipes[-1]
        if stage == 0:
            return []
        return [c for c in self.commands if (pid, stage - 1) in c.pipes]

    def _xargs(self, argv, assigns, redirects, frame: _Frame, ctx: _Ctx, text: str, wrappers) -> None:
        i, replace = 1, None
        valued = {"-n", "-L", "-P", "-s", "-d", "-E", "-a", "-I", "--max-args", "--max-lines",
                  "--max-procs", "--max-chars", "--delimiter", "--eof", "--arg-file"}
        while i < len(argv):
            t = argv[i].text
            if t == "--":
                i += 1
                break
            if not t.startswith("-") or t == "-":
                break
            if t == "-I" and i + 1 < len(argv):
                replace = argv[i + 1].text
            elif t.startswith("-I") and len(t) > 2:
                replace = t[2:]
            elif t.startswith(("-i", "--replace")):
                replace = t.split("=", 1)[1] if "=" in t else (t[2:] or "{}")
            if t in valued:
                i += 2
                continue
            i += 1
        inner = list(argv[i:]) or [Word("echo", "echo")]
        inputs = _fed_words(self._upstream(ctx))
        if replace:
            joined = inputs[0] if len(inputs) == 1 else Word(UNKNOWN, "<xargs input>")
            inner = [_substitute(w, replace, joined) for w in inner]
        else:
            inner += inputs
        self._emit(inner, assigns, redirects, frame, ctx.but(origin="xargs", wrappers=tuple(wrappers) + ("xargs",)),
                   text)

    def _find(self, argv, frame: _Frame, ctx: _Ctx, text: str, wrappers) -> None:
        starts, i = [], 1
        while i < len(argv) and argv[i].text in ("-H", "-L", "-P", "-O0", "-O1", "-O2", "-O3"):
            i += 1
        while i < len(argv) and not argv[i].text.startswith(("-", "(", "!", ")")):
            starts.append(argv[i])
            i += 1
        placeholder = _find_placeholders(starts or [Word(".", ".")], argv[i:], frame.cwd)
        while i < len(argv):
            t = argv[i].text
            if t == "-delete":
                rm = [Word("rm", "rm"), Word("-r", "-r"), Word("-f", "-f")]
                for p in placeholder:
                    self._append(Command(tuple(rm + [p]), tuple(wrappers), (), (), frame.cwd, ctx.pipes,
                                         "find -delete", text, ctx.function, False, "", None, ctx.depth))
            elif t in ("-exec", "-execdir", "-ok", "-okdir"):
                j = i + 1
                while j < len(argv) and argv[j].text not in (";", "+"):
                    j += 1
                for p in placeholder:
                    inner = [_substitute(w, "{}", p) for w in argv[i + 1:j]]
                    if inner:
                        self._emit(inner, (), (), frame.copy(),
                                   ctx.but(origin="find " + t, wrappers=tuple(wrappers)), text)
                i = j
            i += 1

    # ------------------------------------------------------------------ words

    def _words_of(self, node, frame: _Frame, ctx: _Ctx) -> None:
        """Expand a node only for the commands its substitutions run."""
        self._chars(node, frame, ctx, quoted=False, subs=[])

    def _expand(self, node, frame: _Frame, ctx: _Ctx) -> list:
        subs: list[int] = []
        chars = self._chars(node, frame, ctx, quoted=False, subs=subs)
        chars = self._tilde(chars)
        raw = self._text(node)
        out = []
        procsub = node.type == "process_substitution"
        for piece in _braces(chars):
            for part in _split(piece):
                out.append(_make_word(part, raw, tuple(subs), procsub))
        if not out and node.type in ("string", "raw_string", "ansi_c_string", "translated_string"):
            out.append(Word("", raw, None, tuple(subs), procsub))  # "" is still an argument
        return out

    def _tilde(self, chars):
        if not chars or chars[0] != ("~", 0):
            return chars
        end = 1
        while end < len(chars) and chars[end][1] == 0 and chars[end][0] != "/":
            end += 1
        user = "".join(ch for ch, _ in chars[1:end])
        if not user:
            home = [(ch, 1) for ch in self.home]
        elif user.replace("-", "").replace("_", "").replace(".", "").isalnum():
            try:
                import pwd
                home = [(ch, 1) for ch in pwd.getpwnam(user).pw_dir]
            except (KeyError, ImportError):
                home = [(UNKNOWN, 2)]
        else:
            return chars
        return home + chars[end:]

    def _chars(self, node, frame: _Frame, ctx: _Ctx, *, quoted: bool, subs: list) -> list:
        """A node's value as (char, kind): 0 unquoted, 1 quoted, 2 unknown, 3 unquoted expansion."""
        t = node.type
        if t in ("word", "number"):
            return _unescape(self._text(node), quoted)
        if t == "raw_string":
            return [(ch, 1) for ch in self._text(node)[1:-1]]
        if t == "ansi_c_string":
            return [(ch, 1) for ch in _ansi_c(self._text(node)[2:-1])]
        if t in ("string", "translated_string"):
            out, pos = [], node.start_byte
            inner = [c for c in node.children if c.type not in ('"', "$")]
            first = next((c for c in node.children if c.type == '"'), None)
            pos = first.end_byte if first is not None else node.start_byte
            for c in inner:
                if c.start_byte > pos:
                    out += _dq_unescape(self.src[pos:c.start_byte].decode("utf-8", "replace"))
                if c.type == "string_content":
                    out += _dq_unescape(self._text(c))
                else:
                    out += [(ch, 1 if k != 2 else 2) for ch, k in self._chars(c, frame, ctx, quoted=True, subs=subs)]
                pos = c.end_byte
            last = node.children[-1] if node.children else None
            end = last.start_byte if last is not None and last.type == '"' else node.end_byte
            if end > pos:
                out += _dq_unescape(self.src[pos:end].decode("utf-8", "replace"))
            return out
        if t == "concatenation":
            out = []
            for c in node.children:
                out += self._chars(c, frame, ctx, quoted=quoted, subs=subs)
            return out
        if t == "simple_expansion":
            return self._var(self._text(node)[1:], frame, quoted)
        if t == "expansion":
            return self._expansion(node, frame, ctx, quoted, subs)
        if t in ("command_substitution", "process_substitution"):
            start = len(self.commands)
            origin = "<(...)" if t == "process_substitution" else "$(...)"
            self._statements(node.children, frame.copy(), ctx.but(origin=origin, pipes=()))
            subs.extend(range(start, len(self.commands)))
            if t == "process_substitution":
                return [(ch, 1) for ch in "/dev/fd/63"]
            value = _evaluate(self.commands[start:], frame)
            if value is None:
                return [(UNKNOWN, 2)]
            return [(ch, 1 if quoted else 3) for ch in value]
        if t == "$":
            return [("$", 1)]
        if t == "arithmetic_expansion":
            self._chars_children(node, frame, ctx, subs)
            return [(UNKNOWN, 2)]
        # brace_expression, extglob, anything unforeseen: keep literal text only if plain
        self._chars_children(node, frame, ctx, subs)
        text = self._text(node)
        if all(ch.isalnum() or ch in "{}.,-_/" for ch in text):
            return [(ch, 0) for ch in text]
        return [(UNKNOWN, 2)]

    def _chars_children(self, node, frame, ctx, subs) -> None:
        """Run the substitutions anywhere below ``node`` (iterative: no recursion limit)."""
        stack = list(reversed(node.children))
        while stack:
            c = stack.pop()
            if c.type in ("command_substitution", "process_substitution"):
                self._chars(c, frame, ctx, quoted=True, subs=subs)
            elif c.child_count:
                stack.extend(reversed(c.children))

    def _var(self, name: str, frame: _Frame, quoted: bool) -> list:
        value = self._lookup(name, frame)
        if value is None:
            return [(UNKNOWN, 2)]
        kind = 1 if quoted else 3
        return [(ch, 2 if ch == UNKNOWN else kind) for ch in value]

    def _lookup(self, name: str, frame: _Frame) -> str | None:
        if name in frame.vars:
            return frame.vars[name]
        if name == "HOME":
            return self.home
        if name == "PWD":
            return frame.cwd
        if name.isdigit() or name in ("@", "*", "#", "?", "$", "!", "-", "_", "OLDPWD", "RANDOM", "LINENO"):
            return None
        return self.env.get(name)

    def _expansion(self, node, frame, ctx, quoted, subs) -> list:
        kids = [c for c in node.children if c.type not in ("${", "}")]
        if len(kids) == 1 and kids[0].type == "variable_name":
            return self._var(self._text(kids[0]), frame, quoted)
        if len(kids) >= 2 and kids[0].type == "variable_name" and kids[1].type in (":-", "-", ":=", "="):
            value = self._lookup(self._text(kids[0]), frame)
            if value is not None and (value or kids[1].type in ("-", "=")):
                return self._var(self._text(kids[0]), frame, quoted)
        self._chars_children(node, frame, ctx, subs)
        return [(UNKNOWN, 2)]


# ---------------------------------------------------------------------- helpers (pure)

def command_name(word) -> str | None:
    """The program a word names: ``/bin/rm`` and ``\\rm`` are ``rm``; None if unknowable."""
    if not word.known or word.pattern:
        return None
    text = word.text
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return text or None


def interpreter(name: str | None) -> str:
    """'python' for python3.11, 'node' for nodejs...; '' when ``name`` is no interpreter."""
    if not name:
        return ""
    base = name.rstrip("0123456789.")
    if name in INTERPRETERS or base in INTERPRETERS:
        return {"python2": "python", "python3": "python", "pypy": "python", "pypy3": "python",
                "nodejs": "node", "luajit": "lua"}.get(base, base)
    return ""


def code_of(cmd) -> list[str]:
    """Program text a command runs: interpreter -c/-e values, awk programs, heredocs fed to it."""
    argv = cmd.argv
    name = command_name(argv[0]) if argv else None
    out = []
    if name in AWKS:
        i = 1
        while i < len(argv) and argv[i].text.startswith("-"):
            if argv[i].text in ("-f", "--file"):
                return []
            i += 2 if argv[i].text in ("-F", "-v") else 1
        return [argv[i].text] if i < len(argv) else []
    if not interpreter(name):
        return out
    for i, w in enumerate(argv[1:], 1):
        t = w.text
        if t in CODE_FLAGS and i + 1 < len(argv):
            out.append(argv[i + 1].text)
        elif t.startswith(("--eval=", "--print=")):
            out.append(t.split("=", 1)[1])
        elif len(t) > 2 and t[:2] in ("-c", "-e") and t[0] == "-" and not t[1:].isalpha():
            out.append(t[2:])
    if cmd.runs == "stdin":
        out += [r.body for r in cmd.redirects if r.body is not None]
    return out


def _flatten_pipeline(node) -> list:
    """The stages of a (possibly nested) pipeline node, in order."""
    out, stack = [], list(reversed(node.children))
    while stack:
        c = stack.pop()
        if c.type == "pipeline":
            stack.extend(reversed(c.children))
        elif c.is_named and c.type != "comment":
            out.append(c)
    return out


def _error_location(root, data: bytes, origin: str) -> str:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            line, col = n.start_point
            snippet = data[n.start_byte:n.start_byte + 30].decode("utf-8", "replace").split("\n")[0]
            where = f" in {origin}" if origin else ""
            what = f"missing {n.type!r}" if n.is_missing else f"cannot parse {snippet!r}"
            return f"syntax error{where} at line {line + 1} column {col + 1}: {what}"
        stack.extend(reversed(n.children))
    return "syntax error"


def _unescape(text: str, quoted: bool) -> list:
    out, i, kind = [], 0, 1 if quoted else 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append((text[i + 1], 1))
            i += 2
            continue
        out.append((ch, kind))
        i += 1
    return out


def _dq_unescape(text: str) -> list:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '$`"\\\n':
            if text[i + 1] != "\n":
                out.append((text[i + 1], 1))
            i += 2
            continue
        out.append((ch, 1))
        i += 1
    return out


_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
              "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _ansi_c(body: str) -> str:
    """Decode the inside of $'...'."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _C_ESCAPES:
            out.append(_C_ESCAPES[nxt])
            i += 2
        elif nxt in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[nxt]
            j = i + 2
            while j < len(body) and j < i + 2 + limit and body[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 2:
                out.append("\\" + nxt)
            else:
                cp = int(body[i + 2:j], 16)
                out.append(chr(cp) if cp and cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else UNKNOWN)
            i = j
        elif nxt in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            cp = int(body[i + 1:j], 8)
            out.append(chr(cp) if cp else UNKNOWN)
            i = j
        elif nxt == "c" and i + 2 < len(body):
            out.append(chr(ord(body[i + 2]) & 0x1F) or UNKNOWN)
            i += 3
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out)


def _braces(chars) -> list:
    """Brace expansion over unquoted '{a,b}' (a bounded number of words)."""
    results, todo = [], [chars]
    while todo:
        cur = todo.pop()
        span = _brace_span(cur)
        if span is None or len(results) + len(todo) > MAX_BRACE_WORDS:
            results.append(cur)
            continue
        start, commas, end = span
        bounds = [start] + commas + [end]
        for a, b in zip(bounds, bounds[1:]):
            todo.append(cur[:start] + cur[a + 1:b] + cur[end + 1:])
    results.reverse()
    return results


def _brace_span(chars):
    for start, (ch, k) in enumerate(chars):
        if ch != "{" or k != 0:
            continue
        depth, commas = 0, []
        for j in range(start + 1, len(chars)):
            c, kk = chars[j]
            if kk != 0:
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    if commas:
                        return start, commas, j
                    break
                depth -= 1
            elif c == "," and depth == 0:
                commas.append(j)
    return None


def _split(chars) -> list:
    """Field splitting of unquoted expansion results (kind 3) on blanks."""
    if not any(k == 3 for _, k in chars):
        return [chars] if chars else []
    out, cur, had = [], [], False
    for ch, k in chars:
        if k == 3 and ch in " \t\n":
            if cur:
                out.append(cur)
            cur = []
            continue
        cur.append((ch, k))
        had = True
    if cur:
        out.append(cur)
    return out if had else []


def _make_word(chars, raw: str, subs: tuple, procsub: bool) -> Word:
    text, pattern, is_glob, prev_unknown = [], [], False, False
    for ch, k in chars:
        if k == 2:
            if not prev_unknown:
                text.append(UNKNOWN)
                pattern.append("*")
            prev_unknown = True
            continue
        prev_unknown = False
        text.append(ch)
        if ch in "*?[":
            if k in (0, 3):
                is_glob = True
                pattern.append(ch)
            else:
                pattern.append("[" + ch + "]")
        else:
            pattern.append(ch)
    return Word("".join(text), raw, "".join(pattern) if is_glob else None, subs, procsub)


def _join(cwd: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return os.path.normpath(path) if not path.startswith("//") else "/" + os.path.normpath(path).lstrip("/")
    if cwd is None:
        return None
    return os.path.normpath(os.path.join(cwd, path))


def _strip_options(args, valued_short: str, valued_long: tuple, positionals: int):
    """What follows a wrapper's own options (and its leading positionals, e.g. timeout's duration)."""
    i = 0
    while i < len(args):
        t = args[i].text
        if t == "--":
            i += 1
            break
        if not t.startswith("-") or t == "-":
            break
        if t.startswith("--"):
            i += 1
            if "=" not in t and t in valued_long:
                i += 1
            continue
        if t[-1] in valued_short and all(ch.isalpha() for ch in t[1:]):
            i += 2  # '-u root' or '-iu root': the value follows
            continue
        i += 1
    return list(args[i + positionals:])


def _strip_env(args):
    assigns, chdir, split, i = [], None, None, 0
    while i < len(args):
        t = args[i].text
        if t in ("-i", "-0", "--null", "--ignore-environment", "-"):
            i += 1
        elif t in ("-u", "--unset"):
            i += 2
        elif t.startswith(("--unset=", "-u")):
            i += 1
        elif t in ("-C", "--chdir") and i + 1 < len(args):
            chdir = args[i + 1]
            i += 2
        elif t.startswith("--chdir="):
            chdir = Word(t.split("=", 1)[1], args[i].raw)
            i += 1
        elif t in ("-S", "--split-string") and i + 1 < len(args):
            split = args[i + 1]
            i += 2
        elif t.startswith("--split-string="):
            split = Word(t.split("=", 1)[1], args[i].raw)
            i += 1
        elif t.startswith("-") and len(t) > 1 and "=" not in t:
            i += 1
        elif "=" in t and not t.startswith("=") and t.split("=", 1)[0].replace("_", "a").isalnum():
            name, value = t.split("=", 1)
            assigns.append((name, Word(value, args[i].raw)))
            i += 1
        else:
            break
    return list(args[i:]), assigns, chdir, split


def _split_words(word) -> list:
    if not word.known:
        return [Word(UNKNOWN, word.raw)]
    return [Word(t, t) for t in word.text.split()]


def _positionals(args, *, stop_at_code: bool):
    """Positionals of an interpreter call; None when it is given code with -c/-e."""
    out, i = [], 0
    while i < len(args):
        t = args[i].text
        if stop_at_code and t in CODE_FLAGS:
            return None
        if t.startswith("-") and t != "-" and not out:
            if t in ("-m", "-W", "-X", "-I", "-r", "--require", "--import", "--loader"):
                i += 2
                if t == "-m":
                    return None  # python -m module: not a script on stdin
                continue
            i += 1
            continue
        out.append(args[i])
        i += 1
    return out


def _substitute(word, marker: str, value) -> Word:
    if marker not in word.text:
        return word
    if word.text == marker:
        return value
    text = word.text.replace(marker, value.text)
    pattern = None
    if value.pattern or word.pattern:
        pattern = (word.pattern or word.text).replace(marker, value.pattern or value.text)
    return Word(text, word.raw, pattern, word.subs + value.subs, False, value.hidden_ok)


_NAME_FILTERS = ("-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname")
_NARROWING = ("-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-size", "-empty",
              "-user", "-group", "-perm", "-links", "-inum", "-samefile", "-uid", "-gid", "-nouser")
_MATCH_ALL = ("*", ".*", "*.*", "**", ".", "./*")


def _find_placeholders(starts, expr, cwd) -> list:
    """What find's ``{}`` (and -delete) stands for: a glob under each start path."""
    names = []
    narrowed = False
    maxdepth0 = False
    for i, w in enumerate(expr):
        if w.text in _NAME_FILTERS and i + 1 < len(expr):
            value = expr[i + 1].text
            if value not in _MATCH_ALL and UNKNOWN not in value:
                names.append(value if w.text not in ("-regex", "-iregex", "-path", "-ipath", "-wholename",
                                                     "-iwholename") else "*")
                narrowed = True
        elif w.text in _NARROWING:
            narrowed = True
        elif w.text == "-maxdepth" and i + 1 < len(expr) and expr[i + 1].text == "0":
            maxdepth0 = True
        elif w.text == "-mindepth" and i + 1 < len(expr) and expr[i + 1].text not in ("0",):
            narrowed = narrowed or False
    out = []
    for s in starts[:4]:
        if not s.known:
            out.append(Word(UNKNOWN, "<found by find>"))
            continue
        base = _join(cwd, s.text)
        if base is None:
            out.append(Word(UNKNOWN, "<found by find>"))
            continue
        sep = "" if base.endswith("/") else "/"
        if maxdepth0:
            out.append(Word(base, "{}"))
        elif names:
            pat = base + sep + "**/" + names[0]
            out.append(Word(pat, "{}", pat, (), False, True))
        elif narrowed:
            pat = base + sep + "**/*"
            out.append(Word(pat, "{}", pat, (), False, True))
        else:
            pat = base + sep + "**"
            out.append(Word(pat, "{}", pat, (), False, True))
    return out


def _fed_words(upstream) -> list:
    """What the previous pipeline stage writes, when that can be known (echo/printf/find)."""
    if len(upstream) != 1:
        return [Word(UNKNOWN, "<input of xargs>")]
    up = upstream[0]
    name = command_name(up.argv[0]) if up.argv else None
    if name in ("echo", "printf") and all(w.known for w in up.argv[1:]):
        args = [w for w in up.argv[1:] if w.text not in ("-n", "-e", "-E")]
        return [Word(t, t) for w in args for t in w.text.split()]
    if name == "find":
        starts = []
        for w in up.argv[1:]:
            if w.text.startswith(("-", "(", "!")):
                break
            starts.append(w)
        expr = up.argv[1 + len(starts):]
        return _find_placeholders(starts or [Word(".", ".")], list(expr), up.cwd)
    return [Word(UNKNOWN, "<input of xargs>")]


def _evaluate(commands, frame: _Frame) -> str | None:
    """The output of a command substitution, when it is a plain echo/printf/pwd."""
    if len(commands) != 1:
        return None
    c = commands[0]
    if c.redirects or c.wrappers or not c.argv:
        return None
    name = command_name(c.argv[0])
    args = c.argv[1:]
    if not all(w.known and not w.pattern for w in args):
        return None
    if name == "echo":
        words = [w.text for w in args]
        while words and words[0] in ("-n", "-e", "-E"):
            words.pop(0)
        return " ".join(words)
    if name == "printf" and len(args) == 1 and "%" not in args[0].text and "\\" not in args[0].text:
        return args[0].text
    if name == "pwd" and not args:
        return frame.cwd
    return None
