"""The policy cache behind the hook: same Policy as a fresh load, and never stale."""
from __future__ import annotations

import json
import os

from ringfence.policy import load_policy
from ringfence.policy.cache import load_policy_cached


def test_cached_policy_equals_a_fresh_load_and_follows_every_change(tmp_path, monkeypatch):
    home, proj = tmp_path / "home", tmp_path / "proj"
    (home / ".claude").mkdir(parents=True)
    proj.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)

    def both():
        fresh = load_policy(str(proj), home=str(home))
        cached = load_policy_cached(str(proj), home=str(home), environ=env)
        return fresh, cached

    fresh, first = both()
    assert first == fresh
    _, second = both()                                   # from the cache now
    assert second == fresh and os.listdir(tmp_path / "cache" / "ringfence" / "policies")
    # a new deny rule in a file that did not exist: picked up at once
    (proj / ".claude").mkdir()
    (proj / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"deny": ["Bash(terraform *)"]}}))
    fresh, cached = both()
    assert cached == fresh and any(r.text == "Bash(terraform *)" for r in cached.guard.rules)
    # an edit of the user's settings: picked up
    (home / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"deny": ["Read(~/notes)"]}}))
    fresh, cached = both()
    assert cached == fresh and any(r.text == "Read(~/notes)" for r in cached.guard.rules)
    # removing the project file: the rule is gone again
    os.unlink(proj / ".claude" / "settings.json")
    fresh, cached = both()
    assert cached == fresh and not any(r.text == "Bash(terraform *)" for r in cached.guard.rules)


def test_a_tampered_cache_entry_is_not_trusted(tmp_path, monkeypatch):
    home, proj = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    proj.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    monkeypatch.setenv("HOME", str(home))
    load_policy_cached(str(proj), home=str(home), environ=env)
    d = tmp_path / "cache" / "ringfence" / "policies"
    (entry,) = list(d.iterdir())
    entry.chmod(0o644)                                   # not private: ignored, reloaded and rewritten
    p = load_policy_cached(str(proj), home=str(home), environ=env)
    assert p == load_policy(str(proj), home=str(home))
    assert entry.stat().st_mode & 0o077 == 0
    entry.write_bytes(b"garbage")                        # unreadable: reloaded
    assert load_policy_cached(str(proj), home=str(home), environ=env) == p


def test_new_ringfence_code_invalidates_entries(tmp_path, monkeypatch):
    """An entry records the source files that produced it: an upgrade never reuses it."""
    from ringfence.policy import cache
    home, proj = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    proj.mkdir()
    monkeypatch.setenv("HOME", str(home))
    pol = load_policy(str(proj), home=str(home))
    facts = cache.config_facts(pol)
    assert cache.__file__ in facts and facts[cache.__file__] == "content"
    assert any(p.endswith("/settings/layers.py") for p in facts)
