"""Kernel and tool probes: what `ringfence doctor` reports and `run` relies on.

Each check returns a Check(name, ok, detail, fix, required). A required check that
fails means `ringfence run` refuses to start (fail closed) with the same fix.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def check_bwrap() -> Check:
    path = shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)
    if not path:
        return Check("bubblewrap", False, "not installed", "apt-get install bubblewrap")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("bubblewrap", False, f"{path} does not run: {e}", "reinstall bubblewrap")
    ver = out.split()[-1] if out else "?"
    try:
        parts = tuple(int(x) for x in ver.split(".")[:2])
    except ValueError:
        parts = (0, 0)
    ok = parts >= (0, 8)
    st = os.stat(path)
    setuid = bool(st.st_mode & 0o4000)
    detail = f"{path} {ver}" + (" (setuid)" if setuid else "")
    return Check("bubblewrap", ok, detail, "" if ok else "bubblewrap >= 0.8 is needed (--disable-userns)")


def check_userns() -> Check:
    bw = shutil.which("bwrap") or "/usr/bin/bwrap"
    try:
        r = subprocess.run([bw, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                            "--unshare-uts", "--disable-userns", "--ro-bind", "/", "/", "--proc", "/proc",
                            "--dev", "/dev", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("namespaces", False, str(e), "install bubblewrap")
    if r.returncode == 0:
        return Check("namespaces", True, "user, pid, net, ipc, uts namespaces and --disable-userns work")
    fix = "sysctl -w kernel.unprivileged_userns_clone=1"
    if _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        fix = "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile for bwrap)"
    return Check("namespaces", False, r.stderr.strip() or f"bwrap exit {r.returncode}", fix)


def check_landlock() -> Check:
    from ringfence.sandbox.inner import landlock_abi
    abi = landlock_abi()
    if abi >= 1:
        return Check("landlock", True, f"ABI {abi}")
    return Check("landlock", False, "not available",
                 "a kernel >= 5.13 with CONFIG_SECURITY_LANDLOCK=y and 'landlock' in the lsm= boot parameter")


def check_seccomp() -> Check:
    acts = _read("/proc/sys/kernel/seccomp/actions_avail") or ""
    ok = "errno" in acts and "kill_process" in acts
    arch = platform.machine()
    if arch not in ("x86_64", "aarch64"):
        return Check("seccomp", False, f"architecture {arch} has no filter", "x86_64 or aarch64 only")
    return Check("seccomp", ok, f"{arch}; actions: {acts or 'unknown'}",
                 "" if ok else "a kernel with CONFIG_SECCOMP_FILTER=y")


def check_tiocsti() -> Check:
    v = _read("/proc/sys/dev/tty/legacy_tiocsti")
    detail = {"1": "TIOCSTI enabled in the kernel: ringfence blocks it with seccomp",
              "0": "TIOCSTI disabled by the kernel", None: "no legacy_tiocsti sysctl (older kernel): blocked by seccomp"}.get(v, v)
    return Check("terminal injection", True, detail, required=False)


def check_socat() -> Check:
    p = shutil.which("socat")
    return Check("socat", bool(p), p or "not installed", "" if p else "apt-get install socat (git over ssh through the proxy)",
                 required=False)


def check_inner() -> Check:
    from ringfence.sandbox.launch import INNER_BIN, inner_argv
    if inner_argv() == [INNER_BIN]:
        return Check("inner stage", True, f"compiled ({INNER_BIN})", required=False)
    why = "older than inner.c" if os.path.exists(INNER_BIN) else "not built"
    return Check("inner stage", False, f"Python (the compiled one is {why}): ~20 ms more per start",
                 "run `make inner` in ringfence's source tree (needs gcc)", required=False)


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, sys.version.split()[0], "" if ok else "Python >= 3.11")


def all_checks() -> list[Check]:
    return [check_python(), check_bwrap(), check_userns(), check_landlock(), check_seccomp(), check_inner(),
            check_tiocsti(), check_socat()]


def doctor(as_json: bool = False) -> int:
    checks = all_checks()
    bad = [c for c in checks if c.required and not c.ok]
    if as_json:
        print(json.dumps({"ok": not bad, "kernel": platform.release(), "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table(title=f"ringfence doctor — kernel {platform.release()}")
        for col in ("check", "status", "detail", "fix"):
            t.add_column(col)
        for c in checks:
            status = "[green]ok[/]" if c.ok else ("[red]MISSING[/]" if c.required else "[yellow]optional[/]")
            t.add_row(c.name, status, c.detail, c.fix)
        Console().print(t)
        if bad:
            print("ringfence: `ringfence run` will refuse to start until the checks marked MISSING are fixed",
                  file=sys.stderr)
    return 3 if bad else 0
