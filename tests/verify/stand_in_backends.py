"""Two stand-in backends for the tests, defined outside ringfence the way a new backend is:

- PASSTHROUGH runs the command with no isolation at all: every valid probe must leak;
- LOCKDOWN runs it in bubblewrap with a read-only root and no network: the positive
  controls must fail, so a sandbox that refuses everything cannot pass;
- BROKEN never starts the command (a sandbox that fails to set up): every run is an
  error, never a hold.
"""
from __future__ import annotations

import os

from ringfence.verify.backends import Backend


def _passthrough(job: dict) -> int:
    os.chdir(job["cwd"])
    os.execvpe(job["argv"][0], job["argv"], job["env"])
    return 127  # pragma: no cover


def _lockdown(job: dict) -> int:
    os.chdir(job["cwd"])
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--unshare-all", "--die-with-parent", "--", *job["argv"]]
    os.execvpe("bwrap", argv, job["env"])
    return 127  # pragma: no cover


def _broken(job: dict) -> int:
    os.write(2, b"stand-in: cannot set up the sandbox\n")
    return 3


PASSTHROUGH = Backend("passthrough", "no isolation", ("none",), (), lambda: None, _passthrough,
                      lambda: "passthrough", module="stand_in_backends:PASSTHROUGH")
LOCKDOWN = Backend("lockdown", "refuses everything", ("strict",), (), lambda: None, _lockdown,
                   lambda: "lockdown", module="stand_in_backends:LOCKDOWN")
BROKEN = Backend("broken", "never starts", ("none",), (), lambda: None, _broken,
                 lambda: "broken", module="stand_in_backends:BROKEN")
