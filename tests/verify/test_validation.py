"""Validation without a sandbox: every kind of leak shows on the host, missing tools are
skips, probes the kernel already forbids are invalid, and stand-in backends that protect
nothing, or refuse everything, fail the suite."""
from __future__ import annotations

import pytest

from ringfence.verify.backends import BACKENDS
from ringfence.verify.probes import select
from ringfence.verify.probes.model import Canary, Marker, probe, sh
from ringfence.verify.runner import Runner

import stand_in_backends

# One probe per kind of detector: canary, host file changed, service hit (through the
# open proxy), host process killed, terminal injection, fd secret, success marker.
KINDS = ("read.ssh-key", "write.git-hook", "net.proxy-http", "net.tunnel-forged-sni", "process.kill",
         "process.tiocsti", "env.fd-read", "env.host-process-environ", "kernel.unshare-user")


@pytest.fixture(scope="module")
def runner():
    with Runner(BACKENDS["native"], "default", jobs=2) as r:
        yield r


@pytest.mark.parametrize("probe_id", KINDS)
def test_every_kind_of_leak_shows_without_a_sandbox(runner, probe_id):
    p = select(ids=(probe_id,))[0]
    world = runner.new_world(p)
    try:
        out = runner.once(p, world, "host")
    finally:
        world.close()
    assert out["error"] is None
    assert out["effect"], out


def test_a_missing_tool_is_a_skip_never_a_pass(runner):
    p = probe("read.needs-x", "read", "t", sh("cat /etc/hostname"), Marker(), needs=("ringfence-no-such-tool",))
    r = runner.run_probe(p)
    assert (r.status, r.runs) == ("skipped", 0)
    assert "ringfence-no-such-tool" in r.reason


def test_a_probe_that_does_not_work_here_is_invalid(runner):
    p = probe("read.impossible", "read", "t", sh("cat /nonexistent/@token@"), Canary(("ssh",)))
    r = runner.run_probe(p)
    assert r.status == "invalid"
    assert "without a sandbox" in r.reason and "No such file" in r.reason
    assert not r.failing


def test_a_sandbox_that_never_starts_the_command_is_an_error_not_a_hold():
    res = Runner(stand_in_backends.BROKEN, "none", jobs=4).run(select(ids=SAMPLE[:4]), machine={})
    assert {r.status for r in res.results} == {"error"}
    assert all("never started" in r.reason and "cannot set up" in r.reason for r in res.results)
    assert res.exit_code == 1


SAMPLE = ("control.write-project", "control.allowed-server", "control.exit-status", "read.ssh-key",
          "env.printenv", "write.bashrc", "net.tcp-direct", "net.proxy-http", "process.kill", "kernel.unshare-user")


def test_a_backend_that_protects_nothing_leaks_every_valid_probe():
    res = Runner(stand_in_backends.PASSTHROUGH, "none", jobs=4).run(select(ids=SAMPLE), machine={})
    escapes = [r for r in res.results if not r.control and r.status not in ("invalid", "skipped")]
    assert escapes and all(r.status == "leaked" for r in escapes), [(r.id, r.status, r.reason) for r in escapes]
    assert res.exit_code == 1


def test_a_backend_that_refuses_everything_fails_the_controls():
    res = Runner(stand_in_backends.LOCKDOWN, "strict", jobs=4).run(select(ids=SAMPLE), machine={})
    by_id = {r.id: r for r in res.results}
    assert by_id["control.write-project"].status == "failed"
    assert by_id["control.allowed-server"].status == "failed"
    assert by_id["control.exit-status"].status == "passed"
    assert by_id["read.ssh-key"].status == "leaked"          # read-only is not unreadable
    assert res.exit_code == 1
