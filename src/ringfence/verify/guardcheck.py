"""The guard as a layer: what ringfence's guard would decide for a probe's command.

The command is judged as the agent would send it (a Bash tool call), in the probe's
world: its project as the working directory, its home, the profile under test. "deny"
means the guard alone stops this command before it runs; "ask" means a person would be
asked; anything else lets it through to the sandbox.
"""
from __future__ import annotations

import shlex

from ringfence.verify.probes.model import Probe, fill
from ringfence.verify.world import World


def command_text(probe: Probe, values: dict[str, str]) -> str:
    """The probe as a shell command line: a ``sh -c`` script as itself, anything else quoted."""
    argv = [fill(a, values) for a in probe.argv]
    if argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3:
        return argv[2]
    return shlex.join(argv)


def guard_verdict(profile: str, probe: Probe, world: World) -> str:
    from ringfence.guard.decide import Judge
    from ringfence.policy import load_policy
    policy = load_policy(world.project, profile=profile, home=world.home, project_dir=world.project)
    decision = Judge(policy, env=world.environ("native")).decide("Bash", {"command": command_text(probe, world.vars("native"))})
    return decision.verdict or "none"
