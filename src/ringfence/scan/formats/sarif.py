"""SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

Paths are relative URIs against the ``SRCROOT`` base (the scanned root). Severity maps to
``level`` (critical/high: error, medium: warning, low/info: note) and to the
``security-severity`` score GitHub uses to rank security alerts.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from ringfence import __version__
from ringfence.scan.findings import Report, Severity
from ringfence.scan.rules import ALL_RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
SCORE = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
         Severity.INFO: "0.0"}


def render(report: Report) -> str:
    findings = report.sorted_findings()
    used = sorted({f.rule for f in findings})
    index = {rule: i for i, rule in enumerate(used)}
    worst: dict[str, Severity] = {}
    for f in findings:
        worst[f.rule] = max(worst.get(f.rule, f.severity), f.severity)
    rules = [{
        "id": rule,
        "name": rule.replace(".", "/"),
        "shortDescription": {"text": ALL_RULES.get(rule, rule)},
        "defaultConfiguration": {"level": LEVEL[worst[rule]]},
        "properties": {"security-severity": SCORE[worst[rule]], "tags": ["security"]},
    } for rule in used]
    results = []
    for f in findings:
        location: dict = {"artifactLocation": {"uri": quote(f.path), "uriBaseId": "SRCROOT"}}
        if f.line:
            location["region"] = {"startLine": f.line}
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [{"physicalLocation": location}],
            "properties": {"severity": f.severity.label, "fix": f.fix},
        })
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ringfence", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(report.root).as_uri().rstrip("/") + "/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
