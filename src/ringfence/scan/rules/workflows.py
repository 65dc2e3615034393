"""GitHub Actions workflows: privileged triggers that run a pull request's code, and script injection.

``pull_request_target``, ``workflow_run`` and ``issue_comment`` run with the base
repository's secrets and a write token; checking out the PR head there runs the
attacker's code with them ("pwn request"). ``${{ github.event.* }}`` fields that an
outsider controls (titles, bodies, branch names, commit messages) pasted into ``run:``
become shell code (the HackerBot-Claw campaign, reference section 6).
"""
from __future__ import annotations

import re

from ringfence.scan.findings import Finding, Severity
from ringfence.scan.jsonpos import Doc
from ringfence.scan.rules.common import as_dict, as_list, decode, parse_or_finding, short

RULES = {
    "gha.untrusted-checkout": "A privileged workflow checks out or runs the pull request's code",
    "gha.expression-injection": "An attacker-controlled ${{ github.event.* }} value is pasted into a shell script",
    "gha.privileged-trigger": "The workflow runs with secrets on events that outsiders can trigger",
}

NAMES = frozenset({"action.yml", "action.yaml"})
SUFFIXES = (".yml", ".yaml")
PRIVILEGED = ("pull_request_target", "workflow_run", "issue_comment", "issues", "discussion", "discussion_comment")
_UNTRUSTED = re.compile(
    r"github\.head_ref\b|github\.event\.(?:"
    r"issue\.(?:title|body)|pull_request\.(?:title|body|head\.(?:ref|label|repo\.(?:default_branch|description|name|full_name)))"
    r"|comment\.body|review\.body|review_comment\.body|pages\.[\w*]+\.page_name"
    r"|commits\.[\w*]+\.(?:message|author\.(?:email|name)|committer\.(?:email|name))"
    r"|head_commit\.(?:message|author\.(?:email|name)|committer\.(?:email|name))"
    r"|workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email|name))"
    r"|pull_requests\.[\w*]+\.head\.ref|head_repository\.(?:description|name))"
    r"|discussion\.(?:title|body)|merge_group\.head_commit\.message)\b"
    r"|toJSON\(\s*github\.event\s*\)")
_PR_HEAD = re.compile(r"github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head"
                      r"|refs/pull/|github\.event\.issue\.number|head_repository|github\.event\.comment")
_RUN_CHECKOUT = re.compile(r"gh\s+pr\s+checkout|git\s+fetch\s+\S+\s+(?:\+?refs/)?pull/|git\s+(?:checkout|switch)\s+.*"
                           r"\$\{\{\s*github\.event\.(?:pull_request\.head|workflow_run\.head)")


def _expressions(script: str):
    """(offset, text) of every ``${{ ... }}``; linear even when a ``${{`` is never closed."""
    i = 0
    while (start := script.find("${{", i)) >= 0:
        end = script.find("}}", start + 3)
        if end < 0:
            return
        yield start, script[start + 3:end]
        i = end + 2


def wants_dir(prefix: str) -> bool:
    return ("/" + prefix).endswith("/.github/workflows/")


def wants(rel: str) -> bool:
    if ".github/workflows/" not in rel and not rel.endswith(("action.yml", "action.yaml")):
        return False
    parts = rel.split("/")
    return (len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"] and rel.endswith(SUFFIXES)) or \
        parts[-1] in ("action.yml", "action.yaml")


def _triggers(on: object) -> set[str]:
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(x) for x in on}
    return {str(k) for k in as_dict(on)}


def _normalise(expr: str) -> str:
    """``github.event['pull_request']["title"]`` -> ``github.event.pull_request.title``."""
    return re.sub(r"\[\s*['\"]([\w-]+)['\"]\s*\]", r".\1", expr)


def check(rel: str, data: bytes) -> list[Finding]:
    doc = parse_or_finding(rel, data, "yaml", Severity.LOW, "workflow")
    if isinstance(doc, Finding):
        return [doc]
    wf = as_dict(doc.value)
    raw_lines = decode(data).splitlines()
    out: list[Finding] = []
    privileged = sorted(_triggers(wf.get("on")) & set(PRIVILEGED))
    jobs = as_dict(wf.get("jobs"))
    if rel.endswith(("action.yml", "action.yaml")):
        jobs = {"(composite action)": {"steps": as_dict(wf.get("runs")).get("steps")}}
        path_prefix: tuple = ("runs",)
    else:
        path_prefix = ()
    if privileged:
        out.append(Finding("gha.privileged-trigger", Severity.LOW, rel, doc.line("on"),
                           f"runs on {', '.join(privileged)} with the repository's secrets and a write token",
                           "make sure no step runs code or text from the triggering pull request, issue or comment"))
    for job_id, job in jobs.items():
        for i, step in enumerate(as_list(as_dict(job).get("steps"))):
            step = as_dict(step)
            base = path_prefix + (("steps", i) if path_prefix else ("jobs", job_id, "steps", i))
            _step(rel, doc, raw_lines, base, step, privileged, out)
    return out


def _step(rel: str, doc: Doc, raw_lines: list[str], base: tuple, step: dict, privileged: list[str],
          out: list[Finding]) -> None:
    uses = str(step.get("uses", ""))
    with_ = as_dict(step.get("with"))
    if privileged and uses.startswith("actions/checkout"):
        ref = " ".join(str(with_.get(k, "")) for k in ("ref", "repository"))
        if _PR_HEAD.search(_normalise(ref)):
            out.append(Finding("gha.untrusted-checkout", Severity.CRITICAL, rel, doc.line(*base, "with", "ref"),
                               f"on {', '.join(privileged)} this checks out the pull request's code ({short(ref, 80)}); "
                               "any later build step runs it with the repository's secrets",
                               "use on: pull_request for building PR code, or do not run anything from the checkout"))
    scripts = [("run", step.get("run"))]
    if uses.startswith("actions/github-script"):
        scripts.append(("script", with_.get("script")))
    for key, script in scripts:
        if not isinstance(script, str):
            continue
        path = base + (("with", key) if key == "script" else (key,))
        key_line = doc.line(*path) or 1
        key_text = raw_lines[key_line - 1] if key_line <= len(raw_lines) else ""
        block = re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", key_text) is not None  # value starts on the next line
        if privileged and _RUN_CHECKOUT.search(script):
            out.append(Finding("gha.untrusted-checkout", Severity.CRITICAL, rel, key_line,
                               f"on {', '.join(privileged)} this step fetches the pull request's code",
                               "use on: pull_request for building PR code"))
        for start, expr in _expressions(script):
            hit = _UNTRUSTED.search(_normalise(expr))
            if not hit:
                continue
            line = key_line + script.count("\n", 0, start) + (1 if block else 0)
            out.append(Finding("gha.expression-injection", Severity.CRITICAL if privileged else Severity.HIGH, rel, line,
                               f"${{{{ {hit.group()} }}}} is pasted into a {key} script: whoever writes that text "
                               "writes shell code",
                               f"pass it through env: (e.g. env: VALUE: ${{{{ {hit.group()} }}}}) and use \"$VALUE\" in the script"))
