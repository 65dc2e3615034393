"""Machine-readable report: the whole result as one JSON document."""
from __future__ import annotations

import json

from ringfence.verify.result import SuiteResult


def render(result: SuiteResult) -> str:
    return json.dumps(result.to_dict(), indent=2, sort_keys=False) + "\n"


def render_compare(results: list[SuiteResult]) -> str:
    return json.dumps({"compare": [r.to_dict() for r in results],
                       "leaks": {r.backend: r.count("leaked") for r in results}}, indent=2) + "\n"
