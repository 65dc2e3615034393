"""`ringfence verify` on the command line: options, reports, exit status, --compare srt."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ringfence import cli
from ringfence.verify.backends import BACKENDS, srt_settings

from browser import Dom, dump_dom

RINGFENCE = [sys.executable, "-m", "ringfence"]


@pytest.mark.parametrize("argv,message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--only", "nope"], "invalid choice: 'nope'"),
    (["--profile", "nope"], "unknown profile 'nope'"),
    (["--jobs", "0"], "--jobs must be between 1 and 64"),
    (["--html", "/nonexistent-dir/x.html"], "does not exist"),
    (["--compare", "srt", "--profile", "all"], "--compare runs one profile"),
])
def test_bad_options_exit_2_with_a_message(capsys, argv, message):
    assert cli.main(["verify", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ringfence: ") and message in err
    assert "Traceback" not in err


def test_help(capsys):
    assert cli.main(["verify", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--compare" in out and "exit status" in out


def test_one_category_json_and_html(tmp_path):
    page = tmp_path / "r.html"
    out = subprocess.run([*RINGFENCE, "verify", "--only", "process", "--json", "--html", str(page), "--jobs", "4"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert {r["category"] for r in d["results"]} == {"process", "control"}
    assert d["summary"]["exit_code"] == 0 and d["summary"]["controls_failed"] == 0
    assert d["machine"]["kernel"] == os.uname().release
    assert "ringfence: verify: HTML report written" in out.stderr
    dom = Dom(dump_dom(str(page)))
    assert dom.one(id="verdict")["attrs"]["data-exit"] == "0"
    assert {r["attrs"]["data-probe"] for r in dom.find("tr", inside="matrix") if "data-probe" in r["attrs"]} == \
        {r["id"] for r in d["results"]}


def test_srt_settings_are_the_hardened_configuration():
    job = {"home": "/h", "project": "/h/p", "allow_domains": ["127.0.0.1:8080"]}
    s = srt_settings(job)
    assert "/h/.ssh" in s["filesystem"]["denyRead"] and "/h/.aws" in s["filesystem"]["denyRead"]
    assert "/etc/shadow" in s["filesystem"]["denyRead"]
    assert not any("*" in p or p.startswith("~") for p in s["filesystem"]["denyRead"])
    assert s["filesystem"]["allowWrite"] == ["/h/p"]
    assert s["network"]["allowedDomains"] == ["127.0.0.1:8080"]
    assert s["network"]["allowAllUnixSockets"] is False and s["network"]["allowUnixSockets"] == []
    assert s["enableWeakerNestedSandbox"] is False


def test_compare_srt(tmp_path):
    why = BACKENDS["srt"].missing()
    if why:
        pytest.skip(why)
    out = subprocess.run([*RINGFENCE, "verify", "--only", "env", "--compare", "srt", "--json", "--jobs", "4"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    d = json.loads(out.stdout)
    native, srt = d["compare"]
    assert (native["backend"], srt["backend"]) == ("native", "srt")
    assert d["leaks"]["native"] == 0
    # srt passes the agent's environment through: its secrets leak (documented behaviour)
    srt_status = {r["id"]: r["status"] for r in srt["results"]}
    assert srt_status["env.printenv"] == "leaked"
    assert d["leaks"]["srt"] >= 1
    assert out.returncode == 0          # the exit status is the backend under test's
