"""Policy -> plan -> bwrap argv, as pure functions: exact argv and mount order."""
from __future__ import annotations

import os

import pytest

from ringfence.errors import PolicyError
from ringfence.policy import load_policy
from ringfence.sandbox.bwrap import NAMESPACES, bwrap_args, inner_mounts
from ringfence.sandbox.inner import MOUNT_DENIED, MOUNT_DIR, MOUNT_EMPTY
from ringfence.sandbox.plan import build_plan


@pytest.fixture
def world(tmp_path):
    home, proj = tmp_path / "home", tmp_path / "proj"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("k")
    (home / ".netrc").write_text("n")
    (proj / ".git" / "hooks").mkdir(parents=True)
    (proj / ".git" / "config").write_text("[core]\n")
    return home, proj, tmp_path / "managed"


def plan_for(world, **flags):
    home, proj, managed = world
    pol = load_policy(str(proj), home=str(home), managed_dir=str(managed), flags=flags)
    return build_plan(pol, ["true"], sandbox_id="t", network=False)


def test_argv_prefix_is_exact(world):
    args = bwrap_args(plan_for(world))
    assert args[:len(NAMESPACES)] == NAMESPACES
    assert args[len(NAMESPACES):len(NAMESPACES) + 23] == [
        "--die-with-parent", "--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP",
        "--clearenv", "--hostname", "ringfence",
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
        "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run"]


def test_mounts_shallow_to_deep_and_deny_wins(world):
    home, proj, _ = world
    plan = plan_for(world)
    paths = [a.path for a in plan.actions]
    depths = [p.count("/") for p in paths]
    assert depths == sorted(depths)
    acts = {a.path: (a.action, a.kind) for a in plan.actions}
    assert acts[str(home / ".ssh")] == ("hide", "dir")
    assert acts[str(home / ".netrc")] == ("hide", "file")
    assert acts[str(proj)] == ("rw", "dir")
    assert acts[str(proj / ".git" / "hooks")] == ("ro", "dir")
    assert acts[str(proj / ".git" / "config")] == ("ro", "file")
    assert acts[str(proj / ".git")][0] == "pin"            # renaming .git cannot move hooks away
    assert acts[str(proj / ".mcp.json")] == ("stub", "file")
    assert acts[str(proj / ".claude")] == ("stub", "dir")  # first missing component


def test_argv_for_each_action(world):
    home, proj, _ = world
    args = bwrap_args(plan_for(world))
    s = " ".join(args)
    assert f"--perms 0000 --tmpfs {home}/.ssh" in s
    assert f"--bind {proj} {proj}" in s
    assert f"--ro-bind {proj}/.git/hooks {proj}/.git/hooks" in s
    # a tmpfs hiding a directory is made read-only last
    tail = args[args.index("--remount-ro"):]
    assert f"{home}/.ssh" in tail
    assert args[-2:] == ["--chdir", str(proj)]
    # the file-sized actions are the inner stage's, in plan order, and bwrap does none of them
    mounts = inner_mounts(plan_for(world))
    assert (MOUNT_DENIED, f"{home}/.netrc") in mounts
    assert (MOUNT_EMPTY, f"{proj}/.mcp.json") in mounts
    assert (MOUNT_DIR, f"{proj}/.claude") in mounts
    assert all(p not in args for _, p in mounts)
    assert inner_mounts(plan_for(world), frozenset({"mounts"})) == []


def test_allow_read_inside_deny_and_nested_hides(world):
    home, proj, _ = world
    (home / ".ssh" / "known_hosts").write_text("h")
    plan = plan_for(world, allow_read=[str(home / ".ssh" / "known_hosts")],
                    deny_read=[str(home / ".ssh" / "id_rsa")])
    acts = {a.path: a.action for a in plan.actions}
    assert acts[str(home / ".ssh")] == "hide"
    assert acts[str(home / ".ssh" / "known_hosts")] == "ro"
    assert str(home / ".ssh" / "id_rsa") not in acts       # already hidden by its parent
    args = bwrap_args(plan)
    assert f"--perms 0755 --tmpfs {home}/.ssh" in " ".join(args)  # traversable to reach the re-allowed file


def test_write_root_inside_denied_write_stays_read_only(world):
    home, proj, _ = world
    (proj / "out").mkdir()
    plan = plan_for(world, allow_write=[str(proj / "out")], deny_write=[str(proj / "out")])
    acts = {a.path: a.action for a in plan.actions}
    assert acts.get(str(proj / "out")) != "rw"
    assert str(proj / "out") not in plan.write_roots


def test_refuses_to_make_home_or_root_writable(world):
    home, _, _ = world
    with pytest.raises(PolicyError):
        plan_for(world, allow_write=[str(home)])
    with pytest.raises(PolicyError):
        plan_for(world, allow_write=["/"])


def test_diagnostic_disable_is_only_an_argument(world):
    plan = plan_for(world)
    args = bwrap_args(plan, disable=frozenset({"netns", "pidns"}))
    assert "--unshare-net" not in args and "--unshare-pid" not in args
    assert "--unshare-net" in bwrap_args(plan)
    assert os.path.basename(__file__)  # the CLI has no such option: see test_run.test_unknown_flag...
