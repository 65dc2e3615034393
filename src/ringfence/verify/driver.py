"""One run of one probe, in a process of its own: ``python -m ringfence.verify.driver JOB``.

JOB is a JSON object made by the runner:

  backend    "host" (no sandbox: the validation run) or a name in backends.BACKENDS
  argv, cwd, env      the probe's command, working directory and environment
  netns_fd   join this network namespace first (the world's), or null
  secret_fd  a pipe holding the fd canary: placed on fd 7, inheritable, or null
  tty_fd     a pseudo-terminal: becomes the controlling terminal and stdin, or null
  ...        what the backend needs (policy inputs, diagnostic ``disable``, ...)

The runner starts this with a new session, stdout and stderr on pipes; the exit status
is the command's. A failure to set up exits DRIVER_ERROR with a "ringfence:" line,
never runs the command some other way.
"""
from __future__ import annotations

import json
import os
import sys

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


def main(argv: list[str]) -> int:
    try:
        job = json.loads(argv[1])
        return execute(job)
    except Exception as e:  # noqa: BLE001 - reported as a driver error, never a traceback
        from ringfence.errors import RingfenceError
        msg = e.render() if isinstance(e, RingfenceError) else f"ringfence: verify driver: {type(e).__name__}: {e}"
        sys.stderr.write(msg + "\n")
        return DRIVER_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv))
