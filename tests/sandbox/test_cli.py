"""`ringfence doctor`, `run --explain` and `policy show`: real CLI, machine-readable output."""
from __future__ import annotations

import json
import os
import subprocess
import sys

RINGFENCE = [sys.executable, "-m", "ringfence"]


def cli(*args, cwd=None, env=None):
    return subprocess.run(RINGFENCE + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_doctor_reports_every_layer_present_here():
    r = cli("doctor", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    d = json.loads(r.stdout)
    names = {c["name"]: c for c in d["checks"]}
    for required in ("bubblewrap", "namespaces", "landlock", "seccomp", "python"):
        assert names[required]["ok"], names[required]
    assert names["landlock"]["detail"].startswith("ABI ")


def test_doctor_human_table():
    r = cli("doctor")
    assert r.returncode == 0 and "landlock" in r.stdout


def test_explain_lists_layers_without_running(tmp_path):
    marker = tmp_path / "ran"
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "c"))
    r = cli("run", "--explain", "--json", "--allow-domain", "pypi.org", "--", "touch", str(marker),
            cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert not marker.exists()
    assert "unshare-net" in d["namespaces"] and "disable-userns" in d["namespaces"]
    assert any(m["action"] == "rw" and m["path"] == str(tmp_path) for m in d["mounts"])
    assert any(s["syscall"].startswith("ptrace") or "ptrace" in s["syscall"] for s in d["seccomp"])
    assert [a["pattern"] for a in d["network"]["allowed"]] == ["pypi.org"]
    assert d["network"]["allowed"][0]["source"] == "flag --allow-domain"
    r = cli("run", "--explain", "--", "true", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "seccomp" in r.stdout and "mounts" in r.stdout


def test_policy_show_json_has_provenance(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path))
    r = cli("policy", "show", "--json", "--profile", "paranoid", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["profile"] == {"value": "paranoid", "source": "flag --profile"}
    assert any(i["pattern"] == f"{tmp_path}/.ssh" for i in d["fs"]["deny_read"])
    r = cli("policy", "show", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "filesystem.denyRead" in r.stdout


def test_home_as_project_is_refused_with_a_fix(tmp_path):
    r = cli("run", "--", "true", cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)))
    assert r.returncode == 2 and "--project" in r.stderr


def test_bad_profile_is_a_usage_error(tmp_path):
    r = cli("run", "--profile", "lax", "--", "true", cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)))
    assert r.returncode == 2 and "unknown profile" in r.stderr and "paranoid" in r.stderr
