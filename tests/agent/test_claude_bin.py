"""Installing the pinned Claude Code binary: reuse of a finished install, clear failures otherwise."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import claude_bin


def test_a_finished_install_is_reused_without_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    exe = claude_bin.binary_path()
    assert exe.is_relative_to(tmp_path / "cache" / "ringfence-test")
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    with pytest.raises(claude_bin.ClaudeUnavailable):  # no stamp: a half-finished install is not trusted
        claude_bin.ensure_claude()
    (claude_bin.install_dir() / ".installed").write_text(claude_bin.VERSION + "\n")
    assert claude_bin.ensure_claude() == exe


def test_missing_npm_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(claude_bin.ClaudeUnavailable, match="npm is not on PATH") as info:
        claude_bin.ensure_claude()
    assert claude_bin.SKIP_ENV in str(info.value)


def test_failed_npm_install_carries_npm_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if not any(os.access(os.path.join(d, "npm"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
        pytest.fail("npm is needed for the agent tests: `make system` installs it")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))  # nothing cached to fall back on
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:1/")  # a closed loopback port
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(claude_bin.ClaudeUnavailable, match="ECONNREFUSED") as info:
        claude_bin.ensure_claude()
    assert "npm registry" in str(info.value) and claude_bin.SKIP_ENV in str(info.value)
    assert not (claude_bin.install_dir() / ".installed").exists()
