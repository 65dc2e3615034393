"""Terminal report: the probe x layer matrix, per-category totals, then the verdict."""
from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ringfence.verify.report.common import (
    CELL_MEANING, CELL_SYMBOL, STATUS_ORDER, held_by_label, layer_label, summary_line, verdict,
)
from ringfence.verify.result import ProbeResult, SuiteResult

STATUS_STYLE = {"held": "green", "passed": "green", "leaked": "bold white on red", "failed": "bold white on red",
                "error": "bold red", "invalid": "yellow", "skipped": "dim"}
CELL_STYLE = {"sole": "bold green", "yes": "green", "first": "green", "no": "dim", "n/a": "dim"}


def _console(buf, color: bool, width: int) -> Console:
    return Console(file=buf, width=width, force_terminal=color, no_color=not color, highlight=False,
                   color_system="standard" if color else None)


def _cell(r: ProbeResult, layer: str) -> Text:
    """A layer's cell: its symbol; the guard's shows its verdict (deny, ask, none)."""
    state = r.layers.get(layer, "")
    if layer == "guard" and r.guard:
        return Text(r.guard, style=CELL_STYLE.get(state, ""))
    return Text(CELL_SYMBOL.get(state, ""), style=CELL_STYLE.get(state, ""))


def _order(r: ProbeResult) -> tuple:
    return (STATUS_ORDER.index(r.status), r.category, r.id)


def render(result: SuiteResult, *, color: bool = False, width: int = 140) -> str:
    buf = io.StringIO()
    con = _console(buf, color, width)
    title = f"ringfence verify: {result.backend} backend, profile {result.profile}"
    if result.weaken:
        title += f" (weakened: {', '.join(result.weaken)} off)"
    table = Table(title=Text(title, style="bold"), title_justify="left")
    table.add_column("probe", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for layer in result.layers:
        table.add_column(layer_label(layer), justify="center", no_wrap=True)
    table.add_column("held by", overflow="fold")
    for r in sorted(result.results, key=_order):
        cells = [_cell(r, L) for L in result.layers]
        table.add_row(r.id, Text(r.status, style=STATUS_STYLE.get(r.status, "")), *cells, held_by_label(r.held_by))
    con.print(table)
    if result.attributed and result.layers:
        con.print("  " + "   ".join(f"{CELL_SYMBOL[k]} {v}" for k, v in CELL_MEANING.items()), style="dim")
    notable = [r for r in sorted(result.results, key=_order) if r.status not in ("held", "passed")]
    if notable:
        details = Table(title="leaks, failures, errors, invalid and skipped probes", title_justify="left", expand=True)
        details.add_column("probe", no_wrap=True)
        details.add_column("status", no_wrap=True)
        details.add_column("what it tries / evidence", ratio=1, overflow="fold")
        for r in notable:
            details.add_row(r.id, Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                            Text(r.title + "\n") + Text(" ".join(r.reason.split()), style="dim"))
        con.print(details)
    con.print(categories_table(result))
    style = "bold green" if result.exit_code == 0 else "bold red"
    con.print(Text(verdict(result), style=style))
    con.print(summary_line(result))
    return buf.getvalue()


def categories_table(result: SuiteResult) -> Table:
    table = Table(title="per category", title_justify="left")
    statuses = [s for s in STATUS_ORDER if result.count(s)]
    table.add_column("category")
    for s in statuses:
        table.add_column(s, justify="right")
    for cat, row in result.categories().items():
        table.add_row(cat, *[str(row.get(s, "")) for s in statuses])
    return table


def render_compare(results: list[SuiteResult], *, color: bool = False, width: int = 140) -> str:
    """The same probes side by side, one column per backend, then each one's leak count."""
    buf = io.StringIO()
    con = _console(buf, color, width)
    table = Table(title=Text("ringfence verify --compare", style="bold"), title_justify="left", expand=True)
    table.add_column("probe", no_wrap=True)
    for res in results:
        table.add_column(f"{res.backend} ({res.profile})", no_wrap=True)
    table.add_column("what it tries", ratio=1, overflow="ellipsis", no_wrap=True)
    rows = {r.id: r for r in results[0].results}
    by_backend = [{r.id: r for r in res.results} for res in results]
    for pid, first in rows.items():
        cells = []
        for index in by_backend:
            r = index.get(pid)
            cells.append(Text(r.status if r else "", style=STATUS_STYLE.get(r.status, "") if r else ""))
        table.add_row(pid, *cells, first.title)
    con.print(table)
    for res in results:
        con.print(f"{res.backend} ({res.backend_version}): {res.count('leaked')} leak(s), "
                  f"{res.count('failed')} failed control(s); {summary_line(res)}")
    return buf.getvalue()
