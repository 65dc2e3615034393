"""GitHub workflows: pwn requests and expression injection; ordinary CI stays clean."""
from __future__ import annotations

from ringfence.scan.findings import Severity

PWN = """name: preview
on:
  pull_request_target:
    types: [opened, synchronize]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
"""

INJECT = """on: issues
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - name: greet
        run: |
          echo "New issue"
          echo "${{ github.event.issue.title }}" > title.txt
      - uses: actions/github-script@v7
        with:
          script: console.log("${{ github.event['comment']['body'] }}")
"""

ORDINARY = """name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: actions/setup-node@v4
        with: {node-version: 20}
      - run: npm ci && npm test
      - name: title via env (the safe pattern)
        env:
          TITLE: ${{ github.event.pull_request.title }}
        run: echo "$TITLE" for PR ${{ github.event.pull_request.number }} by ${{ github.actor }}
"""


def test_pull_request_target_checkout_of_head(tree, found):
    root = tree({".github/workflows/preview.yml": PWN})
    got = {(f.rule, f.severity, f.line) for f in found(root)}
    assert ("gha.untrusted-checkout", Severity.CRITICAL, 11) in got
    assert ("gha.privileged-trigger", Severity.LOW, 2) in got


def test_expression_injection_lines(tree, found):
    root = tree({".github/workflows/triage.yaml": INJECT})
    got = sorted((f.severity, f.line) for f in found(root) if f.rule == "gha.expression-injection")
    assert got == [(Severity.CRITICAL, 9), (Severity.CRITICAL, 12)]


def test_injection_under_unprivileged_trigger_is_high(tree, found):
    root = tree({".github/workflows/x.yml": "on: pull_request\njobs:\n  a:\n    steps:\n"
                 "      - run: git checkout ${{ github.head_ref }}\n"})
    assert [(f.rule, f.severity, f.line) for f in found(root)] == [("gha.expression-injection", Severity.HIGH, 5)]


def test_ordinary_ci_is_clean(tree, found):
    assert found(tree({".github/workflows/ci.yml": ORDINARY})) == []


def test_privileged_trigger_with_base_checkout_is_only_low(tree, found):
    safe = PWN.replace("        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n", "")
    assert [(f.rule, f.severity) for f in found(tree({".github/workflows/p.yml": safe}))] == \
        [("gha.privileged-trigger", Severity.LOW)]


def test_run_step_fetching_pr(tree, found_rules):
    wf = "on:\n  issue_comment:\njobs:\n  a:\n    steps:\n      - run: gh pr checkout ${{ github.event.issue.number }}\n"
    assert found_rules(tree({".github/workflows/c.yml": wf})) == {"gha.untrusted-checkout"}


def test_composite_action(tree, found_rules):
    action = "runs:\n  using: composite\n  steps:\n    - run: echo ${{ github.event.head_commit.message }}\n      shell: bash\n"
    assert found_rules(tree({"action.yml": action})) == {"gha.expression-injection"}


def test_bad_yaml_and_alias_bomb(tree, found):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    root = tree({".github/workflows/bad.yml": "on: [push\njobs: {", ".github/workflows/bomb.yml": bomb})
    got = {(f.path, f.rule) for f in found(root)}
    assert got == {(".github/workflows/bad.yml", "scan.unparseable"), (".github/workflows/bomb.yml", "scan.unparseable")}
