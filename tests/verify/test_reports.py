"""Reports from a hand-made result: the table, JSON and HTML (checked in real chromium)."""
from __future__ import annotations

import json

from ringfence.verify.report import html, json as json_report, table
from ringfence.verify.result import ProbeResult, SuiteResult

from browser import Dom, dump_dom, screenshot

LAYERS = ("guard", "mounts", "landlock", "seccomp", "pidns", "netns", "proxy")


def sample(leak: bool = True) -> SuiteResult:
    rs = [
        ProbeResult("control.git", "control", "run git", True, "passed", "exit status 0"),
        ProbeResult("read.ssh-key", "read", "cat the key", False, "held", "Permission denied <b>", "landlock",
                    {"guard": "yes", "mounts": "yes", "landlock": "yes", "seccomp": "no", "pidns": "no",
                     "netns": "n/a", "proxy": "n/a"}, ("mounts", "landlock", "guard"), "deny", 8, 1.2),
        ProbeResult("process.kill", "process", "kill a host process", False, "held", "No such process", "pidns",
                    {"guard": "no", "mounts": "no", "landlock": "no", "seccomp": "no", "pidns": "sole",
                     "netns": "n/a", "proxy": "n/a"}, ("pidns",), "none", 3, 0.5),
        ProbeResult("kernel.dev-mem", "kernel", "read /dev/mem", False, "skipped", "needs /dev/mem"),
        ProbeResult("kernel.block-device", "kernel", "read the disk", False, "invalid", "without a sandbox it failed"),
    ]
    if leak:
        rs.append(ProbeResult("net.tunnel-forged-host", "net", "fronting", False, "leaked",
                              "1 hit(s) on the host's blocked service", guard="none", runs=2))
    return SuiteResult("native", "ringfence 0.1.0", "default", LAYERS, rs,
                       {"kernel": "6.1.0-test", "landlock_abi": 7, "tools": {"curl": "curl 7.88"},
                        "sysctl": {"kernel/io_uring_disabled": "0"}}, 12.5)


def test_exit_code_and_counts():
    assert sample(leak=True).exit_code == 1
    assert sample(leak=False).exit_code == 0
    failed = sample(leak=False)
    failed.results[0].status = "failed"
    assert failed.exit_code == 1
    errored = sample(leak=False)
    errored.results[2].status = "error"
    assert errored.exit_code == 1
    assert sample().count("invalid") == 1 and sum(r.depth for r in sample().results) == 1


def test_table_shows_matrix_verdict_and_totals():
    text = table.render(sample(), width=180)
    assert "FAIL: 1 leak(s)" in text
    assert "net.tunnel-forged-host" in text and "leaked" in text
    assert "●" in text and "◐" in text and "deny" in text
    assert "per category" in text
    ok = table.render(sample(leak=False), width=180)
    assert "PASS" in ok and "FAIL" not in ok
    assert "\x1b[" not in ok and "\x1b[" in table.render(sample(), color=True)


def test_json_is_complete():
    d = json.loads(json_report.render(sample()))
    assert d["summary"]["leaked"] == 1 and d["summary"]["exit_code"] == 1
    assert d["summary"]["defence_in_depth"] == 1
    row = {r["id"]: r for r in d["results"]}["read.ssh-key"]
    assert row["held_by"] == ["mounts", "landlock", "guard"] and row["depth"] is True
    assert row["layers"]["landlock"] == "yes"
    assert d["categories"]["kernel"] == {"skipped": 1, "invalid": 1}
    both = json.loads(json_report.render_compare([sample(), sample(leak=False)]))
    assert both["leaks"] == {"native": 1} or len(both["compare"]) == 2


def test_html_in_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(html.render(sample()))
    text = page.read_text()
    assert "<script" not in text and "http://" not in text and "https://" not in text   # self-contained
    dom = Dom(dump_dom(str(page)))
    verdict = dom.one(id="verdict")
    assert verdict["attrs"]["data-exit"] == "1" and "FAIL" in verdict["text"]
    leak = dom.one("tr", data_probe="net.tunnel-forged-host")
    assert leak["attrs"]["data-status"] == "leaked"
    pid = dom.find("td", data_layer="pidns", data_cell="sole")
    assert len(pid) == 1
    assert dom.one("td", data_held_by="mounts,landlock,guard")["text"] == "mount ns + Landlock + guard"
    assert "Permission denied <b>" in dom.one("tr", data_probe="read.ssh-key")["text"]   # escaped, not markup
    assert len(dom.find("b")) >= 9                                                      # only the cards' own
    cats = {e["attrs"]["data-category"] for e in dom.find("tr") if "data-category" in e["attrs"]}
    assert {"control", "read", "process", "kernel", "net"} <= cats
    assert "6.1.0-test" in dom.one("table", id="machine")["text"]
    png = tmp_path / "report.png"
    screenshot(str(page), str(png))
    assert png.stat().st_size > 20_000


def test_compare_page_in_chromium(tmp_path):
    page = tmp_path / "compare.html"
    other = sample(leak=False)
    other.backend = "srt"
    page.write_text(html.render_compare([sample(), other]))
    dom = Dom(dump_dom(str(page)))
    cells = dom.find("td", inside="compare", data_backend="native", data_status="leaked")
    assert len(cells) == 1
    assert len(dom.find("td", inside="compare", data_backend="srt", data_status="leaked")) == 0
    assert dom.one("tr", inside="matrix-srt", data_probe="read.ssh-key")["attrs"]["data-status"] == "held"
    assert dom.one(id="verdict-native")["attrs"]["data-exit"] == "1"
    assert dom.one(id="verdict-srt")["attrs"]["data-exit"] == "0"
    assert dom.one(data_leaks="native")["text"].startswith("1")
