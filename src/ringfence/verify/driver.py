"""The host side of one run of one probe, in the process the fork server made for it.

A job (a dict made by the runner) says:

  backend    "host" (no sandbox: the validation run) or a backend name (backends.py)
  argv, cwd, env      the probe's command, working directory and environment
  netns_fd   join this network namespace first (the world's), or None
  secret_fd  a pipe holding the fd canary: placed on fd 7, inheritable, or None
  tty_fd     a pseudo-terminal: becomes the controlling terminal and stdin, or None
  ...        what the backend needs (policy inputs, diagnostic ``disable``, ...)

``execute`` sets these up and runs the command (exec, or the backend's launch); its exit
status is the command's. A failure to set up is DRIVER_ERROR with a "ringfence:" line
(forkserver.py), never the command run some other way.
"""
from __future__ import annotations

import os

DRIVER_ERROR = 125
CLONE_NEWNET = 0x40000000
TIOCSCTTY = 0x540E


def _setns(fd: int) -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns into the world's network namespace failed")
    os.close(fd)


def prepare(job: dict) -> None:
    """Everything the host side of a run sets up before the command or the sandbox starts."""
    if job.get("netns_fd") is not None:
        _setns(job["netns_fd"])
    if job.get("tty_fd") is not None:
        import fcntl
        tty = job["tty_fd"]
        fcntl.ioctl(tty, TIOCSCTTY, 0)
        os.dup2(tty, 0)
        os.close(tty)
    if job.get("secret_fd") is not None:
        from ringfence.verify.world import FD_NUMBER
        os.dup2(job["secret_fd"], FD_NUMBER)           # dup2 leaves the copy inheritable
        if job["secret_fd"] != FD_NUMBER:
            os.close(job["secret_fd"])


def execute(job: dict) -> int:
    prepare(job)
    if job["backend"] == "host":
        os.chdir(job["cwd"])
        os.execvpe(job["argv"][0], job["argv"], job["env"])
    from ringfence.verify.backends import resolve
    return resolve(job["backend"], job.get("backend_module")).launch(job)
