"""Claude Code's rule grammar, matched by what a call does."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.guard.grammar import BashMatcher, DomainMatcher, rule_path, split_param, split_rule


@pytest.mark.parametrize("spec, text, want", [
    ("npm run build", "npm run build", True),
    ("npm run build", "npm run build:prod", False),
    ("npm run build", "npm run build --watch", False),
    ("ls *", "ls", True),
    ("ls *", "ls -la", True),
    ("ls *", "lsof", False),
    ("ls*", "lsof", True),
    ("git * main", "git push origin main", True),
    ("git * main", "git push origin feature", False),
    ("* --version", "node --version", True),
    ("npm run test:*", "npm run test", True),
    ("npm run test:*", "npm run test --watch", True),
    ("npm run test:*", "npm run testing", False),
    ("git:* push", "git push", False),
    ("git:* push", "git:x push", True),
    ("git * push:*", "git x push", False),
    ("git * push:*", "git * push now", True),
])
def test_claude_literal_bash_patterns(spec, text, want):
    assert BashMatcher(spec, home="/h").literal(text) is want


@pytest.mark.parametrize("command", [
    "rm -rf /", "rm -fr /", "rm -r -f /", "rm --recursive --force /", "rm / -rf", "sudo /bin/rm -r -f //",
    "bash -c 'rm -rf /'", "cd /tmp && rm -rf / --no-preserve-root", "timeout 5 rm -Rf /",
])
def test_deny_rule_matches_by_meaning(world, command):
    d = world.bash(command, rules=["deny Bash(rm -rf /:*)"], disabled=("rm-critical", "credential-read"))
    assert d.verdict == "deny" and any(f.source.startswith("deny rule") for f in d.findings), d.findings


@pytest.mark.parametrize("command", ["rm -rf /tmp/x", "rm -f /", "rm -rf build", "echo rm -rf /", "ls /"])
def test_deny_rule_near_misses(world, command):
    d = world.bash(command, rules=["deny Bash(rm -rf /:*)"], disabled=("rm-critical",))
    assert not any(f.source.startswith("deny rule") for f in d.findings), d.findings


@pytest.mark.parametrize("command", [
    "curl https://x", "/usr/bin/curl x", "echo $(curl x)", "env A=1 curl x", "timeout 5 curl x", "x=1; curl x | cat",
    "bash -c 'curl x'", "find . -exec curl {} \\;",
])
def test_program_rule_catches_every_spelling(world, command):
    assert world.bash(command, rules=["deny Bash(curl:*)"]).verdict == "deny"
    assert world.bash("wget x", rules=["deny Bash(curl:*)"]).verdict is None


@pytest.mark.parametrize("command", ["git push -f origin x", "git push origin x --force", "git push --force"])
def test_flag_spellings(world, command):
    world.branch("feature")
    d = world.bash(command, rules=["deny Bash(git push --force:*)"], disabled=("git-force-push",))
    assert d.verdict == "deny"


def test_unknown_argument_against_a_deny_rule_asks(world):
    d = world.bash("rm -rf $TARGET", rules=["deny Bash(rm -rf /:*)"], disabled=("rm-critical",))
    assert d.verdict == "ask"


def test_order_deny_then_ask_then_allow(world):
    rules = ["allow Bash(git push:*)", "ask Bash(git push:*)", "deny Bash(git push origin prod)"]
    world.branch("feature")
    assert world.bash("git push origin prod", rules=rules).verdict == "deny"
    assert world.bash("git push origin feature", rules=rules).verdict == "ask"
    assert world.bash("git push origin feature", rules=rules[:1]).verdict == "allow"


def test_allow_needs_every_subcommand(world):
    rules = ["allow Bash(npm test)", "allow Bash(ls *)"]
    assert world.bash("npm test", rules=rules).verdict == "allow"
    assert world.bash("ls -la && npm test", rules=rules).verdict == "allow"
    assert world.bash("npm test && make", rules=rules).verdict is None
    assert world.bash("npm test > out.txt", rules=rules).verdict is None      # a write needs its own allow
    assert world.bash("sudo npm test", rules=rules).verdict in ("ask", None)  # sudo is not stripped for allow
    assert world.bash("npm test $(curl x)", rules=rules).verdict is None


def test_no_rule_means_no_opinion(world):
    d = world.bash("make test")
    assert d.verdict is None and d.reason == ""


def test_bare_tool_and_star(world):
    assert world.bash("ls", rules=["deny Bash"]).verdict == "deny"
    assert world.bash("ls", rules=["deny Bash(*)"]).verdict == "deny"
    assert world.tool("WebSearch", {"query": "x"}, rules=["deny WebSearch"]).verdict == "deny"


def test_read_rules_reach_bash_and_writes(world):
    rules = ["deny Read(~/private/**)"]
    assert world.tool("Read", {"file_path": "$HOMEDIR/private/a.txt"}, rules=rules).verdict == "deny"
    assert world.bash("cat ~/private/a.txt", rules=rules).verdict == "deny"
    assert world.bash("cp x ~/private/a.txt", rules=rules).verdict == "deny"
    assert world.tool("Write", {"file_path": "$HOMEDIR/private/b", "content": ""}, rules=rules).verdict == "deny"
    assert world.tool("Read", {"file_path": "$HOMEDIR/public/a.txt"}, rules=rules).verdict is None
    assert world.bash("ls ~/private", rules=rules).verdict is None


def test_edit_rules_cover_writes_only(world):
    rules = ["deny Edit(src/**)"]
    assert world.tool("Write", {"file_path": "$PROJECT/src/a.py", "content": ""}, rules=rules).verdict == "deny"
    assert world.bash("echo x > src/a.py", rules=rules).verdict == "deny"
    assert world.tool("Read", {"file_path": "$PROJECT/src/a.py"}, rules=rules).verdict is None
    assert world.bash("cat src/a.py", rules=rules).verdict is None


def test_path_forms(world, tmp_path):
    home, proj = world.home, world.project
    assert rule_path("//etc/hosts", home=home, base_dir=proj, cwd=proj, anywhere=True) == "/etc/hosts"
    assert rule_path("~/x", home=home, base_dir=proj, cwd=proj, anywhere=True) == home + "/x"
    assert rule_path("/docs/**", home=home, base_dir=home + "/.claude", cwd=proj, anywhere=True) == \
        home + "/.claude/docs/**"
    assert rule_path("./a.txt", home=home, base_dir="/x", cwd=proj, anywhere=True) == proj + "/a.txt"
    assert rule_path(".env", home=home, base_dir="/x", cwd=proj, anywhere=True) == "/**/.env"
    assert rule_path(".env", home=home, base_dir="/x", cwd=proj, anywhere=False) == proj + "/**/.env"
    assert rule_path("src/**", home=home, base_dir="/x", cwd=proj, anywhere=True) == "/**/src/**"
    assert rule_path("src/**", home=home, base_dir="/x", cwd=proj, anywhere=False) == proj + "/src/**"


def test_bare_name_matches_at_any_depth(world):
    rules = ["deny Read(.env)"]
    for p in ("$PROJECT/.env", "$PROJECT/a/b/.env", "/srv/app/.env"):
        assert world.tool("Read", {"file_path": p}, rules=rules).verdict == "deny", p
    assert world.tool("Read", {"file_path": "$PROJECT/.env.example"}, rules=rules).verdict is None


def test_settings_relative_rule_uses_the_rule_source(world):
    d = world.tool("Read", {"file_path": "$PROJECT/docs/secret.md"}, rules=["deny Read(/docs/**)"])
    assert d.verdict == "deny"  # guardworld rules come from $PROJECT/.claude/settings.json: base is $PROJECT


def test_single_segment_directory_allow_is_anchored(world):
    rules = ["allow Read(src/**)"]
    assert world.tool("Read", {"file_path": "$PROJECT/src/a.py"}, rules=rules).verdict == "allow"
    assert world.tool("Read", {"file_path": "$PROJECT/lib/src/a.py"}, rules=rules).verdict is None
    deny = ["deny Read(src/**)"]
    assert world.tool("Read", {"file_path": "$PROJECT/lib/src/a.py"}, rules=deny).verdict == "deny"


def test_symlinks_allow_needs_both_deny_needs_either(world):
    os.makedirs(os.path.join(world.project, "src"))
    outside = os.path.join(world.home, "outside.txt")
    open(outside, "w").close()
    link = os.path.join(world.project, "src", "link.txt")
    os.symlink(outside, link)
    assert world.tool("Read", {"file_path": link}, rules=["allow Read(src/**)"]).verdict is None
    assert world.tool("Read", {"file_path": link}, rules=["deny Read(~/outside.txt)"]).verdict == "deny"


@pytest.mark.parametrize("pattern, host, want", [
    ("example.com", "example.com", True), ("example.com", "EXAMPLE.com.", True),
    ("example.com", "sub.example.com", False), ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", True), ("*.example.com", "example.com", False),
    ("api.*.com", "api.x.com", True), ("api.*.com", "api.x.y.com", False),
])
def test_webfetch_domains(pattern, host, want):
    assert DomainMatcher(pattern).matches_host(host) is want


def test_webfetch_rules(world):
    rules = ["deny WebFetch(domain:evil.example)", "allow WebFetch(domain:docs.python.org)"]
    assert world.tool("WebFetch", {"url": "https://EVIL.example./x", "prompt": "p"}, rules=rules).verdict == "deny"
    assert world.tool("WebFetch", {"url": "https://docs.python.org/3/", "prompt": "p"}, rules=rules).verdict == "allow"
    assert world.tool("WebFetch", {"url": "https://other.example/", "prompt": "p"}, rules=rules).verdict is None
    assert world.tool("WebFetch", {"url": "https://x/", "prompt": "p"}, rules=["deny WebFetch(domain:*)"]).verdict == "deny"


def test_mcp_rules(world):
    assert world.tool("mcp__github__create_issue", {}, rules=["deny mcp__github"]).verdict == "deny"
    assert world.tool("mcp__github__create_issue", {}, rules=["deny mcp__*"]).verdict == "deny"
    assert world.tool("mcp__slack__post", {}, rules=["deny mcp__github__*"]).verdict is None
    assert world.tool("mcp__github__get_issue", {}, rules=["allow mcp__github__get_*"]).verdict == "allow"
    j = world.judge(rules=["allow mcp__*"])
    assert j.decide("mcp__github__get_issue", {}).verdict is None and j.problems


def test_parameter_rules(world):
    rules = ["deny Bash(run_in_background:true)", "ask Agent(model:opus)", "deny Bash(command:rm *)"]
    j = world.judge(rules=rules)
    assert j.decide("Bash", {"command": "sleep 1", "run_in_background": True}).verdict == "deny"
    assert j.decide("Bash", {"command": "sleep 1", "run_in_background": False}).verdict is None
    assert j.decide("Task", {"prompt": "x", "model": "opus", "subagent_type": "x"}).verdict == "ask"
    assert j.decide("Bash", {"command": "rm x"}).verdict is None  # primary field: rule skipped
    assert any("primary field" in p for p in j.problems)


def test_agent_rules(world):
    assert world.tool("Agent", {"subagent_type": "Explore", "prompt": "x"}, rules=["deny Agent(Explore)"]).verdict == "deny"
    assert world.tool("Task", {"subagent_type": "Plan", "prompt": "x"}, rules=["deny Agent(Explore)"]).verdict is None


def test_bad_rules_are_skipped_with_a_reason(world):
    j = world.judge(rules=["deny Bash(unclosed", "deny WebFetch(example.com)"])
    assert len(j.problems) == 2 and j.decide("Bash", {"command": "ls"}).verdict is None


# The rule grammar is parsed by hand (no ``re`` on the hook's path); these are the
# regular expressions it used to be, and must stay equal to.
RULE_RX = re.compile(r"^\s*([^()\s]+)\s*(?:\((.*)\))?\s*$", re.S)
PARAM_RX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.*)$", re.S)
rule_texts = st.text(alphabet=st.sampled_from(list("aB_1:()* \t\n\x1c\u2028\u00e9x")), max_size=12)


@settings(max_examples=2000, deadline=None)
@given(rule_texts)
def test_split_rule_and_param_are_the_grammar_regexes(text):
    m = RULE_RX.match(text)
    assert split_rule(text) == ((m.group(1), m.group(2)) if m else None)
    m = PARAM_RX.match(text)
    assert split_param(text) == ((m.group(1), m.group(2)) if m else None)


@pytest.mark.parametrize("text, want", [
    ("Bash", ("Bash", None)), ("Bash(rm -rf /)", ("Bash", "rm -rf /")), ("  Read ( ~/.ssh/** ) ", ("Read", " ~/.ssh/** ")),
    ("Bash(a(b)c)", ("Bash", "a(b)c")), ("Bash()", ("Bash", "")), ("Bash(x", None), ("(x)", None), ("", None),
    ("Bash(x) y", None),
])
def test_split_rule_examples(text, want):
    assert split_rule(text) == want


def test_prefix_rules_match_at_any_whitespace():
    m = BashMatcher("git push:*", home="/h")
    assert m.literal("git push") and m.literal("git push\torigin") and m.literal("git push\u2028x")
    assert not m.literal("git pushx") and not m.literal("git pus")
