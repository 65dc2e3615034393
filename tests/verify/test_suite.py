"""The project's integration test: `ringfence verify` against the native sandbox.

* every probe of the default profile, validated, run and attributed (one test per probe,
  so a leak names itself; known holes are strict xfails);
* every other profile: no leaks, every control green;
* weakened builds are caught: with each layer switched off in turn, the probes that
  layer alone holds leak, and those it shares with another layer stay held;
* the HTML report of the real run, rendered and checked in chromium.
"""
from __future__ import annotations

import pytest

from ringfence.policy.profiles import PROFILE_NAMES
from ringfence.verify.backends import BACKENDS
from ringfence.verify.probes import REGISTRY, select
from ringfence.verify.report import html

from browser import Dom, dump_dom, screenshot
from verify_suite import KNOWN_HOLES, run_suite


def _params():
    for p in REGISTRY:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[p.id])] if p.id in KNOWN_HOLES else []
        yield pytest.param(p.id, marks=marks, id=p.id)


@pytest.mark.parametrize("probe_id", list(_params()))
def test_probe_holds_in_the_default_profile(full_suite, probe_id):
    r = {x.id: x for x in full_suite.results}[probe_id]
    if r.status in ("skipped", "invalid"):
        pytest.skip(f"{r.status} on this machine: {r.reason}")
    assert r.status in ("held", "passed"), f"{r.status}: {r.reason}"
    if r.status == "held":
        assert r.held_by, "a held probe names what holds it"
        sandbox_layers = [L for L in BACKENDS["native"].layers if r.layers.get(L) in ("sole", "yes", "first")]
        assert sandbox_layers or "core" in r.held_by, r.layers


def test_suite_totals(full_suite):
    valid_held = [r for r in full_suite.results if r.status == "held"]
    assert len(valid_held) >= 60
    controls = [r for r in full_suite.results if r.control]
    assert controls and all(r.status == "passed" for r in controls), [(r.id, r.reason) for r in controls]
    assert {r.id for r in full_suite.leaks} <= set(KNOWN_HOLES)
    assert not [r for r in full_suite.results if r.status == "error"]
    # defence in depth shows up, and every switchable layer is the one holding something
    assert any(r.depth for r in full_suite.results)
    for layer in BACKENDS["native"].layers:
        assert any(r.layers.get(layer) == "sole" for r in full_suite.results), f"no probe is held by {layer} alone"


@pytest.mark.slow
@pytest.mark.parametrize("profile", [p for p in PROFILE_NAMES if p != "default"])
def test_every_other_profile_holds(profile, full_suite):
    # validation depends on the machine, not the profile: reuse the default run's
    valid = tuple(r.id for r in full_suite.results if r.status not in ("invalid", "skipped"))
    res = run_suite(profile, probes=select(ids=valid), attribute=False, validate=False)
    by_id = {r.id: r for r in res.results}
    assert all(by_id[r.id].status == "passed" for r in res.results if r.control), \
        [(r.id, r.reason) for r in res.results if r.control and r.status != "passed"]
    leaks = {r.id: r.reason for r in res.leaks}
    assert set(leaks) <= set(KNOWN_HOLES), leaks
    assert not [r.id for r in res.results if r.status == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("layer", BACKENDS["native"].layers)
def test_a_build_without_a_layer_is_caught(full_suite, layer):
    """Switch one layer off (diagnostic mode): what it alone held now leaks, what another
    layer also holds stays held, the controls still work, and verify fails."""
    alone = [r.id for r in full_suite.results if r.layers.get(layer) == "sole"]
    shared = [r.id for r in full_suite.results if r.layers.get(layer) == "yes"][:8]
    controls = [p.id for p in REGISTRY if p.control]
    assert alone, f"no probe is held by {layer} alone: a build without it would pass"
    res = run_suite(probes=select(ids=tuple(alone + shared + controls)), attribute=False,
                    weaken=frozenset({layer}), guard=False, validate=False)
    by_id = {r.id: r for r in res.results}
    assert [i for i in alone if by_id[i].status != "leaked"] == []
    assert [i for i in shared if by_id[i].status != "held"] == []
    assert all(by_id[i].status == "passed" for i in controls), [(i, by_id[i].reason) for i in controls]
    assert res.exit_code == 1


def test_html_report_of_the_real_run(full_suite, tmp_path):
    page = tmp_path / "verify.html"
    page.write_text(html.render(full_suite))
    dom = Dom(dump_dom(str(page)))
    rows = dom.find("tr", inside="matrix")
    probe_rows = [r for r in rows if "data-probe" in r["attrs"]]
    assert len(probe_rows) == len(full_suite.results)
    held = [r for r in probe_rows if r["attrs"]["data-status"] == "held"]
    assert len(held) == full_suite.count("held")
    assert dom.one(id="verdict")["attrs"]["data-exit"] == str(full_suite.exit_code)
    for layer in BACKENDS["native"].layers:
        assert dom.find("td", inside="matrix", data_layer=layer, data_cell="sole"), layer
    assert dom.one("tr", inside="machine", data_key="kernel")
    cats = {r["attrs"]["data-category"] for r in dom.find("tr", inside="categories") if "data-category" in r["attrs"]}
    assert cats == {r.category for r in full_suite.results}
    screenshot(str(page), str(tmp_path / "verify.png"))
