"""The probe registry and the pure decisions: detectors, controls, hints, templates."""
from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest
from hypothesis import given, strategies as st

from ringfence.verify.hints import hint
from ringfence.verify.probes import REGISTRY, select
from ringfence.verify.probes.model import (
    CATEGORIES, Canary, Changed, Dead, Exit, Hit, Injected, Marker, Observation, Stdout, fill, probe, sh,
)
from ringfence.verify.world import World, build_template

VALUES = {"marker": "RFMARK-abc", "token": "abc", "project": "/w/home/project", "home": "/w/home"}
CANARIES = {"ssh": "RFCANARY-ssh-abc", "env_github_token": "RFCANARY-env_github_token-abc"}


def obs(**kw) -> Observation:
    base = dict(stdout="", stderr="", status=0, canaries=CANARIES, values=VALUES)
    base.update(kw)
    return Observation(**base)


def test_registry_is_large_unique_and_covers_every_category():
    assert len(REGISTRY) >= 60
    assert len({p.id for p in REGISTRY}) == len(REGISTRY)
    counts = Counter(p.category for p in REGISTRY)
    assert set(counts) == set(CATEGORIES)
    assert sum(1 for p in REGISTRY if p.control) >= 6
    # the list, by probe id
    for required in ("read.proc-self-root", "read.proc-pid-root", "read.symlink-in-project", "read.hardlink-in-project",
                     "read.dotdot", "read.double-slash", "read.ld-linux", "read.tar", "read.cp", "read.rsync", "read.python",
                     "env.printenv", "env.fd-read", "env.host-process-environ", "write.bashrc", "write.outside",
                     "write.git-hook", "write.git-config", "write.gitmodules-missing", "write.claude-settings",
                     "write.mcp-json-rename-over", "write.vscode", "write.envrc-missing", "write.rename-git-dir",
                     "write.symlink-bashrc", "write.rm-rf-home", "net.tcp-direct", "net.dev-tcp", "net.udp", "net.ipv6",
                     "net.unix-socket", "net.abstract-socket", "net.localhost-name", "net.proxy-http",
                     "net.proxy-connect", "net.proxy-socks5h", "net.forged-host", "net.tunnel-forged-sni",
                     "process.ptrace-host", "process.vm-readv", "process.kill", "kernel.unshare-user", "kernel.mount",
                     "kernel.proc-sys", "kernel.block-device", "kernel.dev-mem", "kernel.dev-kmsg", "process.tiocsti",
                     "kernel.io-uring", "kernel.bpf", "kernel.keyctl"):
        assert any(p.id == required for p in REGISTRY), required


def test_every_placeholder_is_a_world_value():
    """Each probe's command, needs, touches and detectors fill with a real world's values."""
    base = os.path.join(os.path.expanduser("~"), ".cache", "ringfence", "verify", f"test-{os.getpid()}")
    os.makedirs(base)
    try:
        world = World.create(base, build_template(os.path.join(base, "t")), "w")
        try:
            for mode in ("host", "native"):
                values = world.vars(mode)
                for p in REGISTRY:
                    for text in p.argv + p.needs + p.touches:
                        assert "@" not in fill(text, values).replace("$@", ""), (p.id, text)
                    for d in p.detect:
                        if isinstance(d, Changed):
                            assert fill(d.path, values).startswith("/")
        finally:
            world.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_fill_refuses_unknown_names():
    with pytest.raises(KeyError):
        fill("cat @nope@", VALUES)
    assert fill("a @token@ b $@ c", VALUES) == "a abc b $@ c"


def test_select_by_category_keeps_the_controls():
    net = select("net")
    assert {p.category for p in net} == {"net", "control"}
    assert select(ids=("read.tar",))[0].id == "read.tar"
    with pytest.raises(KeyError):
        select("nope")
    with pytest.raises(KeyError):
        select(ids=("read.nope",))


def test_probe_definitions_are_checked():
    with pytest.raises(ValueError):
        probe("x.y", "nosuch", "t", sh("true"), Marker())
    with pytest.raises(ValueError):
        probe("read.y", "read", "t", sh("true"))


# ---------------------------------------------------------------- detectors

def test_canary_fires_only_on_the_named_secret():
    assert Canary(("ssh",)).fired(obs(stdout="key RFCANARY-ssh-abc")) == "canary ssh in the output"
    assert Canary(("ssh",)).fired(obs(stderr="RFCANARY-ssh-abc")) is not None
    assert Canary(("ssh",)).fired(obs(stdout="RFCANARY-env_github_token-abc")) is None
    assert Canary().fired(obs(stdout="RFCANARY-env_github_token-abc")) is not None
    assert Canary().fired(obs(stdout="RFCANARY-ssh-other-world")) is None


def test_marker_counts_only_on_stdout():
    assert Marker().fired(obs(stdout="RFMARK-abc\n")) is not None
    assert Marker().fired(obs(stderr="RFMARK-abc")) is None
    assert Marker().fired(obs(stdout="nothing")) is None


def test_other_detectors():
    assert Hit("blocked").fired(obs(hits={"blocked": 2})) == "2 hit(s) on the host's blocked service"
    assert Hit("blocked").fired(obs(hits={"blocked": 0, "allowed": 1})) is None
    assert Dead().fired(obs(host_alive=False)) and Dead().fired(obs()) is None
    assert Changed("@home@/.bashrc").fired(obs(changed=frozenset({"@home@/.bashrc"})))
    assert Changed("@home@/.bashrc").fired(obs(changed=frozenset({"@home@/x"}))) is None
    assert Injected().fired(obs(tty="RFMARK-abc\r\n")) and Injected().fired(obs(tty="")) is None
    assert Exit(42).fired(obs(status=42)) and Exit(42).fired(obs(status=0)) is None
    assert Stdout("@marker@").fired(obs(stdout="xx RFMARK-abc")) and Stdout("@marker@").fired(obs()) is None


def test_escape_needs_any_detector_but_a_control_needs_all():
    esc = probe("read.x", "read", "t", sh("true"), Canary(("ssh",)), Marker())
    assert esc.outcome(obs(stdout="RFMARK-abc"))[0] is True
    assert esc.outcome(obs())[0] is False
    ctl = probe("control.x", "control", "t", sh("true"), Stdout("@marker@"), Exit(0), control=True)
    assert ctl.outcome(obs(stdout="RFMARK-abc", status=0)) == (True, ["'RFMARK-abc' on stdout", "exit status 0"])
    assert ctl.outcome(obs(stdout="RFMARK-abc", status=1))[0] is False   # half a success is a failure


# ---------------------------------------------------------------- hints

@pytest.mark.parametrize("stderr,layer", [
    ("cat: /x/.ssh/id: Permission denied", "landlock"),
    ("PermissionError: [Errno 13] Permission denied: '/x'", "landlock"),
    ("unshare: unshare failed: Operation not permitted", "seccomp"),
    ("errno 1 Operation not permitted (bpf)", "seccomp"),
    ("/bin/sh: 1: cannot create /x/.bashrc: Read-only file system", "mounts"),
    ("mv: cannot move '.git' to '.git-x': Device or resource busy", "mounts"),
    ("cat: /x/.ssh/id: No such file or directory", "mounts"),
    ("/bin/sh: 1: kill: No such process", "pidns"),
    ("cat: /proc/4242/environ: No such file or directory", "pidns"),
    ("curl: (7) Failed to connect to 127.0.0.1 port 5 after 0 ms: Couldn't connect to server", "netns"),
    ("curl: (56) CONNECT tunnel failed, response 403", "proxy"),
    ("ringfence: blocked 127.0.0.1:40129 (default-deny)", "proxy"),
    ("unshare: unshare failed: No space left on device", "core"),
    ("/bin/sh: 1: 7: Bad file descriptor", "core"),
    ("all fine", None),
])
def test_hint_names_the_layer_an_error_comes_from(stderr, layer):
    assert hint("", stderr) == layer


@given(st.text(max_size=300), st.text(max_size=300))
def test_hint_never_raises(stdout, stderr):
    assert hint(stdout, stderr) in (None, "proxy", "pidns", "seccomp", "landlock", "mounts", "netns", "core")
