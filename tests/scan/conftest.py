"""Fixture repositories are built by each test in tmp_path; these fixtures write and scan them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringfence.scan.engine import scan
from ringfence.scan.findings import Finding, Severity


def write_tree(root: Path, files: dict) -> Path:
    """Create ``files`` (relative path -> text, bytes, or a JSON value) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif isinstance(content, str):
            p.write_text(content, encoding="utf-8")
        else:
            p.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return root


def _found(root: Path, minimum: Severity = Severity.LOW) -> list[Finding]:
    return [f for f in scan(str(root)).findings if f.severity >= minimum]


@pytest.fixture
def tree(tmp_path):
    """tree({...}) -> the root of a fresh fixture repository."""
    counter = iter(range(1000))
    return lambda files: write_tree(tmp_path / f"repo{next(counter)}", files)


@pytest.fixture
def found():
    """found(root, minimum=LOW) -> findings at or above ``minimum``."""
    return _found


@pytest.fixture
def found_rules():
    """found_rules(root, minimum=MEDIUM) -> the set of rule ids at or above ``minimum``."""
    return lambda root, minimum=Severity.MEDIUM: {f.rule for f in _found(root, minimum)}
