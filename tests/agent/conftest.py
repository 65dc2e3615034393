"""Fixtures for the tests that drive the real Claude Code binary.

``claude_exe`` installs the pinned binary once (see claude_bin.py); when that fails the test
fails with npm's reason, unless RINGFENCE_SKIP_AGENT=1. ``agent_home`` is a temporary HOME whose
user settings allow Bash/Read/Edit/Write, ``agent_project`` an empty project directory, and
``run_claude(script, cwd, home, extra_args=(), wrapper=None, **options) -> (result, server)``
runs ``claude -p go --output-format json`` in the throwaway jail (claude_harness.py).
``loopback_decoy`` is a TCP listener on host loopback that counts the connections reaching it.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import claude_bin
import claude_harness
from fake_anthropic import FakeAnthropic, Turn


@pytest.fixture(scope="session")
def claude_exe() -> Path:
    if claude_bin.skip_requested():
        pytest.skip(f"{claude_bin.SKIP_ENV} is set: the real Claude Code binary is not used")
    try:
        return claude_bin.ensure_claude()
    except claude_bin.ClaudeUnavailable as e:
        pytest.fail(f"ringfence: the Claude Code binary is needed and could not be installed: {e}", pytrace=False)


@pytest.fixture
def agent_home(tmp_path: Path) -> Path:
    return claude_harness.make_home(tmp_path / "home")


@pytest.fixture
def agent_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    return project


RunClaude = Callable[..., tuple[dict[str, Any], FakeAnthropic]]


@pytest.fixture
def run_claude(claude_exe: Path) -> RunClaude:
    def run(script: list[Turn], cwd: Path, home: Path, extra_args: Sequence[str] = (),
            wrapper: Sequence[str] | None = None, **options: Any) -> tuple[dict[str, Any], FakeAnthropic]:
        done = claude_harness.run_claude(claude_exe, script, cwd, home, extra_args, wrapper, **options)
        return done.result, done.server
    return run


class LoopbackDecoy:
    """A TCP listener on 127.0.0.1 (random port) that counts connections and closes them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def loopback_decoy() -> Iterator[LoopbackDecoy]:
    decoy = LoopbackDecoy()
    yield decoy
    decoy.close()
