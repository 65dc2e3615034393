"""Run the real Claude Code binary against the scripted fake API, where it can damage nothing.

``run_claude`` starts ``claude -p go --output-format json`` with a temporary HOME whose
``~/.claude/settings.json`` allows the scripted tools, an environment built from scratch (no real
API key, no telemetry, no updater), and ANTHROPIC_BASE_URL pointing at a ``FakeAnthropic``.

By default the whole client runs in a throwaway bubblewrap jail (``jail_argv``): the host is
read-only, /root, /home and /tmp are empty tmpfs, only the temporary HOME, project and extra
``binds`` are writable, and the network is a namespace of its own whose only way out is a socat
bridge from 127.0.0.1:<port> to the fake server's Unix socket. A harmful call that gets through
therefore hits nothing real, on disk or on the network. ``wrapper`` (e.g. ``ringfence run ...``)
is put in front of the ``claude`` argv; a test that relies on the wrapper for confinement passes
``jail=False`` so the client reaches the fake server over real loopback.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_anthropic import FakeAnthropic, Turn

DEFAULT_ALLOW = ["Bash", "Read", "Edit", "Write"]
RUN_TIMEOUT_S = 240
JAIL_MAX_FILE_KB = 128 * 1024  # no single file over 128 MiB from inside the jail
JAIL_UID = 1000  # the client's uid inside the jail (the caller's own uid outside)


@dataclass(frozen=True)
class ClaudeRun:
    """Everything one run left behind: its JSON result, exit status, stderr and the fake server."""

    result: dict[str, Any]
    returncode: int
    stderr: str
    server: FakeAnthropic

    def denied_ids(self) -> set[str]:
        return {d.get("tool_use_id", "") for d in self.result.get("permission_denials", [])}


class ClaudeRunError(AssertionError):
    """The client did not produce a JSON result: the message carries its stderr and the server log.

    ``server`` is the fake API it talked to (None if it never started), to see how far it got.
    """

    def __init__(self, message: str, server: FakeAnthropic | None = None):
        super().__init__(message)
        self.server = server


def write_user_settings(home: Path, settings: dict[str, Any]) -> Path:
    path = home / ".claude" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def make_home(home: Path, settings: dict[str, Any] | None = None) -> Path:
    """A temporary HOME whose user settings let the scripted calls run without prompting."""
    home.mkdir(parents=True, exist_ok=True)
    write_user_settings(home, settings if settings is not None else {"permissions": {"allow": DEFAULT_ALLOW}})
    return home


def agent_env(home: Path, base_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The client's whole environment: nothing is inherited but PATH."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "fake",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "BASH_DEFAULT_TIMEOUT_MS": "20000",
        "BASH_MAX_TIMEOUT_MS": "20000",
        "CLAUDE_CODE_DISABLE_BACKGROUND_TASKS": "1",  # else a timed-out call is waited for in the background
    }
    env.update(extra or {})
    return env


def _runtime_dirs() -> list[Path]:
    """What ringfence itself needs inside the jail (its hook and `run` execute there): the
    Python installation, the virtual environment and the source tree, wherever the
    checkout lives (CI may clone it under /tmp, which the jail empties)."""
    import ringfence
    repo = Path(ringfence.__file__).resolve().parents[2]
    dirs = {Path(os.path.realpath(sys.base_prefix)), Path(os.path.realpath(sys.prefix)), repo}
    return sorted(dirs)


def jail_argv(*, binds: Sequence[Path], ro_binds: Sequence[Path], socket_path: str, port: int,
              cwd: Path) -> list[str]:
    """bwrap prefix: read-only host, empty /root /home /tmp, own network with a bridge to the API.

    The client runs as an ordinary uid (JAIL_UID) in a user namespace of its own, without any
    capability, so it cannot remount the read-only host, write /proc/sysrq-trigger or sysctl, and
    a sandbox of its own (Claude Code's bubblewrap) can still nest inside. ``binds`` are writable;
    ``ro_binds`` come after them so a read-only file inside a writable directory stays read-only.
    """
    bwrap, socat, bash = shutil.which("bwrap"), shutil.which("socat"), shutil.which("bash")
    missing = [n for n, p in (("bwrap", bwrap), ("socat", socat), ("bash", bash)) if p is None]
    if missing:
        raise ClaudeRunError(f"{', '.join(missing)} not on PATH: the agent jail cannot be built; "
                             "fix: `make system` installs bubblewrap and socat")
    argv = [str(bwrap), "--ro-bind", "/", "/", "--tmpfs", "/root", "--tmpfs", "/home", "--tmpfs", "/tmp",
            "--tmpfs", "/var/tmp", "--dev", "/dev", "--proc", "/proc",
            "--unshare-user", "--uid", str(JAIL_UID), "--gid", str(JAIL_UID),
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--cap-drop", "ALL", "--new-session", "--die-with-parent"]
    for path in binds:
        argv += ["--bind", str(path), str(path)]
    sock_dir = os.path.dirname(socket_path)
    for path in [*ro_binds, sock_dir]:
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--chdir", str(cwd)]
    # Inside: cap file sizes, bridge 127.0.0.1:port to the fake server's socket, wait until it
    # listens, then exec the client.
    bridge = (f'ulimit -f {JAIL_MAX_FILE_KB}; '
              f'{socat} TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:{socket_path} & '
              f'for _ in $(seq 250); do (: </dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.02; done; '
              'exec "$@"')
    return argv + [str(bash), "-c", bridge, "rf-agent-jail"]


def run_claude(exe: Path, script: list[Turn], cwd: Path, home: Path, extra_args: Sequence[str] = (),
               wrapper: Sequence[str] | None = None, *, jail: bool = True, binds: Sequence[Path] = (),
               ro_binds: Sequence[Path] = (), env: dict[str, str] | None = None,
               timeout: float = RUN_TIMEOUT_S) -> ClaudeRun:
    """Play ``script`` to ``claude -p go --output-format json`` run in ``cwd`` with ``home``.

    ``wrapper``: an argv prefix; ``{port}`` in it becomes the fake API's port (for example
    ``["ringfence", "run", "--allow-domain", "127.0.0.1:{port}", "--"]``). ``binds``/``ro_binds``:
    more paths the jailed client may write/read; ``env``: added to its environment.
    Raises ClaudeRunError when the client ends without a JSON result.
    """
    sock_dir = tempfile.mkdtemp(prefix="rf-api-")  # short: AF_UNIX paths are limited to 108 bytes
    try:
        with FakeAnthropic(script, unix_path=os.path.join(sock_dir, "api.sock") if jail else None) as server:
            claude = [str(exe), "-p", "go", "--output-format", "json", "--max-turns", str(len(script) + 5),
                      *extra_args]
            argv = [*(w.replace("{port}", str(server.port)) for w in wrapper or ()), *claude]
            if jail:
                assert server.unix_path is not None
                # The binary and this Python (hooks run ringfence) may live under the hidden /root.
                argv = jail_argv(binds=[home, cwd, *binds], ro_binds=[exe.parent, *_runtime_dirs(), *ro_binds],
                                 socket_path=server.unix_path, port=server.port, cwd=cwd) + argv
            proc = subprocess.Popen(argv, cwd=cwd, env=agent_env(home, server.url, env), text=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, nothing else
                out, err = proc.communicate()
                raise ClaudeRunError(f"claude did not finish within {timeout} s\n{_diagnose(server, out, err)}",
                                     server)
            try:
                result = json.loads(out)
            except ValueError:
                raise ClaudeRunError(f"claude exited {proc.returncode} without a JSON result\n"
                                     f"{_diagnose(server, out, err)}", server) from None
            if not isinstance(result, dict):
                raise ClaudeRunError(f"claude printed JSON that is not an object\n{_diagnose(server, out, err)}",
                                     server)
            return ClaudeRun(result, proc.returncode, err, server)
    finally:
        shutil.rmtree(sock_dir, ignore_errors=True)


def _diagnose(server: FakeAnthropic, out: str, err: str) -> str:
    log = "\n".join(f"  {r.method} {r.path} {r.kind} turn={r.turn}" for r in server.requests) or "  (none)"
    return f"stdout: {out[-2000:]!r}\nstderr: {err[-2000:]!r}\nrequests the fake API saw:\n{log}"
