"""tree-sitter's bash parser, loaded for as little start-up as possible.

The hook is a fresh process for every tool call, and for a Bash call loading the parser
used to cost more than everything else the guard does. Two import-graph shortcuts, each
measured with ``python -X importtime``:

1. The two compiled modules are loaded directly. ``tree_sitter/__init__`` imports
   ``typing`` and ``tree_sitter_bash/__init__`` imports ``importlib.resources`` (together
   ~25 ms) for things the guard never uses.
2. While ``tree_sitter._binding`` initialises, ``re`` and ``enum`` are stand-ins. The
   module takes ``re.compile`` (for query predicates such as ``#match?``) and builds
   ``LogType`` with ``enum.IntEnum`` (for ``Parser.logger``); the guard uses neither, yet
   importing the two (with ``functools``, which both import) is ~8 ms. What the module
   keeps from the stand-ins are ``_Deferred`` objects that become the real function and
   the real enum on first use, so queries and loggers still work. Should a tree-sitter
   release ask the stand-ins for anything else, its initialisation fails and the module
   is simply loaded again the ordinary way.

Anything missing ends in the ordinary imports, and their ImportError in the caller's deny.
"""
from __future__ import annotations

import os
import sys

_PARSER = None
_STAND_INS: dict[str, object] = {}  # name -> stand-in module, while one is in sys.modules


def bash_parser():
    """A ``tree_sitter.Parser`` for bash (one per process)."""
    global _PARSER
    if _PARSER is None:
        try:
            binding = _load_binding()
            grammar = _load_extension("tree_sitter_bash", "_binding")
        except (ImportError, OSError):
            import tree_sitter as binding
            import tree_sitter_bash as grammar
        _PARSER = binding.Parser(binding.Language(grammar.language()))
    return _PARSER


def _load_binding():
    if "tree_sitter._binding" not in sys.modules:
        for name, attr, value in (("re", "compile", _Deferred("re", "compile")),
                                  ("enum", "IntEnum", _deferred_factory("enum", "IntEnum"))):
            if name not in sys.modules:
                stand_in = type(sys)(name, "ringfence: stands in while tree_sitter._binding loads")
                setattr(stand_in, attr, value)
                sys.modules[name] = _STAND_INS[name] = stand_in
        try:
            return _load_extension("tree_sitter", "_binding")
        except Exception:  # noqa: BLE001 - it wanted more from the stand-ins (or is missing):
            pass           # the ordinary load below succeeds or raises what is wrong
        finally:
            _remove_stand_ins()
    return _load_extension("tree_sitter", "_binding")


def _remove_stand_ins() -> None:
    for name, stand_in in list(_STAND_INS.items()):
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        del _STAND_INS[name]


class _Deferred:
    """``getattr(module, attr)`` (called with ``args`` if given), made on first use."""

    def __init__(self, module: str, attr: str, args: tuple | None = None, kwargs: dict | None = None):
        self._spec = (module, attr, args, kwargs or {})
        self._real = None

    def resolve(self):
        if self._real is None:
            _remove_stand_ins()  # the real modules, even when used during the load itself
            import importlib
            module, attr, args, kwargs = self._spec
            obj = getattr(importlib.import_module(module), attr)
            self._real = obj if args is None else obj(*args, **kwargs)
        return self._real

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.resolve(), name)


def _deferred_factory(module: str, attr: str):
    """A stand-in for a class that tree_sitter calls: the call is made on first use."""
    def make(*args, **kwargs):
        return _Deferred(module, attr, args, kwargs)
    return make


def _load_extension(package: str, module: str):
    """``package.module`` from its shared library on sys.path, without ``package/__init__``."""
    try:  # importlib.machinery's own classes, from the modules the interpreter starts with:
        from _frozen_importlib import ModuleSpec  # importing importlib.machinery would be ~1 ms more
        from _frozen_importlib_external import EXTENSION_SUFFIXES, ExtensionFileLoader
    except ImportError:  # pragma: no cover - not CPython
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec
    name = f"{package}.{module}"
    if name in sys.modules:
        return sys.modules[name]
    for entry in sys.path:
        for suffix in EXTENSION_SUFFIXES:
            path = os.path.join(entry or ".", package, module + suffix)
            if os.path.isfile(path):
                loader = ExtensionFileLoader(name, path)
                spec = ModuleSpec(name, loader, origin=path)
                mod = loader.create_module(spec)
                loader.exec_module(mod)
                sys.modules[name] = mod
                return mod
    raise ImportError(f"{name} not found on sys.path")
