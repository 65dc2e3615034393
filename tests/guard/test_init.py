"""`ringfence init`: merged settings, kept keys, idempotence, and a hook entry that really runs."""
from __future__ import annotations

import json
import os
import subprocess
import sys

RINGFENCE = os.path.join(os.path.dirname(sys.executable), "ringfence")


def init(world, *args, cwd=None, env_extra=None, stdin=subprocess.DEVNULL):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": world.home, "LANG": "C.UTF-8"}
    env.update(env_extra or {})
    p = subprocess.run([RINGFENCE, "init", *args], cwd=cwd or world.project, capture_output=True, text=True,
                       env=env, stdin=stdin, timeout=60)
    assert "Traceback" not in p.stderr
    return p


def settings(world):
    with open(os.path.join(world.project, ".claude", "settings.json")) as f:
        return json.load(f)


def test_writes_hardened_settings_and_keeps_user_keys(world):
    world.write(".claude/settings.json", json.dumps({
        "model": "opus", "permissions": {"allow": ["Bash(npm test)"], "deny": ["Bash(curl:*)"]},
        "sandbox": {"enabled": False}, "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "/usr/local/bin/mine"}]}]}}))
    p = init(world, "--project", "--yes")
    assert p.returncode == 0, p.stderr
    s = settings(world)
    assert s["model"] == "opus" and "Bash(npm test)" in s["permissions"]["allow"]
    assert "Bash(curl:*)" in s["permissions"]["deny"] and "Read(~/.ssh/**)" in s["permissions"]["deny"]
    assert s["sandbox"]["enabled"] is True and s["sandbox"]["allowUnsandboxedCommands"] is False
    assert s["sandbox"]["failIfUnavailable"] is True and "~/.ssh" in s["sandbox"]["filesystem"]["denyRead"]
    assert s["enableAllProjectMcpServers"] is False
    pre = s["hooks"]["PreToolUse"]
    assert pre[0]["hooks"][0]["command"] == "/usr/local/bin/mine"
    ours = pre[1]
    assert ours["matcher"] == "*" and ours["hooks"][0]["onFailure"] == "block"
    assert ours["hooks"][0]["command"].split()[0].startswith("/")
    assert s["hooks"]["PostToolUse"][0]["matcher"] == "WebFetch|Read|Bash"
    assert "UserPromptSubmit" in s["hooks"]


def test_second_run_changes_nothing(world):
    assert init(world, "--project", "--yes").returncode == 0
    before = open(os.path.join(world.project, ".claude", "settings.json")).read()
    p = init(world, "--project", "--yes")
    assert p.returncode == 0 and "nothing to do" in p.stderr and p.stdout == ""
    assert open(os.path.join(world.project, ".claude", "settings.json")).read() == before


def test_dry_run_and_no_terminal_show_the_diff_and_write_nothing(world):
    path = os.path.join(world.project, ".claude", "settings.json")
    p = init(world, "--project", "--dry-run")
    assert p.returncode == 1 and "+++" in p.stdout and not os.path.exists(path)
    p = init(world, "--project")  # stdin is not a terminal and no --yes
    assert p.returncode == 1 and "--yes" in p.stderr and not os.path.exists(path)


def test_user_settings_and_profile(world):
    p = init(world, "--user", "--yes", "--profile", "autonomous")
    assert p.returncode == 0, p.stderr
    with open(os.path.join(world.home, ".claude", "settings.json")) as f:
        s = json.load(f)
    assert "Bash(sudo *)" in s["permissions"]["deny"]
    assert s["hooks"]["PreToolUse"][0]["hooks"][0]["command"].endswith("hook --profile autonomous")


def test_unparseable_settings_are_not_overwritten(world):
    path = world.write(".claude/settings.json", "{broken")
    p = init(world, "--project", "--yes")
    assert p.returncode == 2 and path in p.stderr
    assert open(path).read() == "{broken"


def test_the_written_hook_runs_and_denies(world):
    assert init(world, "--project", "--yes").returncode == 0
    command = settings(world)["hooks"]["PreToolUse"][-1]["hooks"][0]["command"]
    event = {"hook_event_name": "PreToolUse", "cwd": world.project, "tool_name": "Bash",
             "tool_input": {"command": "cat ~/.aws/credentials"}}
    env = {"PATH": "/usr/bin:/bin", "HOME": world.home}
    p = subprocess.run(["bash", "-c", command], input=json.dumps(event), capture_output=True, text=True, env=env)
    assert p.returncode == 0 and json.loads(p.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    event["tool_input"] = {"command": "ls"}
    p = subprocess.run(["bash", "-c", command], input=json.dumps(event), capture_output=True, text=True, env=env)
    assert p.returncode == 0 and p.stdout == ""


def test_check_exit_codes(world):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": world.home}
    run = lambda *a: subprocess.run([RINGFENCE, "check", *a, "--cwd", world.project], capture_output=True,
                                    text=True, env=env, timeout=60)
    denied = run("rm -rf ~", "--json")
    assert denied.returncode == 1 and json.loads(denied.stdout)["verdict"] == "deny"
    assert run("ls -la").returncode == 0
    asked = run("sudo ls", "--json")
    assert asked.returncode == 1 and json.loads(asked.stdout)["verdict"] == "ask"
    assert run("--tool", "Read", f"{world.home}/.ssh/id_rsa").returncode == 1
    bad = run()
    assert bad.returncode == 2 and bad.stderr.startswith("ringfence:")
