"""records.Record behaves as the collections.namedtuple it stands in for."""
from __future__ import annotations

import copy
import pickle
from collections import namedtuple

import pytest

from ringfence.records import Record, new


class Point(Record):
    """x and y, z optional."""
    __slots__ = ()

    def __new__(cls, x, y, z=0):
        return new(cls, (x, y, z))


NT = namedtuple("Point", "x y z", defaults=(0,))


def test_fields_defaults_and_access():
    p, q = Point(1, 2), NT(1, 2)
    assert p == q and tuple(p) == (1, 2, 0) and isinstance(p, tuple)
    assert (p.x, p.y, p.z) == (q.x, q.y, q.z)
    assert Point._fields == NT._fields and Point._field_defaults == NT._field_defaults
    assert Point.__match_args__ == NT.__match_args__
    assert Point(x=1, y=2, z=3) == NT(x=1, y=2, z=3) and hash(Point(1, 2)) == hash(NT(1, 2))
    assert repr(Point(1, "a")) == repr(NT(1, "a")) == "Point(x=1, y='a', z=0)"
    assert p._asdict() == q._asdict() == {"x": 1, "y": 2, "z": 0}


def test_replace_and_make():
    p = Point(1, 2)
    assert p._replace(y=5) == NT(1, 2)._replace(y=5) and type(p._replace(y=5)) is Point
    assert Point._make([4, 5, 6]) == (4, 5, 6) and type(Point._make([4, 5, 6])) is Point
    with pytest.raises(ValueError, match="unexpected field names"):
        p._replace(w=1)
    with pytest.raises(TypeError, match="Expected 3 arguments, got 2"):
        Point._make([1, 2])
    with pytest.raises(TypeError):
        Point(1)
    with pytest.raises(AttributeError):
        p.w = 1  # no __dict__, as with named tuples


def test_copies_and_pickles():
    p = Point(1, [2])
    assert copy.copy(p) == p and copy.deepcopy(p) == p and type(copy.deepcopy(p)) is Point
    assert pickle.loads(pickle.dumps(p)) == p
