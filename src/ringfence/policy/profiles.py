"""The five profiles: each a named set of policy values (data, merged below every source).

| profile    | for                                  |
|------------|--------------------------------------|
| default    | day-to-day work in your own repo     |
| untrusted  | a repository you do not trust        |
| autonomous | unattended runs, nobody to answer    |
| ci         | CI pipelines                         |
| paranoid   | maximum strictness                   |
"""
from __future__ import annotations

from ringfence.policy.defaults import CREDENTIAL_PATHS

PROFILE_NAMES = ("default", "untrusted", "autonomous", "ci", "paranoid")

# Keys:
#   hideHome            the whole home is unreadable except the project and agent state
#   trustProjectConfig  project/local config may relax (allow lists); denies always apply
#   unknown             guard verdict where it cannot know what a command does
#   askAs               what an "ask" becomes ("ask" keeps it; "deny" where nobody answers)
#   blockSocketpair     seccomp also refuses socketpair(AF_UNIX) (breaks Node's child_process)
#   protectGitDir       the whole .git directory is read-only, not just hooks and config
#   agentPreset         add the agent's own state dir / API host when the command is a known agent
PROFILES: dict[str, dict] = {
    "default": {
        "description": "Day-to-day work in your own repository.",
        "denyRead": list(CREDENTIAL_PATHS),
        "hideHome": False, "trustProjectConfig": True, "unknown": "ask", "askAs": "ask",
        "blockSocketpair": False, "protectGitDir": False, "agentPreset": True,
    },
    "untrusted": {
        "description": "A repository you do not trust: its config cannot relax anything, home is hidden.",
        "denyRead": list(CREDENTIAL_PATHS),
        "hideHome": True, "trustProjectConfig": False, "unknown": "ask", "askAs": "ask",
        "blockSocketpair": False, "protectGitDir": False, "agentPreset": True,
    },
    "autonomous": {
        "description": "Unattended runs: nobody answers a prompt, so what would ask is denied.",
        "denyRead": list(CREDENTIAL_PATHS),
        "hideHome": True, "trustProjectConfig": False, "unknown": "deny", "askAs": "deny",
        "blockSocketpair": False, "protectGitDir": False, "agentPreset": True,
    },
    "ci": {
        "description": "CI pipelines: non-interactive, home hidden, only the workspace writable.",
        "denyRead": list(CREDENTIAL_PATHS),
        "hideHome": True, "trustProjectConfig": True, "unknown": "deny", "askAs": "deny",
        "blockSocketpair": False, "protectGitDir": False, "agentPreset": True,
    },
    "paranoid": {
        "description": "Maximum strictness: home hidden, .git read-only, no project relaxations, deny unknowns.",
        "denyRead": list(CREDENTIAL_PATHS) + ["/etc/ssh", "/var/log", "/var/mail", "/var/spool"],
        "hideHome": True, "trustProjectConfig": False, "unknown": "deny", "askAs": "deny",
        "blockSocketpair": False, "protectGitDir": True, "agentPreset": True,
    },
}
