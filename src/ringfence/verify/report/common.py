"""What every report shows the same way: symbols, labels and the leak summary."""
from __future__ import annotations

from ringfence.verify.hints import LAYER_NAMES
from ringfence.verify.result import SuiteResult

CELL_SYMBOL = {"sole": "●", "yes": "◐", "first": "○", "no": "·", "n/a": "–"}
CELL_MEANING = {"sole": "the one layer holding it: off, the probe leaks",
                "yes": "holds it alone, and so does another layer (defence in depth)",
                "first": "stopped it first (its error), and it stays held without it",
                "no": "not needed: held without it",
                "n/a": "cannot affect this probe"}
STATUS_ORDER = ("leaked", "failed", "error", "held", "passed", "invalid", "skipped")


def layer_label(layer: str) -> str:
    return LAYER_NAMES.get(layer, layer)


def held_by_label(held_by) -> str:
    return " + ".join(layer_label(x) for x in held_by)


def verdict(result: SuiteResult) -> str:
    leaks = result.count("leaked")
    failed = result.count("failed")
    errors = result.count("error")
    if not (leaks or failed or errors):
        return "PASS: no valid probe leaked and every positive control worked"
    parts = []
    if leaks:
        parts.append(f"{leaks} leak(s)")
    if failed:
        parts.append(f"{failed} failed control(s)")
    if errors:
        parts.append(f"{errors} run(s) that could not be judged")
    return "FAIL: " + ", ".join(parts)


def summary_line(result: SuiteResult) -> str:
    c = result.count
    return (f"{len(result.results)} probes: {c('held')} held, {c('leaked')} leaked, {c('invalid')} invalid here, "
            f"{c('skipped')} skipped, {c('error')} errors; controls {c('passed')} passed, {c('failed')} failed; "
            f"{sum(1 for r in result.results if r.depth)} held by more than one layer; {result.seconds:.1f} s")
