"""Every rule is a pure function of (path, bytes): random or mangled input yields findings, never an exception."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import given, settings, strategies as st

from ringfence.scan.findings import Finding
from ringfence.scan.rules import FILE_RULES, hidden_text

PATHS = [".claude/settings.json", ".mcp.json", ".vscode/mcp.json", ".claude/agents/a.md", ".claude/skills/s/SKILL.md",
         "CLAUDE.md", ".cursorrules", ".yarnrc.yml", ".yarnrc", ".npmrc", "package.json", ".yarn/plugins/p.cjs",
         ".vscode/tasks.json", ".devcontainer/devcontainer.json", ".envrc", ".gitmodules", ".git", ".gitconfig",
         ".github/workflows/ci.yml", "action.yml", "doc.docx", "deck.pptx", "book.xlsx"]

SEEDS = [json.dumps({"hooks": {"PreToolUse": [{"hooks": [{"command": 1}]}]}, "env": {"A": None},
                     "permissions": {"allow": [None, 3, "Bash("], "additionalDirectories": "x"},
                     "mcpServers": {"x": {"command": ["a"], "args": "b"}}, "sandbox": [], "scripts": []}),
         "on: [pull_request_target]\njobs: {a: {steps: [{uses: actions/checkout, with: {ref: 1}}, {run: [1]}]}}\n",
         "---\nhooks: x\nallowed-tools: [1, 2]\n---\n!`x`", "[core]\nfsmonitor\n[user]\nemail=\n[submodule]\nurl=-x\n",
         "gitdir:", "yarnPath: [1]\nplugins: x\n"]


def _all_rules(rel: str, data: bytes) -> None:
    for module in FILE_RULES:
        if module.wants(rel):
            out = module.check(rel, data)
            assert isinstance(out, list) and all(isinstance(f, Finding) for f in out)
    assert isinstance(hidden_text.check(rel, data), list)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS), st.binary(max_size=300))
def test_random_bytes(rel, data):
    _all_rules(rel, data)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS), st.sampled_from(SEEDS), st.integers(0, 400), st.binary(max_size=8))
def test_mangled_seeds(rel, seed, cut, junk):
    raw = seed.encode()
    _all_rules(rel, raw[:cut] + junk + raw[cut:])


HOSTILE = {  # inputs that make naive regexes quadratic: many openers, no closers
    "CLAUDE.md": "<a " * 300_000 + "<!--" * 100_000,
    ".github/workflows/x.yml": "on: issues\njobs:\n  a:\n    steps:\n      - run: |\n          " + "${{ " * 300_000 + "\n",
    ".claude/commands/c.md": "!`" * 300_000,
    ".gitmodules": "[submodule \"" + "\\" * 200_000 + "\n\turl = " + "\\\"" * 200_000 + "\n",
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("rel", sorted(HOSTILE))
def test_hostile_text_stays_linear(rel):
    _all_rules(rel, HOSTILE[rel].encode())


@pytest.mark.timeout(120)
def test_hostile_office_xml_stays_linear():
    xml = '<w:document><w:body>' + '<w:p><w:r w:x="1"><w:rPr><w:vanish/>' * 150_000 + '</w:body></w:document>'
    styles = '<w:styles>' + '<w:style w:styleId="a">' * 100_000 + '</w:styles>'
    slides = '<p:sld>' + '<p:sp><p:cNvPr hidden="1"/><a:r><a:rPr sz="1"/>' * 100_000 + '</p:sld>'
    book = '<workbook>' + '<sheet name="x" ' * 100_000 + '</workbook>'
    for name, parts in (("d.docx", {"word/document.xml": xml, "word/styles.xml": styles}),
                        ("s.pptx", {"ppt/slides/slide1.xml": slides}), ("b.xlsx", {"xl/workbook.xml": book})):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for part, text in parts.items():
                z.writestr(part, text)
        _all_rules(name, buf.getvalue())
