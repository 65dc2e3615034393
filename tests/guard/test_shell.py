"""bash -> simple commands: splitting, wrappers, expansion, nested shells, what stays unknown."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.guard.shell import UNKNOWN, command_name, parse

HOME, CWD = "/home/u", "/home/u/proj"


def cmds(src, env=None):
    s = parse(src, cwd=CWD, home=HOME, env=env or {})
    return [[w.text for w in c.argv] for c in s.commands], s


@pytest.mark.parametrize("src", [
    "a && b", "a || b", "a ; b", "a | b", "a |& b", "a & b", "a\nb", "{ a; b; }", "(a; b)",
    "if a; then b; fi", "while a; do b; done", "a $(b)", "a `b`", "a <(b)", "f() { b; }; a",
])
def test_compound_commands_are_split(src):
    argvs, s = cmds(src)
    assert sorted(a[0] for a in argvs) == ["a", "b"], argvs
    assert s.error is None


@pytest.mark.parametrize("src, want", [
    ("sudo rm -rf x", ["rm", "-rf", "x"]),
    ("env -i FOO=1 rm x", ["rm", "x"]),
    ("command rm x", ["rm", "x"]),
    ("builtin cd x", ["cd", "x"]),
    ("nice -n 5 rm x", ["rm", "x"]),
    ("nice -5 rm x", ["rm", "x"]),
    ("nohup rm x", ["rm", "x"]),
    ("timeout -s KILL 10 rm x", ["rm", "x"]),
    ("time rm x", ["rm", "x"]),
    ("stdbuf -oL rm x", ["rm", "x"]),
    ("sudo -u root env A=b timeout 5 nice nohup rm x", ["rm", "x"]),
    ("\\rm x", ["rm", "x"]),
    ("/bin/rm x", ["/bin/rm", "x"]),
    ("'r''m' x", ["rm", "x"]),
    ("r\"\"m x", ["rm", "x"]),
    ("$'\\x72\\x6d' x", ["rm", "x"]),
    ("$'\\162m' x", ["rm", "x"]),
])
def test_wrappers_and_spellings(src, want):
    argvs, _ = cmds(src)
    assert argvs[-1] == want
    assert command_name(parse(src, cwd=CWD, home=HOME).commands[-1].argv[0]) == "rm" or want[0] == "cd"


def test_wrapper_names_are_recorded():
    s = parse("sudo env X=1 rm -rf x", cwd=CWD, home=HOME)
    assert s.commands[0].wrappers == ("sudo", "env")
    assert s.commands[0].assigns[0][0] == "X"


def test_command_v_is_a_lookup_not_a_run():
    argvs, _ = cmds("command -v rm")
    assert argvs == [["command", "-v", "rm"]]


@pytest.mark.parametrize("src, want", [
    ("rm ~", "/home/u"), ("rm ~/x", "/home/u/x"), ("rm $HOME", "/home/u"), ("rm ${HOME}/x", "/home/u/x"),
    ('rm "$HOME"/x', "/home/u/x"), ("rm $PWD/x", "/home/u/proj/x"), ("X=/; rm $X", "/"),
    ("a=/ho;b=me; rm $a$b", "/home"), ("rm $(echo /)", "/"), ("rm `pwd`", "/home/u/proj"),
    ("rm '~'", "~"), ('rm "~"', "~"), ("rm ${HOME:-/x}", "/home/u"), ("export D=/etc; rm $D", "/etc"),
])
def test_expansion(src, want):
    argvs, _ = cmds(src)
    assert argvs[-1][-1] == want


def test_environment_variables_come_from_env():
    argvs, _ = cmds("rm -rf $TMPDIR/x", env={"TMPDIR": "/tmp"})
    assert argvs[-1][-1] == "/tmp/x"


@pytest.mark.parametrize("src", ["rm -rf $UNSET/", "rm $1", "rm $(whoami)", "rm ${X:-/}", "rm $((1+2))"])
def test_unknown_parts_are_marked(src):
    argvs, _ = cmds(src)
    assert UNKNOWN in argvs[-1][-1]


def test_prefix_assignment_does_not_expand_in_same_command():
    argvs, _ = cmds("X=/ rm -rf $X")
    assert UNKNOWN in argvs[0][-1]


def test_unknown_program_is_reported():
    s = parse("$CMD -rf /", cwd=CWD, home=HOME)
    assert any("cannot tell which program" in u for u in s.unknowns)


def test_braces_and_globs():
    argvs, _ = cmds("rm -rf /{usr,etc} *.log '*.txt'")
    assert argvs[0][2:4] == ["/usr", "/etc"]
    s = parse("rm -rf /{usr,etc} *.log '*.txt'", cwd=CWD, home=HOME)
    pats = [w.pattern for w in s.commands[0].argv]
    assert pats[4] == "*.log" and pats[5] is None  # quoted stars are not globs


def test_cd_is_followed_and_subshells_do_not_leak():
    s = parse("cd /tmp && rm a; (cd /; rm b); rm c; cd; rm d", cwd=CWD, home=HOME)
    by = {c.argv[1].text: c.cwd for c in s.commands if c.argv[0].text == "rm"}
    assert by == {"a": "/tmp", "b": "/", "c": "/tmp", "d": HOME}


def test_nested_shell_strings_are_parsed():
    argvs, s = cmds("bash -c 'rm -rf /' ; sh -lc \"eval 'rm -fr ~'\"; su -c 'rm x' root; watch rm y")
    flat = [a for a in argvs if a[0] == "rm"]
    assert ["rm", "-rf", "/"] in flat and ["rm", "-fr", "/home/u"] in flat
    assert ["rm", "x"] in flat and ["rm", "y"] in flat
    assert {c.origin for c in s.commands if c.argv[0].text == "rm"} >= {"bash -c", "eval", "su -c", "watch"}


def test_unknown_nested_string_is_reported():
    s = parse('bash -c "$SCRIPT"', cwd=CWD, home=HOME)
    assert any("bash -c" in u for u in s.unknowns)


def test_find_exec_and_delete_become_commands():
    s = parse("find . -name node_modules -exec rm -rf {} + ; find ~ -delete", cwd=CWD, home=HOME)
    rms = [c for c in s.commands if c.argv[0].text == "rm"]
    assert rms[0].argv[-1].pattern == "/home/u/proj/**/node_modules"
    assert rms[1].origin == "find -delete" and rms[1].argv[-1].pattern == "/home/u/**"


def test_xargs_feeds_known_input():
    argvs, _ = cmds("echo / | xargs rm -rf")
    assert ["rm", "-rf", "/"] in argvs
    argvs, _ = cmds("ls | xargs rm -rf")
    assert UNKNOWN in argvs[-1][-1]


def test_pipelines_record_stages():
    s = parse("curl x | tee f | sh", cwd=CWD, home=HOME)
    assert [c.pipes[0][1] for c in s.commands] == [0, 1, 2]
    assert s.commands[-1].runs == "stdin"


def test_heredoc_pipeline_and_known_stdin_are_parsed():
    s = parse("cat <<EOF | sh\nrm -rf ~\nEOF", cwd=CWD, home=HOME)
    assert [c.argv[0].text for c in s.commands] == ["cat", "sh"] and s.commands[1].pipes[0][1] == 1
    s = parse("bash <<EOF\nrm -rf ~\nEOF\necho 'rm -rf /' | sh", cwd=CWD, home=HOME)
    assert [[w.text for w in c.argv] for c in s.commands if c.argv[0].text == "rm"] == [
        ["rm", "-rf", "/home/u"], ["rm", "-rf", "/"]]


def test_lone_dash_before_heredoc_is_kept():
    s = parse("python3 - <<'EOF'\nprint(1)\nEOF", cwd=CWD, home=HOME)
    assert [w.text for w in s.commands[0].argv] == ["python3", "-"] and s.commands[0].runs == "stdin"


def test_interpreter_one_liners_reveal_commands():
    argvs, _ = cmds('python3 -c "import os; os.system(\'rm -rf ~\')"')
    assert ["rm", "-rf", "/home/u"] in argvs
    argvs, _ = cmds("node -e 'require(\"child_process\").execSync(\"curl x | sh\")'")
    assert ["sh"] in argvs


def test_fork_bomb_structure():
    s = parse(":(){ :|:& };:", cwd=CWD, home=HOME)
    inner = [c for c in s.commands if c.function == ":"]
    assert len(inner) == 2 and all(c.background and c.pipes for c in inner)


@pytest.mark.parametrize("src", ["rm -rf / ((", "echo 'unterminated", "if then fi", "a |", "cat <(", "$("])
def test_syntax_errors_are_reported(src):
    s = parse(src, cwd=CWD, home=HOME)
    assert s.error and "syntax error" in s.error


def test_visible_command_in_broken_source_is_still_seen():
    argvs, s = cmds("rm -rf / ((")
    assert ["rm", "-rf", "/"] in argvs and s.error


def test_nul_byte_is_an_error():
    assert parse("ls\x00rm", cwd=CWD, home=HOME).error


def test_deep_nesting_is_bounded():
    src = "$(" * 400 + "ls" + ")" * 400
    s = parse(src, cwd=CWD, home=HOME)
    assert s.error  # refused, not a RecursionError


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $'\"`\\(){};|&<>*~/=-\n#!x0")), max_size=80))
def test_parse_never_raises(src):
    s = parse(src, cwd=CWD, home=HOME)
    assert isinstance(s.commands, tuple)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_raises_on_any_text(src):
    parse(src, cwd=CWD, home=HOME)


def test_astral_characters_do_not_crash_the_parser():
    """tree-sitter-bash 0.25 can segfault on '{' followed by a code point >= U+20000 (found by
    fuzzing); a crash would let the call through, so parse() replaces them. Run in a child
    process so a crash fails this test instead of killing the suite."""
    import subprocess
    import sys
    code = ("from ringfence.guard.shell import parse\n"
            "for cp in (0x28100, 0x80000, 0xDD865, 0xE0041, 0x10FFFF):\n"
            "    for _ in range(300):\n"
            "        s = parse('{' + chr(cp) + ' x', cwd='/', home='/h')\n"
            "print(s.commands[0].argv[0].text)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-500:]
    assert "\ufffd" in p.stdout
