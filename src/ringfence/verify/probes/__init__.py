"""The escape probes, as data: one module per category, collected into ``REGISTRY``.

A new probe is one entry in its category's ``PROBES`` list; a new backend never needs
new probes (see ``ringfence.verify.backends``).
"""
from __future__ import annotations

from ringfence.verify.probes import control, env, kernel, net, process, read, write
from ringfence.verify.probes.model import CATEGORIES, Probe

REGISTRY: tuple[Probe, ...] = tuple(
    control.PROBES + read.PROBES + env.PROBES + write.PROBES + net.PROBES + process.PROBES + kernel.PROBES)


def _check(probes: tuple[Probe, ...]) -> None:
    seen = set()
    for p in probes:
        if p.id in seen:
            raise ValueError(f"duplicate probe id {p.id}")
        if not p.id.startswith(p.category + "."):
            raise ValueError(f"probe {p.id} must start with its category {p.category!r}")
        seen.add(p.id)


_check(REGISTRY)


def select(only: str | None = None, ids: tuple[str, ...] = ()) -> tuple[Probe, ...]:
    """The probes of one category (controls always included), or those named by id."""
    if ids:
        by_id = {p.id: p for p in REGISTRY}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise KeyError(", ".join(missing))
        return tuple(by_id[i] for i in ids)
    if only is None:
        return REGISTRY
    if only not in CATEGORIES:
        raise KeyError(only)
    return tuple(p for p in REGISTRY if p.category in (only, "control"))
