"""HTML report: one self-contained file (inline CSS, no script, nothing fetched).

Sections: the verdict, totals, per-category totals, the probe x layer matrix with each
probe's evidence, and the machine (kernel, Landlock ABI, sysctls, tool versions). The
elements carry ids and data attributes (``#verdict[data-exit]``, ``#matrix tr[data-probe]
[data-status]``, ``td[data-layer][data-cell]``) so tests can check the DOM.
"""
from __future__ import annotations

import datetime
from html import escape

from ringfence.verify.report.common import (
    CELL_MEANING, CELL_SYMBOL, STATUS_ORDER, held_by_label, layer_label, summary_line, verdict,
)
from ringfence.verify.result import SuiteResult

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1f;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.sub{color:#555;margin-bottom:14px}
#verdict{display:inline-block;padding:8px 14px;border-radius:6px;font-weight:600;color:#fff}
#verdict.pass{background:#1a7f37} #verdict.fail{background:#c62828}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:14px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;background:#fff;border:1px solid #ddd}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}
td.c{text-align:center;font-size:15px}
.s-held,.s-passed{color:#1a7f37;font-weight:600} .s-leaked,.s-failed{color:#fff;background:#c62828;font-weight:700}
.s-error{color:#c62828;font-weight:700} .s-invalid{color:#9a6700} .s-skipped{color:#888}
.cell-sole{color:#1a7f37;font-weight:700} .cell-yes,.cell-first{color:#2e9d52} .cell-no,.cell-n\\/a{color:#bbb}
td.hb{white-space:nowrap}
.ev{font:12px ui-monospace,monospace;color:#444;max-width:640px;white-space:pre-wrap;word-break:break-word}
.legend span{margin-right:16px;color:#555}
"""


def _status(s: str) -> str:
    return f'<span class="s-{escape(s)}">{escape(s)}</span>'


def _cards(result: SuiteResult) -> str:
    items = [("probes", len(result.results))] + [(s, result.count(s)) for s in STATUS_ORDER] + [
        ("defence in depth", sum(1 for r in result.results if r.depth)), ("seconds", f"{result.seconds:.1f}")]
    return '<div class="cards">' + "".join(
        f'<div class="card" data-card="{escape(k)}"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v in items) + "</div>"


def _categories(result: SuiteResult) -> str:
    statuses = [s for s in STATUS_ORDER if result.count(s)]
    head = "".join(f"<th>{escape(s)}</th>" for s in statuses)
    rows = "".join(
        f'<tr data-category="{escape(cat)}"><td>{escape(cat)}</td>'
        + "".join(f'<td data-status="{escape(s)}">{row.get(s, "")}</td>' for s in statuses) + "</tr>"
        for cat, row in result.categories().items())
    return f'<table id="categories"><tr><th>category</th>{head}</tr>{rows}</table>'


def _matrix(result: SuiteResult, table_id: str = "matrix") -> str:
    head = "".join(f'<th data-layer="{escape(L)}">{escape(layer_label(L))}</th>' for L in result.layers)
    rows = []
    for r in sorted(result.results, key=lambda r: (STATUS_ORDER.index(r.status), r.category, r.id)):
        cells = "".join(
            f'<td class="c cell-{escape(r.layers.get(L, ""))}" data-layer="{escape(L)}" data-cell="{escape(r.layers.get(L, ""))}"'
            f' title="{escape(CELL_MEANING.get(r.layers.get(L, ""), ""))}">'
            f'{escape(r.guard) if L == "guard" and r.guard else CELL_SYMBOL.get(r.layers.get(L, ""), "")}</td>'
            for L in result.layers)
        rows.append(
            f'<tr data-probe="{escape(r.id)}" data-status="{escape(r.status)}" data-category="{escape(r.category)}">'
            f'<td><code>{escape(r.id)}</code><br><small>{escape(r.title)}</small></td><td>{_status(r.status)}</td>'
            f'{cells}<td class="hb" data-held-by="{escape(",".join(r.held_by))}">{escape(held_by_label(r.held_by))}</td>'
            f'<td class="ev">{escape(r.reason)}</td></tr>')
    legend = '<p class="legend">' + "".join(
        f"<span>{CELL_SYMBOL[k]} {escape(v)}</span>" for k, v in CELL_MEANING.items()) + "</p>"
    return (legend + f'<table id="{escape(table_id)}"><tr><th>probe</th><th>status</th>{head}<th>held by</th>'
            f'<th>evidence / error</th></tr>{"".join(rows)}</table>')


def _machine(result: SuiteResult) -> str:
    m = result.machine
    rows = [("backend", f"{result.backend} ({result.backend_version})"), ("profile", result.profile)]
    rows += [(k, m[k]) for k in ("kernel", "arch", "distro", "cpus", "landlock_abi", "user", "hostname") if k in m]
    rows += [(f"sysctl {k}", v) for k, v in m.get("sysctl", {}).items()]
    rows += [(f"tool {k}", v) for k, v in m.get("tools", {}).items()]
    body = "".join(f'<tr data-key="{escape(str(k))}"><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>'
                   for k, v in rows)
    return f'<table id="machine">{body}</table>'


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style></head>'
            f'<body>{body}</body></html>\n')


def _header(result: SuiteResult, suffix: str = "") -> str:
    ok = result.exit_code == 0
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    weak = f" — weakened: {escape(', '.join(result.weaken))} off" if result.weaken else ""
    return (f'<h1>ringfence verify</h1><div class="sub">{escape(result.backend)} backend, profile '
            f'<b>{escape(result.profile)}</b>{weak} — {escape(when)} — {escape(str(result.machine.get("kernel", "")))}</div>'
            f'<div id="verdict{escape(suffix)}" class="{"pass" if ok else "fail"}" data-exit="{result.exit_code}">{escape(verdict(result))}</div>'
            f'<p id="summary{escape(suffix)}">{escape(summary_line(result))}</p>')


def render(result: SuiteResult) -> str:
    body = (_header(result) + _cards(result) + "<h2>Per category</h2>" + _categories(result)
            + "<h2>Probes and the layers that hold them</h2>" + _matrix(result)
            + "<h2>Machine</h2>" + _machine(result))
    return _page(f"ringfence verify: {result.backend} / {result.profile}", body)


def render_compare(results: list[SuiteResult]) -> str:
    head = "".join(f'<th data-backend="{escape(r.backend)}">{escape(r.backend)} ({escape(r.profile)})</th>'
                   for r in results)
    index = [{p.id: p for p in r.results} for r in results]
    rows = []
    for p in results[0].results:
        cells = "".join(
            f'<td data-backend="{escape(res.backend)}" data-status="{escape(ix[p.id].status if p.id in ix else "")}">'
            f'{_status(ix[p.id].status) if p.id in ix else ""}</td>' for res, ix in zip(results, index))
        rows.append(f'<tr data-probe="{escape(p.id)}"><td><code>{escape(p.id)}</code></td>{cells}'
                    f'<td>{escape(p.title)}</td></tr>')
    leaks = "".join(f'<div class="card" data-leaks="{escape(r.backend)}"><b>{r.count("leaked")}</b>'
                    f'{escape(r.backend)} leaks</div>' for r in results)
    body = (f'<h1>ringfence verify --compare</h1><div class="cards">{leaks}</div>'
            f'<table id="compare"><tr><th>probe</th>{head}<th>what it tries</th></tr>{"".join(rows)}</table>')
    for r in results:
        body += f"<h2>{escape(r.backend)}</h2>" + _header(r, f"-{r.backend}") + _matrix(r, f"matrix-{r.backend}")
    body += "<h2>Machine</h2>" + _machine(results[0])
    return _page("ringfence verify --compare", body)
