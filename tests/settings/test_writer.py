"""settings/writer.py: merge semantics, diff, idempotence, refusal to overwrite, atomic writes."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings, strategies as st

from ringfence.errors import PolicyError
from ringfence.settings.writer import merge, plan_merge, write_atomic

PATCH = {
    "permissions": {"deny": ["Bash(rm -rf *)", "Read(~/.ssh/**)"], "disableBypassPermissionsMode": "disable"},
    "sandbox": {"enabled": True, "allowUnsandboxedCommands": False},
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "ringfence hook"}]}]},
}


def test_merge_semantics_keep_user_keys_append_lists_patch_scalars_win():
    user = {"model": "opus", "permissions": {"deny": ["Read(.env)", "Bash(rm -rf *)"], "allow": ["Bash(ls)"]},
            "sandbox": {"enabled": False, "network": {"allowedDomains": ["pypi.org"]}}}
    out = merge(user, PATCH)
    assert out["model"] == "opus"
    assert out["permissions"]["allow"] == ["Bash(ls)"]
    assert out["permissions"]["deny"] == ["Read(.env)", "Bash(rm -rf *)", "Read(~/.ssh/**)"]
    assert out["sandbox"] == {"enabled": True, "network": {"allowedDomains": ["pypi.org"]},
                              "allowUnsandboxedCommands": False}
    assert out["hooks"] == PATCH["hooks"]
    assert user["sandbox"]["enabled"] is False  # inputs untouched


def test_merge_type_mismatch_patch_wins():
    assert merge({"a": "x"}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert merge({"a": [1]}, {"a": 2}) == {"a": 2}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20)


@settings(max_examples=100, deadline=None)
@given(json_values, json_values)
def test_merge_is_idempotent(current, patch):
    once = merge(current, patch)
    assert merge(once, patch) == once


def test_plan_merge_missing_file_is_empty(tmp_path):
    path = tmp_path / "settings.json"
    text, diff = plan_merge(str(path), PATCH)
    assert json.loads(text) == PATCH
    assert diff.startswith("--- /dev/null")
    assert not path.exists()  # planning never writes


def test_plan_merge_diff_then_idempotent(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{\n    "model": "sonnet",\n    "permissions": {"deny": ["Read(.env)"]}\n}\n')
    text, diff = plan_merge(str(path), PATCH)
    assert "+" in diff and '"model": "sonnet"' in text
    assert json.loads(text)["permissions"]["deny"][0] == "Read(.env)"
    write_atomic(str(path), text)
    again, diff2 = plan_merge(str(path), PATCH)
    assert diff2 == "" and again == path.read_text()


def test_plan_merge_unchanged_keeps_user_formatting(tmp_path):
    path = tmp_path / "settings.json"
    original = '{"sandbox":   {"enabled": true}}\n'
    path.write_text(original)
    text, diff = plan_merge(str(path), {"sandbox": {"enabled": True}})
    assert (text, diff) == (original, "")


@pytest.mark.parametrize("content", ['{"a": ', "[1, 2]", "\xff\xfe", "{} trailing"])
def test_plan_merge_refuses_unparseable_file(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(PolicyError) as e:
        plan_merge(str(path), PATCH)
    assert str(path) in e.value.message
    assert path.read_bytes() == content.encode("latin-1")


def test_plan_merge_directory_in_the_way(tmp_path):
    (tmp_path / "settings.json").mkdir()
    with pytest.raises(PolicyError, match="directory"):
        plan_merge(str(tmp_path / "settings.json"), PATCH)


def test_write_atomic_creates_parents_private_and_keeps_mode(tmp_path):
    new = tmp_path / "a" / "b" / "settings.json"
    write_atomic(str(new), "{}\n")
    assert new.read_text() == "{}\n"
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    os.chmod(existing, 0o640)
    write_atomic(str(existing), '{"x": 1}\n')
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_text() == '{"x": 1}\n'
    assert sorted(os.listdir(tmp_path)) == ["a", "existing.json"]  # no temp files left


def test_write_atomic_through_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "settings.json"
    real.parent.mkdir()
    real.write_text("{}")
    link = tmp_path / "settings.json"
    link.symlink_to(real)
    write_atomic(str(link), '{"y": 2}\n')
    assert link.is_symlink() and real.read_text() == '{"y": 2}\n'


def test_write_atomic_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    path.write_text('{"old": true}')

    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(str(path), '{"new": true}')
    assert path.read_text() == '{"old": true}'
    assert os.listdir(tmp_path) == ["settings.json"]


WRITER_LOOP = """
import sys
from ringfence.settings.writer import write_atomic
a, b = "A" * 2_000_000, "B" * 2_000_000
print("ready", flush=True)
while True:
    write_atomic(sys.argv[1], a)
    write_atomic(sys.argv[1], b)
"""


def test_write_atomic_killed_mid_write_never_leaves_half_a_file(tmp_path):
    """A real process rewriting the file in a loop, read concurrently, then SIGKILLed."""
    path = tmp_path / "settings.json"
    path.write_text("A" * 2_000_000)
    proc = subprocess.Popen([sys.executable, "-c", WRITER_LOOP, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        seen = set()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            data = path.read_text()
            assert data in ("A" * 2_000_000, "B" * 2_000_000)
            seen.add(data[0])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert path.read_text() in ("A" * 2_000_000, "B" * 2_000_000)
    assert seen  # the reader really read while the writer ran
