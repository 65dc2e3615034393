"""hookjson against the json package it stands in for: same values, same errors, same bytes."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.guard import hookjson

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=15)
junk = st.text(alphabet=st.sampled_from(list('{}[]",:0123456789.eE+-truefalsnul \t\n\r\ufeff\\/x\u00e9')),
               max_size=40)


def outcome(fn, text):
    try:
        return "value", repr(fn(text))  # repr: nan != nan, and 1 == 1.0 == True would hide differences
    except hookjson.NotJSON as e:
        return "not json", f"{e.msg} at line {e.lineno} column {e.colno}"
    except json.JSONDecodeError as e:
        return "not json", f"{e.msg} at line {e.lineno} column {e.colno}"
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)


@settings(max_examples=400, deadline=None)
@given(values, st.sampled_from(["", " ", "\n\t ", "\r\n"]))
def test_loads_gives_what_json_loads_gives(value, pad):
    text = pad + json.dumps(value) + pad
    assert outcome(hookjson.loads, text) == outcome(json.loads, text)


@settings(max_examples=1500, deadline=None)
@given(junk)
def test_loads_fails_like_json_loads(text):
    assert outcome(hookjson.loads, text) == outcome(json.loads, text)


@pytest.mark.parametrize("text", [
    "", "   ", "{not json", "\ufeff{}", "{} x", "[1,]", '{"a": NaN, "b": -Infinity}', "1" * 5000, '"\\ud800"',
    "[" * 100 + "]" * 100, '{"a": 1, "a": 2}',
])
def test_loads_edge_cases(text):
    assert outcome(hookjson.loads, text) == outcome(json.loads, text)


replies = st.recursive(st.text(max_size=30), lambda kids: st.dictionaries(st.text(max_size=10), kids, max_size=4),
                       max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(replies)
def test_dumps_writes_what_json_dumps_writes(reply):
    assert hookjson.dumps(reply) == json.dumps(reply)


def test_dumps_refuses_what_it_does_not_write():
    for bad in ({1: "x"}, {"a": 1}, ["x"], None):
        with pytest.raises(TypeError):
            hookjson.dumps(bad)
    assert hookjson.dumps({"a": {"b": "\u00e9\ud800\n"}}) == json.dumps({"a": {"b": "\u00e9\ud800\n"}})
