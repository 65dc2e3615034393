"""Output formats (SARIF checked against the real 2.1.0 schema) and the CLI's exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ringfence.scan.command import main
from ringfence.scan.engine import scan
from ringfence.scan.formats import json as json_format, sarif, table

SCHEMA = json.loads((Path(__file__).parent / "sarif-2.1.0-rtm.5.json").read_text())

MIXED = {
    ".claude/settings.json": {"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "./x.sh"}]}]},
                              "env": {"FOO": "bar"}},
    "dir with space/ünïcode.txt": "a\u202eb\n",
    ".envrc": "use flake\n",
    "node_modules/x/package.json": {"name": "x"},
}


def test_sarif_validates_against_the_schema(tree):
    report = scan(str(tree(MIXED)))
    log = json.loads(sarif.render(report))
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    run = log["runs"][0]
    assert {r["ruleId"] for r in run["results"]} >= {"claude.hooks", "hidden.bidi", "direnv.envrc", "scan.vendored"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "dir%20with%20space/%C3%BCn%C3%AFcode.txt" in uris
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["claude.hooks"] == "error" and levels["scan.vendored"] == "note"
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_sarif_schema_catches_a_broken_log(tree):
    """Positive control: the validator really rejects a malformed log."""
    log = json.loads(sarif.render(scan(str(tree(MIXED)))))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)


def test_sarif_of_clean_tree_validates(tree):
    log = json.loads(sarif.render(scan(str(tree({"a.txt": "x"})))))
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_json_shape(tree):
    doc = json.loads(json_format.render(scan(str(tree(MIXED)))))
    assert set(doc) == {"findings", "summary"}
    for f in doc["findings"]:
        assert set(f) == {"rule", "severity", "path", "line", "message", "fix"}
    hook = next(f for f in doc["findings"] if f["rule"] == "claude.hooks")
    assert hook["severity"] == "critical" and hook["path"] == ".claude/settings.json" and hook["line"] == 8
    assert doc["summary"]["by_severity"]["critical"] == 1 and doc["summary"]["max_severity"] == "critical"


def test_table_groups_by_file(tree):
    text = table.render(scan(str(tree(MIXED))), width=200)
    assert text.index(".claude/settings.json") < text.index("claude.hooks") < text.index(".envrc")
    assert "fix:" in text and "\x1b[" not in text


def test_exit_codes(tree, capsys):
    clean = tree({"package.json": {"scripts": {"test": "jest"}}})
    bad = tree(MIXED)
    assert main([str(clean)]) == 0
    assert main([str(bad), "--format", "json"]) == 1
    assert main([str(bad), "--fail-on", "critical", "--format", "json"]) == 1
    low_only = tree({".envrc": "use flake\n"})
    assert main([str(low_only)]) == 0
    assert main([str(low_only), "--fail-on", "low"]) == 1
    assert main([str(bad), "--fail-on", "none"]) == 0
    capsys.readouterr()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ringfence", "scan", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "120"})


def test_cli_subprocess_exit_codes_and_streams(tree, tmp_path):
    bad = tree(MIXED)
    r = _cli(str(bad), "--format", "sarif")
    assert r.returncode == 1 and json.loads(r.stdout)["version"] == "2.1.0" and r.stderr == ""
    r = _cli(str(tmp_path / "missing"))
    assert r.returncode == 2 and r.stderr.startswith("ringfence:") and "Traceback" not in r.stderr and r.stdout == ""
    r = _cli(str(bad), "--fail-on", "severe")
    assert r.returncode == 2 and "ringfence:" in r.stderr and "Traceback" not in r.stderr
    r = _cli("--bogus")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    out = tmp_path / "report.json"
    r = _cli(str(bad), "--format", "json", "-o", str(out))
    assert r.returncode == 1 and r.stdout == "" and json.loads(out.read_text())["findings"]
    r = _cli(str(bad), "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"))
    assert r.returncode == 2 and "cannot write" in r.stderr
    r = _cli("--help")
    assert r.returncode == 0 and "--fail-on" in r.stdout
