"""Helpers for the kernel-facing sandbox tests: run code in a forked, confined child.

``confined(action, landlock=..., seccomp=...)`` forks; the child sets no_new_privs,
applies the Landlock spec and/or seccomp program through inner.py's own functions, runs
``action()`` and sends its result back through a pipe. The parent gets
("ok", value), ("error", text) or ("signal", signum) when the child was killed.
"""
from __future__ import annotations

import marshal
import os

import pytest

from ringfence.sandbox import inner


def run_confined(action, *, landlock: dict | None = None, seccomp: bytes | None = None):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if landlock is not None or seccomp is not None:
                inner.no_new_privs()
            if landlock is not None:
                inner.apply_landlock(landlock)
            if seccomp is not None:
                inner.apply_seccomp(seccomp)
            payload = ("ok", action())
        except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
            payload = ("error", f"{type(e).__name__}: {e}")
        try:
            with os.fdopen(w, "wb") as out:
                out.write(marshal.dumps(payload))
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as src:
        data = src.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return ("signal", os.WTERMSIG(status))
    return marshal.loads(data)


@pytest.fixture
def confined():
    return run_confined
