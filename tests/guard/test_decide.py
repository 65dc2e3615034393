"""The decision: policy knobs (unknown, ask_as), unparseable input, malformed calls."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.errors import GuardError
from ringfence.guard.grammar import canonical_tool, match_rule


def test_ask_as_deny_turns_every_ask_into_deny(world):
    assert world.bash("sudo ls").verdict == "ask"
    assert world.bash("sudo ls", ask_as="deny").verdict == "deny"
    assert world.bash("ls", ask_as="deny").verdict is None  # positive control


@pytest.mark.parametrize("unknown, want", [("ask", "ask"), ("deny", "deny"), ("allow", None)])
def test_unknown_follows_the_policy(world, unknown, want):
    assert world.bash("$CMD -rf /tmp/x", unknown=unknown).verdict == want
    assert world.bash("rm -rf $TARGET_DIR", unknown=unknown).verdict == want


@pytest.mark.parametrize("unknown, want", [("ask", "ask"), ("deny", "deny"), ("allow", "ask")])
def test_unparseable_is_never_allowed(world, unknown, want):
    d = world.bash("ls ((", unknown=unknown, rules=["allow Bash"])
    assert d.verdict == want and any(f.source == "unparseable" for f in d.findings)


def test_allow_rule_does_not_override_a_guard(world):
    assert world.bash("rm -rf ~", rules=["allow Bash(rm:*)"]).verdict == "deny"
    assert world.bash("rm -rf build", rules=["allow Bash(rm:*)"]).verdict == "allow"


def test_reason_names_the_guard_and_a_suggestion(world):
    d = world.bash("git push --force origin main")
    assert d.reason.startswith("ringfence: ") and "[guard git-force-push]" in d.reason and "Instead:" in d.reason


@pytest.mark.parametrize("tool, tool_input", [
    ("Bash", {"command": 42}), ("Bash", {}), ("Read", {"file_path": ""}), ("Read", {}),
    ("Edit", {"file_path": None}), ("", {"command": "ls"}), (None, {}), ("Bash", ["ls"]),
    ("Read", {"file_path": "/etc/\x00passwd"}),
])
def test_malformed_calls_raise_guard_error(world, tool, tool_input):
    with pytest.raises(GuardError):
        world.judge().decide(tool, tool_input)


def test_tools_without_paths_have_no_opinion(world):
    assert world.tool("WebSearch", {"query": "rm -rf ~"}).verdict is None
    assert world.tool("TodoWrite", {"todos": []}).verdict is None


def test_commands_are_listed_for_check(world):
    d = world.bash("cd /tmp && bash -c 'ls -la'")
    assert "cd /tmp" in d.commands and any("ls -la" in c and "bash -c" in c for c in d.commands)


# ---------------------------------------------------------------- rules skipped for speed

segments = st.sampled_from(["a", "b", ".ssh", "*", "**", "c*", "?", "[ab]", "x.py"])
rule_paths = st.lists(segments, min_size=1, max_size=4).map("/".join)
rule_texts = st.one_of(
    st.tuples(st.sampled_from(["Read", "Edit", "Write", "Grep"]),
              st.sampled_from(["//", "~/", "./", "/", ""]), rule_paths).map(lambda t: f"{t[0]}({t[1]}{t[2]})"),
    st.sampled_from(["Bash(rm -rf /)", "Bash(cat *)", "Bash(git push:*)", "Bash(* --force)", "WebFetch(domain:x.com)",
                     "Read", "Bash", "mcp__s__*", "Grep(path:*)"]))
call_paths = st.lists(st.sampled_from(["a", "b", ".ssh", "c1", "x.py", "..", "."]), min_size=1, max_size=4).map(
    "/".join)


@st.composite
def calls(draw):
    base = draw(st.sampled_from(["$HOMEDIR/", "$PROJECT/", "/", "", "~/"]))
    path = base + draw(call_paths)
    tool = draw(st.sampled_from(["Bash", "Read", "Edit", "Write", "Grep", "Glob", "WebFetch", "mcp__s__t"]))
    if tool == "Bash":
        verb = draw(st.sampled_from(["cat", "rm -rf", "cp x", "chmod 600", "ls", "git push --force", "echo hi >"]))
        return tool, {"command": f"{verb} {path}"}
    return tool, {"file_path": path, "path": path, "pattern": draw(st.sampled_from(["", "*.py", "**/x"])),
                  "url": "https://a.x.com/"}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["deny", "ask"]), rule_texts), max_size=8), calls())
def test_rules_the_index_skips_could_not_have_matched(world, rules, call):
    """PathRuleIndex, BashRuleIndex and may_apply only skip work: every rule, tried on every call as
    match_rule would, finds exactly what the Judge finds."""
    judge = world.judge(rules=[f"{kind} {text}" for kind, text in rules])
    tool, tool_input = call
    tool_input = {k: world.sub(v) for k, v in tool_input.items()}
    judge.ctx.begin()
    built, _notes = judge._call(canonical_tool(tool), tool_input)
    for kind in ("deny", "ask"):
        everything = [(f"{kind} rule {rule.text} ({rule.source})", detail)
                      for rule in judge.rules if rule.kind == kind
                      for detail, _how in match_rule(rule, built, judge.ctx)[:1]]
        found = judge._rule_findings(built, kind, judge._possible(built))
        assert [(f.source, f.detail) for f in found] == everything


def test_indexed_path_rules_still_match(world):  # positive control for the property above
    d = world.bash("cat $HOMEDIR/a/b/c", rules=["deny Read(~/a/**)", "deny Read(/zzz/**)", "ask Edit(~/a/**)"])
    assert [f.source.split(" (")[0] for f in d.findings if "rule" in f.source] == ["deny rule Read(~/a/**)"]
    d = world.tool("Edit", {"file_path": "$HOMEDIR/a/x.py"}, rules=["ask Edit(~/a/**)", "deny Read(//zzz)"])
    assert d.verdict == "ask" and "Edit(~/a/**)" in d.reason


def test_a_script_written_and_run_by_the_same_command_is_unknown(world):
    world.write("x.sh", "ls\n")
    d = world.bash("echo 'rm -rf ~' > x.sh && bash x.sh")
    assert d.verdict == "ask" and any("written and run by the same command" in f.detail for f in d.findings)
    d = world.bash("echo hi > y.txt && bash x.sh")  # positive control: the script run is not the one written
    assert d.verdict is None and not any(f.source == "unknown" for f in d.findings)
