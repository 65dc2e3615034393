"""Fixtures for the guard tests."""
from __future__ import annotations

import pytest

from guardworld import World


@pytest.fixture
def world(tmp_path) -> World:
    return World(str(tmp_path))
