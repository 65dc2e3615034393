"""The real Claude Code binary under ringfence: the guard hook written by `ringfence init`, and the
whole agent inside `ringfence run`.

Each blocking assertion has its control beside it: the harmless calls of the same script run,
and the guard test replays its script without ringfence to show the key was readable before.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claude_harness import make_home
from fake_anthropic import tool

pytestmark = [pytest.mark.agent, pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent
RINGFENCE = VENV_BIN / "ringfence"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nDECOY-KEY-7731\n-----END OPENSSH PRIVATE KEY-----\n"


def ringfence(args: list[str], cwd: Path, home: Path, state: Path) -> subprocess.CompletedProcess:
    env = {"PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "HOME": str(home), "XDG_STATE_HOME": str(state)}
    return subprocess.run([str(RINGFENCE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def plant_key(home: Path) -> Path:
    key = home / ".ssh" / "id_rsa"
    key.parent.mkdir(mode=0o700, exist_ok=True)
    key.write_text(KEY)
    return key


def test_init_hook_denies_rm_home_and_key_read(run_claude, tmp_path: Path):
    # init turns Claude Code's own sandbox on; nested in the test jail it cannot mount a fresh /proc,
    # so it needs its documented container mode (the jail's /proc is already private).
    home = make_home(tmp_path / "home", {"permissions": {"allow": ["Bash", "Read", "Edit", "Write"]},
                                         "sandbox": {"enableWeakerNestedSandbox": True}})
    key = plant_key(home)
    state = tmp_path / "state"
    state.mkdir()
    guarded, control = tmp_path / "guarded", tmp_path / "control"
    for project in (guarded, control):
        project.mkdir()
        (project / "notes.txt").write_text("notes-marker-5512\n")
    init = ringfence(["init", "--project", "--yes"], guarded, home, state)
    assert init.returncode == 0, init.stderr
    assert (guarded / ".claude" / "settings.json").is_file()

    def script(project: Path) -> list:
        return [
            tool("Bash", command="echo before > before.txt"),
            tool("Bash", command="rm -rf ~"),
            tool("Read", file_path=str(key)),
            tool("Read", file_path=str(project / "notes.txt")),
            tool("Bash", command="echo after > after.txt"),
            "done",
        ]

    env = {"PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "XDG_STATE_HOME": str(state)}
    # Control first, in the same HOME: Claude Code alone lets the key be read (Read is allowed).
    _, plain_server = run_claude(script(control), control, home, env=env, binds=[state])
    assert "DECOY-KEY-7731" in plain_server.tool_results()[(2, 0)].content

    result, server = run_claude(script(guarded), guarded, home, env=env, binds=[state])
    results = server.tool_results()
    denied = {d["tool_use_id"] for d in result["permission_denials"]}
    assert {"toolu_rf0001_000", "toolu_rf0002_000"} <= denied
    assert results[(1, 0)].is_error and results[(2, 0)].is_error
    assert "DECOY-KEY-7731" not in results[(2, 0)].content
    # rm -rf ~ is also refused by Claude Code's own critical-path check; the reason must be the hook's.
    assert "ringfence" in results[(1, 0)].content
    assert "ringfence" not in plain_server.tool_results()[(1, 0)].content
    assert key.read_text() == KEY and (home / ".claude" / "settings.json").is_file()
    # The harmless calls of the same script ran.
    assert (guarded / "before.txt").read_text() == "before\n"
    assert (guarded / "after.txt").read_text() == "after\n"
    assert "notes-marker-5512" in results[(3, 0)].content
    assert not results[(0, 0)].is_error and not results[(3, 0)].is_error


def test_agent_inside_ringfence_run(run_claude, tmp_path: Path, loopback_decoy):
    home = make_home(tmp_path / "home")
    key = plant_key(home)
    state = tmp_path / "state"
    state.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("notes-marker-9034\n")
    decoy = loopback_decoy
    script = [
        tool("Read", file_path=str(key)),
        tool("Read", file_path=str(project / "notes.txt")),
        tool("Bash", command="echo hi > out.txt"),
        tool("Bash", command=f"curl -fsS -m 5 http://127.0.0.1:{decoy.port}/; echo curl-exit=$?"),
        tool("Bash", command='curl -fsS -m 5 "$ANTHROPIC_BASE_URL/v1/models"; echo curl-exit=$?'),
        "done",
    ]
    wrapper = [str(RINGFENCE), "run", "--allow-domain", "127.0.0.1:{port}", "--env", "ANTHROPIC_API_KEY", "--"]
    # ringfence run is the confinement here: the client reaches the fake API over real loopback.
    result, server = run_claude(script, project, home, wrapper=wrapper, jail=False,
                                env={"XDG_STATE_HOME": str(state)})
    results = server.tool_results()

    # The whole agent is confined, not only its Bash: the key is there, outside, and its Read fails.
    assert key.read_text() == KEY
    assert results[(0, 0)].is_error and "DECOY-KEY-7731" not in results[(0, 0)].content
    assert "notes-marker-9034" in results[(1, 0)].content  # control: project files are readable
    assert (project / "out.txt").read_text() == "hi\n"  # control: the project is writable
    assert decoy.accepted == 0
    assert "curl-exit=0" not in results[(3, 0)].content
    assert "curl-exit=0" in results[(4, 0)].content  # control: the allowed API port is reachable
    assert result["is_error"] is False

    log = ringfence(["log", "--network", "--json", "--limit", "0"], project, home, state)
    assert log.returncode == 0, log.stderr
    rows = [json.loads(line) for line in log.stdout.splitlines() if line.strip()]
    assert any(r["port"] == decoy.port and r["decision"] == "deny" for r in rows), rows
    assert any(r["port"] == server.port and r["decision"] == "allow" for r in rows), rows
