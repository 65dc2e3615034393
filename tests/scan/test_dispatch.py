"""The engine skips asking rule modules about a file only where none of them can want it:
``wants_dir`` of every module is held to its ``wants``, and the per-directory suffix set to
``rules_for``."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.scan.engine import _BY_NAME, rules_for, suffixes_in
from ringfence.scan.rules import FILE_RULES, agent_files, instructions, workflows

SEGMENTS = [".claude", "agents", "skills", "commands", "rules", ".github", "workflows", "instructions", ".cursor",
            ".kiro", "steering", ".clinerules", ".windsurf", ".vscode", ".devcontainer", ".yarn", "plugins", "src",
            "docs", "a.claude", "x.github", ".", "x"]
STEMS = ["SKILL", "xSKILL", "action", "myaction", "CLAUDE", "AGENTS", "README", "ci", "settings", "tasks", "a.b"]
SUFFIXES = [".md", ".MD", ".mdc", ".yml", ".yaml", ".YML", ".json", ".docx", ".txt", ""]

names = st.one_of(st.builds(lambda s, x: s + x, st.sampled_from(STEMS), st.sampled_from(SUFFIXES)),
                  st.sampled_from(sorted(_BY_NAME)))
dirs = st.lists(st.one_of(st.sampled_from(SEGMENTS), st.text("ab.-_", min_size=1, max_size=4)), max_size=6)


def wants_dir_holds(parts: list[str], name: str) -> None:
    prefix = "".join(p + "/" for p in parts)
    for m in FILE_RULES:
        if hasattr(m, "wants_dir") and m.wants(prefix + name) and name not in getattr(m, "NAMES", ()):
            assert m.wants_dir(prefix), (m.__name__, prefix + name)


def engine_asks(parts: list[str], name: str) -> None:
    prefix = "".join(p + "/" for p in parts)
    dot = name.rfind(".")
    asked = name in _BY_NAME or (dot > 0 and name[dot:].lower() in suffixes_in(prefix))
    if rules_for(prefix + name):
        assert asked, prefix + name


@settings(max_examples=1000, deadline=None)
@given(dirs, names)
def test_wants_dir_holds_for_every_file_a_module_wants(parts, name):
    wants_dir_holds(parts, name)


@settings(max_examples=1000, deadline=None)
@given(dirs, names)
def test_engine_asks_rules_for_about_every_file_some_module_wants(parts, name):
    engine_asks(parts, name)


# every directory some module names, below and above other directories
NAMED_DIRS = [list(d) for d in instructions._DIRS] + [[".claude", k] for k in agent_files._KINDS] + \
    [[".github", "workflows"], [".claude"], [".github"], ["rules"], ["src"]]
PATHS = [(top + d + below, stem + suffix) for top in ([], ["x"], [".hidden"]) for d in NAMED_DIRS
         for below in ([], ["sub"]) for stem in STEMS for suffix in SUFFIXES]


def test_every_named_directory():
    for parts, name in PATHS + [(p, n) for p, _ in PATHS[:50] for n in sorted(_BY_NAME)]:
        wants_dir_holds(parts, name)
        engine_asks(parts, name)


def test_known_paths():  # positive controls: each scoped module is still asked where it applies
    assert agent_files.wants(".claude/agents/x.md") and ".md" in suffixes_in(".claude/agents/")
    assert workflows.wants("a/.github/workflows/ci.yml") and ".yml" in suffixes_in("a/.github/workflows/")
    assert instructions.wants("p/.cursor/rules/r.mdc") and ".mdc" in suffixes_in("p/.cursor/rules/")
    assert ".md" not in suffixes_in("src/docs/") and ".yml" not in suffixes_in("deploy/")
    assert ".docx" in suffixes_in("src/")  # office documents anywhere
