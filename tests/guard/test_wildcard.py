"""The hand-written wildcard matchers against the regular expressions they replace."""
from __future__ import annotations

import fnmatch
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.guard.wildcard import fnmatchcase, star_match, star_match_words, words_match

# stars, spaces of several kinds (\x1c and \u2028 are whitespace to Python), regex metacharacters
chars = st.sampled_from(list("ab* \t\n\x1c\u2028.\\()[]?/-"))
patterns = st.text(alphabet=chars, max_size=8)
texts = st.text(alphabet=chars, max_size=12)


def rx(pattern: str) -> str:
    return ".*".join(re.escape(p) for p in pattern.split("*"))


@settings(max_examples=1500, deadline=None)
@given(patterns, texts)
def test_star_match_is_the_regex_fullmatch(pattern, text):
    assert star_match(pattern.split("*"), text) == (re.fullmatch(rx(pattern), text, re.S) is not None)


@settings(max_examples=1500, deadline=None)
@given(patterns, texts)
def test_star_match_words_is_the_prefix_regex(pattern, text):
    want = re.fullmatch(rx(pattern) + r"(?:\s.*)?", text, re.S) is not None
    assert star_match_words(pattern.split("*"), text) == want


@settings(max_examples=1500, deadline=None)
@given(patterns, texts)
def test_fnmatchcase_is_fnmatch(pattern, text):
    assert fnmatchcase(text, pattern) == fnmatch.fnmatchcase(text, pattern)


@pytest.mark.parametrize("name, pat, want", [
    ("GITHUB_TOKEN", "*TOKEN*", True), ("GITHUB_TOKEN", "*_KEY", False), (".git", ".git", True),
    (".gitx", ".git", False), ("a", "*", True), ("", "*", True), ("", "", True), ("ab", "a*b*", True),
    ("aXb", "a?b", True), ("a.b", "a[.]b", True), ("a\nb", "a*b", True),
])
def test_fnmatchcase_examples(name, pat, want):
    assert fnmatchcase(name, pat) is want


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab*./")), max_size=4), max_size=3), texts, st.booleans())
def test_words_match_is_the_positionals_regex(tokens, text, prefix):
    rx = r"\s".join(".*".join(re.escape(p) for p in tok.split("*")) for tok in tokens)
    if prefix:
        rx = (rx + r"(?:\s.*)?") if rx else ".*"
    assert words_match(tokens, text, prefix) == (re.fullmatch(rx, text, re.S) is not None)


def test_words_match_examples():
    assert words_match(["/h"], "/h", False) and not words_match(["/h"], "/h /x", False)
    assert words_match(["/h"], "/h\t/x", True) and not words_match(["/h"], "/hx", True)
    assert words_match(["*", "|", "sh"], "x.sh | sh", False) and not words_match(["*", "|", "sh"], "x | bash", False)
