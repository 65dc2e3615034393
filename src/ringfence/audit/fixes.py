"""``audit --fix``: the settings changes that close the fixable gaps, as one patch and one diff.

Everything goes to the user settings file through settings/writer.py: merged (never
removing what the user had), shown as a diff, written atomically. Applying the plan twice
changes nothing.
"""
from __future__ import annotations

from ringfence.audit.checks import Check
from ringfence.settings.writer import merge, plan_merge


def combined_patch(checks: list[Check]) -> dict:
    patch: dict = {}
    for c in checks:
        if not c.passed and c.patch:
            patch = merge(patch, c.patch)
    return patch


def plan(path: str, checks: list[Check]) -> tuple[str, str]:
    """(new text, diff) for ``path``; an empty diff when there is nothing to change."""
    patch = combined_patch(checks)
    if not patch:
        return "", ""
    return plan_merge(path, patch)
