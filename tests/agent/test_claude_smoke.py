"""The real Claude Code binary plays a scripted conversation: its tools run and their results come back.

Also checks the throwaway jail every other agent test and the baseline bench rely on: a write
outside the temporary HOME and project lands nowhere real, and host loopback is unreachable
except for the bridge to the fake API.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from claude_harness import write_user_settings
from fake_anthropic import tool

pytestmark = pytest.mark.agent


def test_bash_writes_in_project_and_read_returns_content(run_claude, agent_project: Path, agent_home: Path):
    (agent_project / "notes.txt").write_text("the-notes-marker-4821\n")
    script = [
        tool("Bash", command="echo hi > out.txt", description="write a file"),
        tool("Read", file_path=str(agent_project / "notes.txt")),
        "finished",
    ]
    result, server = run_claude(script, agent_project, agent_home)

    assert result["is_error"] is False, result
    assert result["result"] == "finished"
    assert result["permission_denials"] == []
    assert server.turns_served() == 3
    assert (agent_project / "out.txt").read_text() == "hi\n"
    results = server.tool_results()
    assert results[(0, 0)].is_error is False
    assert results[(1, 0)].is_error is False
    assert "the-notes-marker-4821" in results[(1, 0)].content


def test_permission_deny_rule_is_reported(run_claude, agent_project: Path, agent_home: Path):
    """A deny rule stops the call and -p mode reports it; the allowed call beside it still runs."""
    write_user_settings(agent_home, {"permissions": {"allow": ["Bash", "Read"], "deny": ["Bash(touch *)"]}})
    script = [tool("Bash", command="touch denied.txt"), tool("Bash", command="echo ok > allowed.txt"), "end"]
    result, server = run_claude(script, agent_project, agent_home)

    denied = [d["tool_input"]["command"] for d in result["permission_denials"]]
    assert denied == ["touch denied.txt"]
    assert not (agent_project / "denied.txt").exists()
    assert (agent_project / "allowed.txt").read_text() == "ok\n"
    assert server.tool_results()[(0, 0)].is_error is True


def test_jail_confines_writes_and_network(run_claude, agent_project: Path, agent_home: Path, tmp_path: Path,
                                          loopback_decoy):
    outside = tmp_path / "outside"
    outside.mkdir()
    script = [
        tool("Bash", command=f"echo x > {outside}/escaped.txt; echo x > inside.txt"),
        tool("Bash", command=f"curl -sS -m 5 http://127.0.0.1:{loopback_decoy.port}/ && echo DECOY-REACHED"),
        tool("Bash", command="curl -sS -m 5 \"$ANTHROPIC_BASE_URL/v1/models\""),
        "end",
    ]
    result, server = run_claude(script, agent_project, agent_home)

    results = server.tool_results()
    assert result["permission_denials"] == []
    assert (agent_project / "inside.txt").exists()  # positive control: the project is writable
    assert not (outside / "escaped.txt").exists()
    assert loopback_decoy.accepted == 0
    assert "DECOY-REACHED" not in results[(1, 0)].content
    assert "claude-sonnet" in results[(2, 0)].content  # positive control: the bridge to the API works
