"""The policy: sources, precedence, validation, provenance (real files in a temp HOME)."""
from __future__ import annotations

import json
import os

import pytest

from ringfence.errors import PolicyError
from ringfence.policy import load_policy
from ringfence.policy.defaults import SECRET_PATTERNS
from ringfence.sandbox.compiled import build_env
from ringfence.sandbox.plan import env_recipe


@pytest.fixture
def world(tmp_path):
    home = tmp_path / "home"
    proj = tmp_path / "proj"
    managed = tmp_path / "managed"
    for d in (home, proj, managed):
        d.mkdir()
    return home, proj, managed


def load(world, **kw):
    home, proj, managed = world
    return load_policy(str(proj), home=str(home), managed_dir=str(managed), **kw)


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def patterns(items):
    return [i.pattern for i in items]


def test_defaults_hide_credentials_and_write_only_project(world):
    home, proj, _ = world
    p = load(world)
    assert p.profile.value == "default"
    assert f"{home}/.ssh" in patterns(p.fs.deny_read)
    assert "/etc/shadow" in patterns(p.fs.deny_read)
    assert patterns(p.fs.allow_write) == [str(proj)]
    assert ".git/hooks/" in [i.value for i in p.fs.protected_names]


def test_claude_settings_layers_merge_with_provenance(world):
    home, proj, managed = world
    write_json(home / ".claude/settings.json", {
        "sandbox": {"filesystem": {"denyRead": ["~/secret-notes"]}, "network": {"allowedDomains": ["pypi.org"]}},
        "permissions": {"deny": ["Read(~/.config/private/**)", "Edit(//etc/hosts)", "Bash(rm -rf *)"]}})
    write_json(proj / ".claude/settings.json", {"sandbox": {"filesystem": {"allowWrite": ["./build"]}}})
    (proj / "build").mkdir()
    write_json(managed / "managed-settings.json", {"sandbox": {"network": {"deniedDomains": ["evil.example"]}}})
    p = load(world)
    dr = {i.pattern: i.source for i in p.fs.deny_read}
    assert dr[f"{home}/secret-notes"].endswith("settings.json: sandbox.filesystem.denyRead[0]")
    assert f"{home}/.config/private" in dr                       # Read deny -> denied read
    assert "/etc/hosts" in patterns(p.fs.deny_write)            # Edit deny -> denied write
    assert f"{home}/.config/private" in patterns(p.fs.deny_write)  # Read deny blocks writes too
    assert f"{proj}/build" in patterns(p.fs.allow_write)
    assert [i.value for i in p.net.allowed_domains] == ["pypi.org"]
    assert [i.value for i in p.net.denied_domains] == ["evil.example"]
    assert any(r.text == "Bash(rm -rf *)" and r.kind == "deny" for r in p.guard.rules)
    assert set(p.files_read) == {str(home / ".claude/settings.json"), str(proj / ".claude/settings.json"),
                                 str(managed / "managed-settings.json")}


def test_scalar_precedence_managed_beats_flag_beats_user(world):
    home, proj, managed = world
    (home / ".config/ringfence").mkdir(parents=True)
    (home / ".config/ringfence/ringfence.toml").write_text('profile = "ci"\n')
    assert load(world).profile.value == "ci"
    assert load(world, profile="paranoid").profile.value == "paranoid"


def test_project_config_cannot_relax_under_untrusted_profile(world):
    home, proj, _ = world
    write_json(proj / ".claude/settings.json", {
        "sandbox": {"filesystem": {"allowWrite": ["~"], "allowRead": ["~/.ssh"]},
                    "network": {"allowedDomains": ["exfil.example"]}},
        "permissions": {"allow": ["Bash"], "deny": ["Read(./.env)"]}})
    p = load(world, profile="untrusted")
    assert patterns(p.fs.allow_write) == [str(proj)]
    assert p.fs.allow_read == ()
    assert p.net.allowed_domains == ()
    assert not [r for r in p.guard.rules if r.kind == "allow"]
    assert f"{proj}/.env" in patterns(p.fs.deny_read)  # denies still apply
    assert any("untrusted project" in n for n in p.notes)


def test_project_config_never_reallows_reads_or_writes_outside(world):
    home, proj, _ = world
    write_json(proj / ".claude/settings.json", {
        "sandbox": {"filesystem": {"allowWrite": ["/etc", "./out"], "allowRead": ["~/.ssh"]}}})
    p = load(world)  # default profile trusts the project for its own directory only
    assert "/etc" not in patterns(p.fs.allow_write)
    assert f"{proj}/out" in patterns(p.fs.allow_write)
    assert p.fs.allow_read == ()


def test_project_cannot_choose_profile_over_user(world):
    home, proj, _ = world
    (home / ".config/ringfence").mkdir(parents=True)
    (home / ".config/ringfence/ringfence.toml").write_text('profile = "untrusted"\n')
    (proj / "ringfence.toml").write_text('profile = "default"\n')
    assert load(world).profile.value == "untrusted"


@pytest.mark.parametrize("text,key", [
    ('bogus = 1\n', "bogus"),
    ('[filesystem]\ndenyRead = "~/x"\n', "filesystem.denyRead"),
    ('[filesystem]\ndenyRead = ["~/a**b"]\n', "filesystem.denyRead[0]"),
    ('[network]\nallowedDomains = ["http://x.com/"]\n', "network.allowedDomains[0]"),
    ('[guard]\nunknown = "maybe"\n', "guard.unknown"),
    ('profile = "lax"\n', "profile"),
])
def test_bad_ringfence_toml_names_file_key_value(world, text, key):
    home, proj, _ = world
    (proj / "ringfence.toml").write_text(text)
    with pytest.raises(PolicyError) as e:
        load(world)
    assert str(proj / "ringfence.toml") in e.value.message
    assert key in e.value.message


def test_invalid_claude_settings_json_is_an_error_with_position(world):
    home, proj, _ = world
    (proj / ".claude").mkdir()
    (proj / ".claude/settings.json").write_text('{"permissions": {"deny": [}')
    with pytest.raises(PolicyError) as e:
        load(world)
    assert "settings.json" in e.value.message and "line 1" in e.value.message


def test_bad_flag_domain_is_rejected(world):
    with pytest.raises(PolicyError):
        load(world, flags={"allow_domain": ["exa mple.com"]})
    p = load(world, flags={"allow_domain": ["127.0.0.1:8080", "*.github.com"]})
    assert [i.value for i in p.net.allowed_domains] == ["127.0.0.1:8080", "*.github.com"]


def test_agent_preset_adds_state_dir_and_api_host(world):
    home, proj, _ = world
    p = load(world, agent="claude")
    assert f"{home}/.claude" in patterns(p.fs.allow_write)
    assert f"{home}/.claude/settings.json" in patterns(p.fs.deny_write)
    assert "api.anthropic.com" in [i.value for i in p.net.allowed_domains]


def test_environment_allowlist_and_secrets(world):
    p = load(world, flags={"env": ["GITHUB_TOKEN"]})
    environ = {"PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "x",
               "GITHUB_TOKEN": "ghp_1", "NPM_TOKEN": "n", "RANDOM_VAR": "r", "TERM": "xterm"}
    recipe = env_recipe(p, network=True) | {"secret_patterns": list(SECRET_PATTERNS)}
    env = build_env(recipe, environ, "t")
    assert env["GITHUB_TOKEN"] == "ghp_1"           # named explicitly
    assert "NPM_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert "RANDOM_VAR" not in env                  # not on the allowlist
    assert env["LANG"] == "C.UTF-8" and env["LC_ALL"] == "C" and env["TERM"] == "xterm"
    assert env["HTTPS_PROXY"].startswith("http://127.0.0.1:") and env["NO_PROXY"] == ""
