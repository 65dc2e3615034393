"""Records: named tuples written as plain classes, for the per-call paths.

The hook starts a process for every tool call and imports some twenty-five records.
``collections.namedtuple`` compiles each one's constructor from source when its module
is imported (~0.1 ms apiece on a small VM), and importing ``collections`` costs ~3 ms
more. A record here is a ``tuple`` subclass whose ``__new__`` is written out in the
source, so it is compiled once, into the module's .pyc; ``Record`` takes the field names
and defaults from that signature and adds what a named tuple has: a property per field,
``_fields``, ``_field_defaults``, ``_make``, ``_replace``, ``_asdict`` and the same repr.
Instances are built and read as fast as named tuples' (tests compare the two).

    class Item(Record):
        __slots__ = ()

        def __new__(cls, value, source):
            return new(cls, (value, source))
"""
from __future__ import annotations

try:
    from _collections import _tuplegetter  # what namedtuple's properties are made of
except ImportError:  # pragma: no cover - not CPython
    from operator import itemgetter

    def _tuplegetter(index, doc):
        return property(itemgetter(index), doc=doc)

new = tuple.__new__  # for the records' __new__: ``return new(cls, (a, b))``


class Record(tuple):
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _field_defaults: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        code = cls.__new__.__code__
        fields = code.co_varnames[1:code.co_argcount]
        defaults = cls.__new__.__defaults__ or ()
        cls._fields = fields
        cls._field_defaults = dict(zip(fields[len(fields) - len(defaults):], defaults))
        cls.__match_args__ = fields
        for i, name in enumerate(fields):
            setattr(cls, name, _tuplegetter(i, f"Alias for field number {i}"))

    @classmethod
    def _make(cls, iterable):
        result = new(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **kwargs):
        result = self._make(map(kwargs.pop, self._fields, self))
        if kwargs:
            raise ValueError(f"Got unexpected field names: {list(kwargs)!r}")
        return result

    def _asdict(self) -> dict:
        return dict(zip(self._fields, self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in zip(self._fields, self))})"

    def __getnewargs__(self):
        return tuple(self)
