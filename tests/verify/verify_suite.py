"""Shared helpers of the verify tests (a uniquely named module: every test directory has a
conftest.py, so tests import from here, never from conftest).

``KNOWN_HOLES`` are real holes the suite found and that were reported to the lead: their
tests are strict xfails, so fixing the hole (or losing the probe) turns them red.
``run_suite`` runs the native backend; ``shared`` computes a value once per test run
across pytest-xdist workers (a file lock in the system temp dir, keyed by the run).
"""
from __future__ import annotations

import fcntl
import os
import pickle
import tempfile

import pytest

from ringfence.verify.backends import BACKENDS
from ringfence.verify.guardcheck import guard_verdict
from ringfence.verify.probes import REGISTRY
from ringfence.verify.runner import Runner

KNOWN_HOLES: dict[str, str] = {}   # none open: the forged-Host tunnel hole is fixed in proxy/server.py


def _run_uid(request) -> str:
    try:
        return request.getfixturevalue("testrun_uid")
    except pytest.FixtureLookupError:
        return str(os.getpid())


def shared(request, key: str, compute):
    """Compute once per test run across xdist workers; the others wait and read it."""
    path = os.path.join(tempfile.gettempdir(), f"ringfence-verify-tests-{_run_uid(request)}-{key}")
    with open(path + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            with open(path, "rb") as f:
                return pickle.load(f)
        value = compute()
        with open(path + ".tmp", "wb") as f:
            pickle.dump(value, f)
        os.replace(path + ".tmp", path)
        return value


def run_suite(profile: str = "default", *, probes=REGISTRY, attribute: bool = True, weaken=frozenset(),
              guard: bool = True, validate: bool = True):
    judge = (lambda p, w: guard_verdict(profile, p, w)) if guard else None
    return Runner(BACKENDS["native"], profile, attribute=attribute, weaken=frozenset(weaken), guard=judge,
                  validate=validate).run(probes, machine={"kernel": os.uname().release})
