"""The sandbox backends verify can drive. A new backend is verified by adding an entry to
``BACKENDS``: the probes, the worlds and the reports stay as they are.

Each backend says which profiles it has, which layers its diagnostic mode can switch
off one by one (for attribution), what it is missing on this machine, and how to run
one command in one world (``launch``, called in the driver process; it may exec). A
backend defined outside this file names itself in ``module`` ("pkg.mod:ATTR"); the runner
makes that importable in the driver.

  native   ringfence's own sandbox (bubblewrap namespaces + Landlock + seccomp + the
           filtering proxy) through ``ringfence.sandbox.launch.run``. Its layers:
           mounts, landlock, seccomp, pidns, netns (``disable=``) and proxy (switched
           off by allowing the blocked targets).
  srt      Anthropic's sandbox-runtime, in the hardened configuration of the Claude
           Code security guides, for ``--compare srt``. No diagnostic mode.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass
from typing import Callable

SRT_VERSION = "0.0.78"
SRT_PREFIX = os.path.join(os.path.expanduser("~"), ".cache", "ringfence-bench", "srt")


@dataclass(frozen=True)
class Backend:
    name: str
    title: str
    profiles: tuple[str, ...]
    layers: tuple[str, ...]                  # switchable, in the order the matrix shows them
    missing: Callable[[], str | None]        # why it cannot run here, or None
    launch: Callable[[dict], int]            # driver side: job -> exit status (may exec)
    version: Callable[[], str]
    module: str | None = None                # defined outside BACKENDS: "pkg.mod:ATTR" to import


def resolve(name: str, module: str | None = None) -> Backend:
    """A backend by name, or one defined elsewhere ("package.module:ATTRIBUTE")."""
    if module:
        import importlib
        mod, _, attr = module.partition(":")
        return getattr(importlib.import_module(mod), attr)
    return BACKENDS[name]


# ---------------------------------------------------------------- native

NATIVE_DISABLE = ("mounts", "landlock", "seccomp", "pidns", "netns")


def _native_missing() -> str | None:
    if shutil.which("bwrap") is None and not os.path.exists("/usr/bin/bwrap"):
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    return None


def _native_launch(job: dict) -> int:
    from ringfence.policy import load_policy
    from ringfence.sandbox.launch import run
    flags = {"allow_domain": list(job["allow_domains"])}
    policy = load_policy(job["cwd"], profile=job["profile"], home=job["home"], flags=flags,
                         project_dir=job["project"])
    return run(policy, list(job["argv"]), network=True, disable=frozenset(job["disable"]),
               environ=dict(job["env"]))


def _native_version() -> str:
    from ringfence import __version__
    return f"ringfence {__version__}"


def _profiles() -> tuple[str, ...]:
    from ringfence.policy.profiles import PROFILE_NAMES
    return tuple(PROFILE_NAMES)


# ---------------------------------------------------------------- srt

def srt_cli() -> str:
    return os.path.join(SRT_PREFIX, "node_modules", "@anthropic-ai", "sandbox-runtime", "dist", "cli.js")


def _srt_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.exists(srt_cli()):
        return (f"sandbox-runtime is not installed: npm install --prefix {SRT_PREFIX} "
                f"@anthropic-ai/sandbox-runtime@{SRT_VERSION} (bench/verify_compare.py does it)")
    for tool in ("bwrap", "socat", "rg"):
        if shutil.which(tool) is None:
            return f"sandbox-runtime needs {tool}"
    return None


def srt_settings(job: dict) -> dict:
    """The hardened configuration: credential reads denied (ringfence's own list, "~" being
    the world's home; srt skips globs on Linux, so they are left out), only the project
    writable, only the allowed server reachable, no unix sockets, none of the weaker modes."""
    from ringfence.policy.defaults import CREDENTIAL_PATHS
    home = job["home"]
    deny = [home + p[1:] if p.startswith("~/") else p for p in CREDENTIAL_PATHS if "*" not in p]
    return {
        "network": {"allowedDomains": list(job["allow_domains"]), "deniedDomains": [],
                    "allowUnixSockets": [], "allowAllUnixSockets": False, "allowLocalBinding": False},
        "filesystem": {"denyRead": deny, "allowRead": [], "allowWrite": [job["project"]], "denyWrite": []},
        "enableWeakerNestedSandbox": False,
    }


def _srt_launch(job: dict) -> int:
    path = os.path.join(job["root"], "srt-settings.json")
    with open(path, "w") as f:
        json.dump(srt_settings(job), f)
    node = shutil.which("node", path=job["env"].get("PATH")) or "node"
    os.chdir(job["cwd"])
    # -c takes one shell string as is; srt's own quoting of an argv breaks multi-line code.
    os.execve(node, [node, srt_cli(), "--settings", path, "-c", shlex.join(job["argv"])], job["env"])
    return 127  # pragma: no cover - execve does not return


def _srt_version() -> str:
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(srt_cli())), "package.json")) as f:
            return "sandbox-runtime " + json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "sandbox-runtime (not installed)"


BACKENDS: dict[str, Backend] = {
    "native": Backend("native", "ringfence native sandbox", _profiles(), NATIVE_DISABLE + ("proxy",),
                      _native_missing, _native_launch, _native_version),
    "srt": Backend("srt", "Anthropic sandbox-runtime (hardened)", ("hardened",), (),
                   _srt_missing, _srt_launch, _srt_version),
}
