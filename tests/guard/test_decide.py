"""The decision: policy knobs (unknown, ask_as), unparseable input, malformed calls."""
from __future__ import annotations

import pytest

from ringfence.errors import GuardError


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
