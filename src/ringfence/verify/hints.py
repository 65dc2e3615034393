"""Which layer a held probe's own error points at (pure; the re-runs confirm it).

Each layer fails in its own way: seccomp returns EPERM ("Operation not permitted"),
Landlock EACCES ("Permission denied"), the read-only and hiding mounts EROFS, EBUSY or
ENOENT, the pid namespace ESRCH or a missing /proc/<pid>, the network namespace
"Connection refused"/"Network is unreachable", the proxy a 403 or a SOCKS refusal,
the launcher's disabled user namespaces ENOSPC. The first match in a fixed order wins.
"""
from __future__ import annotations

import re

LAYER_NAMES = {
    "guard": "guard",
    "mounts": "mount ns",
    "landlock": "Landlock",
    "seccomp": "seccomp",
    "pidns": "pid ns",
    "netns": "net ns",
    "proxy": "proxy",
    "core": "always-on",
}

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((layer, re.compile(rx, re.I)) for layer, rx in (
    ("proxy", r"\b403\b|blocked by network allowlist|ringfence: blocked|X-Ringfence-Rule|"
              r"socks reply b'\\x05\\x02'|not allowed by ruleset|Received HTTP code 40\d from proxy|"
              r"CONNECT tunnel failed|Host header does not match|Can't complete SOCKS5 connection"),
    ("pidns", r"No such process|ESRCH|errno 3 |/proc/\d+/\w+: No such file|/proc/\d+/root\S*: No such file|"
              r"No such file or directory: '/proc/\d+"),
    ("seccomp", r"Operation not permitted|EPERM|errno 1 |\[Errno 1\]|ENOSYS|errno 38 |Function not implemented"),
    ("landlock", r"Permission denied|EACCES|errno 13 |\[Errno 13\]"),
    ("mounts", r"Read-only file system|EROFS|errno 30 |\[Errno 30\]|Device or resource busy|EBUSY|"
               r"Invalid cross-device link|EXDEV|No such file or directory|ENOENT|errno 2 |\[Errno 2\]|not a mountpoint"),
    ("netns", r"Connection refused|ECONNREFUSED|Network is unreachable|ENETUNREACH|Cannot assign requested address|"
              r"Couldn't connect to server|errno 111|\[Errno 111\]|\[Errno 101\]"),
    ("core", r"No space left on device|ENOSPC|errno 28 |Bad file descriptor|EBADF|\[Errno 9\]"),
))


def hint(stdout: str, stderr: str) -> str | None:
    """The layer the output points at, or None when it says nothing recognisable."""
    text = stderr + "\n" + stdout
    for layer, rx in _RULES:
        if rx.search(text):
            return layer
    return None
