"""YAML to the same Doc as jsonpos (value plus the line of every key), via PyYAML's composer.

Scalars stay the strings they were written as (``on`` is the key "on", not True, as
GitHub reads it). Aliases are followed with a budget of nodes so an alias bomb
("billion laughs") ends in ParseError instead of eating memory. Only ParseError is raised.
"""
from __future__ import annotations

from ringfence.scan.jsonpos import Doc, ParseError

MAX_NODES = 200_000
MAX_DEPTH = 200


def parse_yaml(text: str) -> Doc:
    """Parse one YAML document (an empty one is ``None``). Raises ParseError."""
    import yaml  # on first use: PyYAML takes ~35 ms to import, which a tree without YAML never needs
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # PyYAML may be built without libyaml
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ParseError(e.problem or str(e), line, col) from None
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise ParseError(f"invalid YAML: {type(e).__name__}", 1, 1) from None
    lines: dict[tuple, int] = {}
    budget = [MAX_NODES]
    value = _convert(node, (), lines, budget, 0) if node is not None else None
    return Doc(value, lines)


def _convert(node, path: tuple, lines: dict, budget: list[int], depth: int) -> object:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ParseError("document too large or too deeply nested (alias bomb?)",
                         node.start_mark.line + 1, node.start_mark.column + 1)
    lines.setdefault(path, node.start_mark.line + 1)
    if node.id == "mapping":  # PyYAML's node kinds, by their ``id``: "scalar", "sequence", "mapping"
        out: dict = {}
        for knode, vnode in node.value:
            key = knode.value if knode.id == "scalar" else f"<{knode.tag}>"
            sub = path + (key,)
            lines[sub] = knode.start_mark.line + 1
            out[key] = _convert(vnode, sub, lines, budget, depth + 1)
        return out
    if node.id == "sequence":
        return [_convert(item, path + (i,), lines, budget, depth + 1) for i, item in enumerate(node.value)]
    return node.value
