"""Scan rules, one module per family. Each file-rule module has ``RULES`` (id -> description),
``wants(rel) -> bool`` and ``check(rel, data: bytes) -> list[Finding]``, plus ``NAMES``
(basenames), ``SUFFIXES`` or ``UNDER`` (path fragments) so the engine asks only the
modules that can care about a file. A module with SUFFIXES may also have
``wants_dir(prefix) -> bool``: False when it wants no file with one of its SUFFIXES and a
name outside its NAMES in the directory ``prefix`` ("" or ending in "/"), so the engine
need not ask about each file there (a property test holds ``wants`` to it).
"""
from __future__ import annotations

from ringfence.scan.rules import (agent_files, claude_settings, git, hidden_text, instructions, mcp, office,
                                  package_managers, symlinks, walk, workflows, workspace)

FILE_RULES = (claude_settings, mcp, agent_files, instructions, package_managers, workspace, git, workflows, office)

ALL_RULES: dict[str, str] = {}
for _module in FILE_RULES + (hidden_text, symlinks, walk):
    ALL_RULES.update(_module.RULES)
