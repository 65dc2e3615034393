"""The peers the benchmarks compare against, installed on demand outside the repository.

Anthropic's sandbox-runtime (the engine of Claude Code's native sandbox) lives under
~/.cache/ringfence-bench/srt; it runs on this machine's Node 20 with bubblewrap, socat and
ripgrep from apt.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

SRT_VERSION = "0.0.78"
SRT_DIR = os.path.expanduser(os.environ.get("RINGFENCE_SRT_DIR", "~/.cache/ringfence-bench/srt"))


def srt_cli(install: bool = True) -> tuple[str | None, str]:
    """(path of the srt CLI, "") or (None, why it is not available)."""
    cli = os.path.join(SRT_DIR, "node_modules", ".bin", "srt")
    if os.path.exists(cli):
        return cli, ""
    if not install:
        return None, f"sandbox-runtime is not installed under {SRT_DIR}"
    if not shutil.which("npm"):
        return None, "npm is not installed"
    os.makedirs(SRT_DIR, exist_ok=True)
    r = subprocess.run(["npm", "install", "--prefix", SRT_DIR, f"@anthropic-ai/sandbox-runtime@{SRT_VERSION}"],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or not os.path.exists(cli):
        return None, f"npm install failed: {r.stderr.strip()[-300:]}"
    return cli, ""


def srt_settings(path: str, *, home: str, project: str, allowed: list[str] = ()) -> str:
    """A hardened sandbox-runtime configuration (the Claude Code security guides' advice):
    credentials unreadable, only the project writable, only the given domains, no unix sockets."""
    creds = ["~/.ssh", "~/.aws", "~/.gnupg", "~/.config/gh", "~/.git-credentials", "~/.netrc", "~/.npmrc",
             "~/.pypirc", "~/.docker/config.json", "~/.kube", "~/.azure", "~/.config/gcloud"]
    cfg = {"network": {"allowedDomains": list(allowed), "deniedDomains": [], "allowAllUnixSockets": False},
           "filesystem": {"denyRead": [c.replace("~", home, 1) for c in creds], "allowWrite": [project],
                          "denyWrite": []}}
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path
