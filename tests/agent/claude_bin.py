"""Install the real Claude Code binary once, outside the repository, and say where it is.

The native build (npm package ``@anthropic-ai/claude-code-linux-x64``, pinned below) goes into
``$XDG_CACHE_HOME/ringfence-test/claude-code-<version>/`` (default ``~/.cache/ringfence-test``),
which survives between runs. A file lock keeps two pytest-xdist workers (or a bench and a test
run) from installing at the same time; a stamp file written last means a half-finished install is
never trusted. When npm cannot install it, ``ClaudeUnavailable`` says why and how to fix it: the
agent tests then fail, they are not skipped, unless RINGFENCE_SKIP_AGENT=1 is set.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PACKAGE = "@anthropic-ai/claude-code-linux-x64"
VERSION = "2.1.332"
SKIP_ENV = "RINGFENCE_SKIP_AGENT"
INSTALL_TIMEOUT_S = 600


class ClaudeUnavailable(RuntimeError):
    """The pinned Claude Code binary is not installed and could not be installed."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ringfence-test"


def install_dir(version: str = VERSION) -> Path:
    return cache_dir() / f"claude-code-{version}"


def binary_path(version: str = VERSION) -> Path:
    return install_dir(version) / "node_modules" / PACKAGE / "claude"


def skip_requested() -> bool:
    return os.environ.get(SKIP_ENV, "") not in ("", "0")


def ensure_claude(version: str = VERSION) -> Path:
    """Return the path of the pinned ``claude`` executable, installing it first if needed."""
    exe, prefix = binary_path(version), install_dir(version)
    stamp = prefix / ".installed"
    if stamp.is_file() and os.access(exe, os.X_OK):
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise ClaudeUnavailable(
            f"npm is not on PATH, so {PACKAGE}@{version} cannot be installed; "
            f"fix: install nodejs and npm (`make system`), or set {SKIP_ENV}=1 to skip the agent tests")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / f"claude-code-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if stamp.is_file() and os.access(exe, os.X_OK):
            return exe  # another worker installed it while we waited
        cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--ignore-scripts",
               "--loglevel=error", f"{PACKAGE}@{version}"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ClaudeUnavailable(
                f"`{' '.join(cmd)}` took more than {INSTALL_TIMEOUT_S} s; fix: check access to the npm "
                f"registry, or set {SKIP_ENV}=1 to skip the agent tests") from None
        if proc.returncode != 0 or not os.access(exe, os.X_OK):
            head = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()][:4]
            raise ClaudeUnavailable(
                f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {' | '.join(head) or 'no output'}; "
                f"fix: check access to the npm registry, or set {SKIP_ENV}=1 to skip the agent tests")
        stamp.write_text(version + "\n")
    return exe


def claude_version(exe: Path) -> str:
    """What the binary says it is, e.g. ``2.1.332 (Claude Code)``."""
    with tempfile.TemporaryDirectory(prefix="rf-claude-home-") as home:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60,
                             env={"PATH": os.environ.get("PATH", ""), "HOME": home,
                                  "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1"})
    return out.stdout.strip()
