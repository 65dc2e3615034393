"""Probes of the host the agents run on: bubblewrap, user namespaces, Landlock, seccomp,
exposed container sockets, root. Only this module of ``audit`` touches the kernel; the
checks judge the HostFacts it returns.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HostFacts:
    bwrap_path: str | None = None
    bwrap_version: tuple[int, ...] | None = None
    userns: bool = False
    userns_detail: str = ""
    landlock_abi: int = 0
    seccomp: bool = False
    exposed_sockets: tuple[str, ...] = field(default_factory=tuple)
    euid: int = 0


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(4096).strip()
    except OSError:
        return None


def _bwrap() -> tuple[str | None, tuple[int, ...] | None]:
    path = shutil.which("bwrap")
    if not path:
        return None, None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return path, None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return path, tuple(int(x) for x in m.groups(default="0")) if m else None


def _userns() -> tuple[bool, str]:
    clone = _read("/proc/sys/kernel/unprivileged_userns_clone")
    if clone is not None and clone != "1":
        return False, "kernel.unprivileged_userns_clone = 0"
    maximum = _read("/proc/sys/user/max_user_namespaces")
    if maximum is not None and maximum.isdigit() and int(maximum) == 0:
        return False, "user.max_user_namespaces = 0"
    apparmor = _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
    if apparmor == "1":
        return False, "kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu's AppArmor restriction)"
    if not os.path.exists("/proc/self/ns/user"):
        return False, "the kernel has no user namespaces"
    return True, f"max_user_namespaces = {maximum}" if maximum else "available"


def _landlock_abi() -> int:
    try:
        from ringfence.sandbox.inner import landlock_abi
    except ImportError:  # the sandbox package without its probe: ask the kernel directly
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        res = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
        return max(res, 0)
    return landlock_abi()


def _seccomp() -> bool:
    status = _read("/proc/self/status") or ""
    return bool(re.search(r"^Seccomp:\s*\d", status, re.M))


def _sockets(home: str, env: dict) -> tuple[str, ...]:
    candidates = ["/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock",
                  "/run/containerd/containerd.sock", os.path.join(home, ".docker", "run", "docker.sock")]
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime:
        candidates += [os.path.join(runtime, "docker.sock"), os.path.join(runtime, "podman", "podman.sock")]
    docker_host = env.get("DOCKER_HOST", "")
    if docker_host.startswith("unix://"):
        candidates.append(docker_host[len("unix://"):])
    exposed = []
    for path in dict.fromkeys(candidates):
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode) and os.access(path, os.R_OK | os.W_OK):
                exposed.append(path)
        except OSError:
            continue
    return tuple(sorted(set(os.path.realpath(p) for p in exposed)))


def probe(home: str, env: dict | None = None) -> HostFacts:
    env = dict(os.environ) if env is None else env
    path, version = _bwrap()
    userns, detail = _userns()
    return HostFacts(bwrap_path=path, bwrap_version=version, userns=userns, userns_detail=detail,
                     landlock_abi=_landlock_abi(), seccomp=_seccomp(), exposed_sockets=_sockets(home, env),
                     euid=os.geteuid())
