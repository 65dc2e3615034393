"""What the report says about the machine: kernel, distribution, kernel features, tool versions."""
from __future__ import annotations

import os
import platform
import shutil
import subprocess

TOOLS = (("bwrap", "--version"), ("curl", "--version"), ("git", "--version"), ("socat", "-V"),
         ("python3", "--version"), ("node", "--version"), ("perl", "-v"), ("tar", "--version"))


def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return "not runnable"
    for line in (out.stdout + out.stderr).splitlines():
        if line.strip():
            return line.strip()[:120]
    return "?"


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "absent"


def machine_info() -> dict[str, object]:
    distro = "?"
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            distro = line.split("=", 1)[1].strip('"')
    try:
        from ringfence.sandbox.inner import landlock_abi
        abi = landlock_abi()
    except Exception:  # noqa: BLE001 - a report field, never fatal
        abi = -1
    tools = {}
    for tool, flag in TOOLS:
        path = shutil.which(tool)
        tools[tool] = _first_line([path, flag]) if path else "not installed"
    return {
        "hostname": platform.node(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "distro": distro,
        "cpus": os.cpu_count(),
        "landlock_abi": abi,
        "user": "root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
        "sysctl": {k: _read(f"/proc/sys/{k}") for k in (
            "kernel/unprivileged_userns_clone", "user/max_user_namespaces", "kernel/io_uring_disabled",
            "kernel/unprivileged_bpf_disabled", "dev/tty/legacy_tiocsti", "kernel/yama/ptrace_scope")},
        "tools": tools,
    }
