"""ringfence audit over settings layers written into a temporary HOME, and over the real host."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.audit.checks import check_host, check_settings, score
from ringfence.audit.command import main
from ringfence.audit.host import HostFacts, probe
from ringfence.audit.setup import read_setup
from ringfence.guard.init import BASH_DENY, hook_command
from ringfence.policy.defaults import CREDENTIAL_PATHS

ENTRY = {"type": "command", "command": f"{os.path.dirname(sys.executable)}/ringfence hook", "timeout": 30,
         "onFailure": "block"}

HARDENED = {
    "sandbox": {"enabled": True, "allowUnsandboxedCommands": False, "failIfUnavailable": True,
                "filesystem": {"denyRead": list(CREDENTIAL_PATHS)},
                "network": {"allowedDomains": ["pypi.org"]}},
    "permissions": {"deny": list(BASH_DENY), "disableBypassPermissionsMode": "disable"},
    "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [ENTRY]}]},
}


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A temporary HOME, project and managed dir; write(rel_to_tmp, json) creates files."""
    home, project, managed = tmp_path / "home", tmp_path / "project", tmp_path / "managed"
    for d in (home, project, managed):
        d.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)

    class Env:
        def __init__(self):
            self.home, self.project, self.managed = home, project, managed
            self.user = home / ".claude" / "settings.json"

        def write(self, path: Path, data) -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
            return path

        def checks(self):
            setup = read_setup(str(home), str(project), str(managed))
            return {c.id: c for c in check_settings(setup, ENTRY, BASH_DENY)}

        def audit(self, *args: str) -> int:
            return main(["--home", str(home), "--project", str(project), "--managed-dir", str(managed), *args])
    return Env()


def test_empty_setup_has_every_settings_gap(env):
    checks = env.checks()
    gaps = {i for i, c in checks.items() if not c.passed}
    assert gaps == {"sandbox-enabled", "sandbox-no-escape", "sandbox-fail-closed", "credentials-unreadable",
                    "destructive-denied", "guard-hook", "network-minimal", "bypass-disabled"}
    assert score(list(checks.values())) < 40


def test_hardened_user_settings_pass(env):
    env.write(env.user, HARDENED)
    checks = env.checks()
    assert all(c.passed for c in checks.values()), [c for c in checks.values() if not c.passed]
    assert score(list(checks.values())) == 100
    assert str(env.user) in checks["sandbox-enabled"].detail


def test_project_and_local_layers_override_and_are_named(env):
    env.write(env.user, HARDENED)
    project = env.write(env.project / ".claude" / "settings.json", {"sandbox": {"enabled": False}})
    local = env.write(env.project / ".claude" / "settings.local.json",
                      {"permissions": {"defaultMode": "bypassPermissions"}, "disableAllHooks": True})
    checks = env.checks()
    assert not checks["sandbox-enabled"].passed and str(project) in checks["sandbox-enabled"].detail
    assert not checks["guard-hook"].passed and str(local) in checks["guard-hook"].detail
    assert checks["bypass-disabled"].passed  # the lock in user settings still holds


def test_managed_layer_wins(env):
    env.write(env.user, HARDENED)
    env.write(env.managed / "managed-settings.json", {"sandbox": {"allowUnsandboxedCommands": True}})
    assert not env.checks()["sandbox-no-escape"].passed


def test_partial_coverage_and_broader_rules(env):
    env.write(env.user, {"sandbox": {"filesystem": {"denyRead": ["~/.ssh", "~/.aws"]}},
                         "permissions": {"deny": ["Bash(rm *)", "Bash(git push *)", "Bash(terraform *)",
                                                  "Bash(mkfs*)", "Bash(dd:*)", "Bash(curl *)", "Bash(wget *)"]}})
    checks = env.checks()
    c = checks["credentials-unreadable"]
    assert not c.passed and "~/.ssh" not in c.patch["sandbox"]["filesystem"]["denyRead"]
    assert "~/.gnupg" in c.patch["sandbox"]["filesystem"]["denyRead"]
    d = checks["destructive-denied"]
    assert not d.passed and d.patch == {"permissions": {"deny": ["Bash(dangerouslyDisableSandbox:true)"]}}


def test_hook_variants(env):
    env.write(env.user, {"hooks": {"PreToolUse": [{"matcher": "Edit|Write", "hooks": [ENTRY]}]}})
    assert not env.checks()["guard-hook"].passed  # does not cover Bash
    env.write(env.user, {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "/nonexistent/bin/ringfence hook"}]}]}})
    c = env.checks()["guard-hook"]
    assert not c.passed and "missing" in c.detail
    env.write(env.user, {"hooks": {"PreToolUse": [{"hooks": [
        {"type": "command", "command": f"{sys.executable} -m ringfence hook --profile strict"}]}]}})
    assert env.checks()["guard-hook"].passed
    # the lean start-up `ringfence init` writes; and the same with its script gone
    lean = hook_command("strict")
    env.write(env.user, {"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": lean}]}]}})
    assert env.checks()["guard-hook"].passed
    moved = lean.replace("/ringfence/guard/hookstart.py", "/gone/ringfence/guard/hookstart.py")
    env.write(env.user, {"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": moved}]}]}})
    c = env.checks()["guard-hook"]
    assert not c.passed and "missing" in c.detail


def test_claude_json_mcp_and_trust(env):
    env.write(env.home / ".claude.json", {
        "projects": {str(env.home): {"hasTrustDialogAccepted": True},
                     str(env.project): {"hasTrustDialogAccepted": True, "enabledMcpjsonServers": ["evil"],
                                        "enableAllProjectMcpServers": True}}})
    checks = env.checks()
    assert not checks["trust-narrow"].passed and str(env.home) in checks["trust-narrow"].detail
    assert not checks["mcp-none-preapproved"].passed and "evil" in checks["mcp-none-preapproved"].detail
    assert not checks["mcp-not-all"].passed
    # positive control: trusting only the project is fine
    env.write(env.home / ".claude.json", {"projects": {str(env.project): {"hasTrustDialogAccepted": True}}})
    checks = env.checks()
    assert checks["trust-narrow"].passed and checks["mcp-none-preapproved"].passed and checks["mcp-not-all"].passed


def test_network_allowlist(env):
    env.write(env.user, {"sandbox": {"network": {"allowedDomains": ["pypi.org", "*"]}}})
    c = env.checks()["network-minimal"]
    assert not c.passed and c.patch is None
    env.write(env.user, {"sandbox": {"network": {"allowedDomains": ["*.com"]}}})
    assert not env.checks()["network-minimal"].passed
    env.write(env.user, {"sandbox": {"network": {"allowedDomains": ["*.github.com", "pypi.org"]}}})
    assert env.checks()["network-minimal"].passed


def test_invalid_settings_file_is_a_gap_and_fix_refuses(env, capsys):
    env.write(env.user, '{"sandbox": {"enabled": true,,}')
    checks = env.checks()
    assert not checks["settings-valid"].passed and str(env.user) in checks["settings-valid"].detail
    from ringfence.errors import PolicyError
    with pytest.raises(PolicyError, match="settings.json"):
        env.audit("--settings-only", "--fix", "--yes")
    assert env.user.read_text() == '{"sandbox": {"enabled": true,,}'


def test_fix_is_atomic_idempotent_and_keeps_user_keys(env, capsys):
    env.write(env.user, {"model": "opus", "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(.env)"]}})
    os.chmod(env.user, 0o640)
    assert env.audit("--settings-only", "--fix", "--yes") == 0
    out = capsys.readouterr()
    assert out.out.startswith("---") and "+    \"enabled\": true" in out.out and "score 100/100" in out.out
    data = json.loads(env.user.read_text())
    assert data["model"] == "opus" and data["permissions"]["allow"] == ["Bash(npm test)"]
    assert data["permissions"]["deny"][0] == "Read(.env)"
    assert stat.S_IMODE(env.user.stat().st_mode) == 0o640
    before = env.user.read_bytes()
    assert env.audit("--settings-only", "--fix", "--yes") == 0
    assert "nothing to change" in capsys.readouterr().err
    assert env.user.read_bytes() == before
    assert sorted(os.listdir(env.user.parent)) == ["settings.json"]


def test_fix_cannot_beat_a_higher_layer_and_says_so(env, capsys):
    env.write(env.project / ".claude" / "settings.json", {"sandbox": {"enabled": False}})
    assert env.audit("--settings-only", "--fix", "--yes", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    gaps = [c for c in report["checks"] if c["status"] == "gap"]
    assert [c["id"] for c in gaps] == ["sandbox-enabled"]
    assert ".claude/settings.json" in gaps[0]["detail"] and "project" in gaps[0]["detail"]
    assert env.audit("--settings-only", "--fix", "--yes", "--json") == 1
    assert "nothing to change" in capsys.readouterr().err


def test_cli_fix_without_terminal_does_not_write(env):
    r = subprocess.run([sys.executable, "-m", "ringfence", "audit", "--settings-only", "--fix",
                        "--project", str(env.project)], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       env={**os.environ, "HOME": str(env.home)}, timeout=120)
    assert r.returncode == 1 and "Re-run with --yes" in r.stderr and r.stdout.startswith("--- /dev/null")
    assert not env.user.exists()
    r = subprocess.run([sys.executable, "-m", "ringfence", "audit", "--json", "--project", str(env.project)],
                       capture_output=True, text=True, env={**os.environ, "HOME": str(env.home)}, timeout=120)
    report = json.loads(r.stdout)
    assert r.returncode == 1 and 0 <= report["score"] < 100 and report["user_settings"] == str(env.user)
    assert {"bubblewrap", "landlock", "not-root", "container-socket"} <= {c["id"] for c in report["checks"]}
    r = subprocess.run([sys.executable, "-m", "ringfence", "audit", "--project", "/nonexistent"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("ringfence:") and "Traceback" not in r.stderr


def test_real_host_probe():
    facts = probe(os.path.expanduser("~"))
    checks = {c.id: c for c in check_host(facts)}
    assert checks["not-root"].passed == (os.geteuid() != 0)
    if facts.bwrap_path:
        assert facts.bwrap_version and checks["bubblewrap"].passed == (facts.bwrap_version >= (0, 5, 0))
    if os.path.exists("/sys/kernel/security/landlock"):
        assert facts.landlock_abi >= 1 and checks["landlock"].passed


def test_exposed_socket_detected_with_positive_control(tmp_path):
    path = tmp_path / "docker.sock"
    assert probe(str(tmp_path), env={"DOCKER_HOST": f"unix://{path}"}).exposed_sockets == ()  # nothing there yet
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    try:
        facts = probe(str(tmp_path), env={"DOCKER_HOST": f"unix://{path}"})
        assert str(path) in facts.exposed_sockets
        assert not {c.id: c for c in check_host(facts)}["container-socket"].passed
    finally:
        srv.close()


def test_host_checks_pure():
    good = HostFacts(bwrap_path="/usr/bin/bwrap", bwrap_version=(0, 8, 0), userns=True, landlock_abi=4,
                     seccomp=True, exposed_sockets=(), euid=1000)
    assert all(c.passed for c in check_host(good))
    bad = HostFacts(bwrap_path=None, userns=False, userns_detail="kernel.unprivileged_userns_clone = 0",
                    landlock_abi=0, seccomp=False, exposed_sockets=("/run/docker.sock",), euid=0)
    assert not any(c.passed for c in check_host(bad))
    old = HostFacts(bwrap_path="/usr/bin/bwrap", bwrap_version=(0, 4, 0), userns=True, landlock_abi=1,
                    seccomp=True, euid=1000)
    assert not {c.id: c for c in check_host(old)}["bubblewrap"].passed


def test_mcp_servers_pinned(env):
    env.write(env.home / ".claude.json", {
        "mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}},
        "projects": {str(env.project): {"mcpServers": {"ok": {"command": "npx", "args": ["-y", "pkg@1.2.3"]}}}}})
    env.write(env.project / ".mcp.json", {"mcpServers": {"latest": {"command": "uvx", "args": ["tool"]}}})
    c = env.checks()["mcp-pinned"]
    assert not c.passed and "fs runs" in c.detail and "latest runs" in c.detail and "ok runs" not in c.detail
    env.write(env.home / ".claude.json", {"mcpServers": {"http": {"type": "http", "url": "https://x"}}})
    (env.project / ".mcp.json").unlink()
    assert env.checks()["mcp-pinned"].passed


def test_broken_claude_json_is_reported(env):
    env.write(env.home / ".claude.json", "{not json")
    c = env.checks()["settings-valid"]
    assert not c.passed and ".claude.json" in c.detail
