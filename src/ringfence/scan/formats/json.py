"""Machine-readable report: {"findings": [{rule, severity, path, line, message, fix}], "summary": {...}}."""
from __future__ import annotations

import json

from ringfence.scan.findings import Report


def render(report: Report) -> str:
    doc = {"findings": [f.to_dict() for f in report.sorted_findings()], "summary": report.summary()}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
