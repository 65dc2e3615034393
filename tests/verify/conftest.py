"""Fixtures for the verify tests.

``full_suite`` is the project's integration run: every probe, default profile, native
backend, attribution and guard on. It takes tens of seconds, so it is computed once per
test run, whichever xdist worker needs it first (verify_suite.shared).
"""
from __future__ import annotations

import pytest

from verify_suite import run_suite, shared


@pytest.fixture(scope="session")
def full_suite(request):
    return shared(request, "full-default", run_suite)
