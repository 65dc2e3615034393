"""jsonpos and yamlpos: values equal to the reference parsers, lines of keys, and only ParseError on bad input."""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from ringfence.scan.jsonpos import MAX_DEPTH, ParseError, parse_json
from ringfence.scan.yamlpos import parse_yaml

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_same_value_as_json_loads(value, indent):
    text = json.dumps(value, indent=indent)
    assert parse_json(text).value == json.loads(text)
    assert parse_json(text, jsonc=True).value == json.loads(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_garbage_parses_or_raises_parse_error(text):
    for jsonc in (False, True):
        try:
            parse_json(text, jsonc=jsonc)
        except ParseError as e:
            assert e.line >= 1 and e.col >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_yaml_garbage_parses_or_raises_parse_error(text):
    try:
        parse_yaml(text)
    except ParseError:
        pass


def test_lines_of_keys_and_items():
    text = '{\n  "a": 1,\n  "b": {\n    "c": [\n      "x",\n      {"d": true}\n    ]\n  }\n}\n'
    doc = parse_json(text)
    assert doc.line("a") == 2 and doc.line("b", "c") == 4 and doc.line("b", "c", 0) == 5
    assert doc.line("b", "c", 1, "d") == 6 and doc.line("b", "missing", "deeper") == 3


def test_duplicate_key_last_wins_like_javascript():
    doc = parse_json('{"hooks": {"x": 1},\n"hooks": {}}')
    assert doc.value == {"hooks": {}} and doc.line("hooks") == 2 and ("hooks", "x") not in doc.lines


@pytest.mark.parametrize("text", ['{"a": 1} x', '{"a": 1}{', "[1, 2,]", '{"a": 1,}', "// c\n{}", "01", "NaN", ""])
def test_strict_json_rejects(text):
    with pytest.raises(ParseError):
        parse_json(text)


def test_jsonc_accepts_comments_and_trailing_commas():
    assert parse_json('// c\n{"a": [1, 2,], /* x */ "b": 2,}\n', jsonc=True).value == {"a": [1, 2], "b": 2}
    with pytest.raises(ParseError):
        parse_json('{"a": 1 /* unterminated', jsonc=True)


def test_depth_bound():
    with pytest.raises(ParseError, match="deeper"):
        parse_json("[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10))


def test_error_position():
    with pytest.raises(ParseError) as e:
        parse_json('{\n  "a": 1\n  "b": 2\n}')
    assert (e.value.line, e.value.col) == (3, 3)


def test_yaml_keeps_scalars_as_written_and_lines():
    doc = parse_yaml("on:\n  push:\nyes: no\nlist:\n  - 1\n  - x: y\n")
    assert doc.value == {"on": {"push": ""}, "yes": "no", "list": ["1", {"x": "y"}]}
    assert doc.line("list", 1, "x") == 6 and doc.line("on") == 1
    assert yaml.safe_load("on: 1") == {True: 1}  # what we avoid
