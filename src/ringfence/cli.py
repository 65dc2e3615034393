"""ringfence's command line: dispatch only.

Each subcommand lives with its layer (``<package>/command.py``) and exposes
``main(argv) -> int``; this file imports nothing else so that the hot paths
(``run`` and ``hook``, a fresh process per call) stay cheap. This is the only
place that calls ``sys.exit``.

Exit codes (all subcommands):
  0   success / nothing found / allowed
  1   findings, leaks or a denial (scan, audit, verify, check)
  2   usage or configuration error (bad flag, bad config file, unreadable input)
  3   a required isolation layer is missing: refused to run (fail closed)
  126/127  the command could not be executed / was not found (run)
  N   otherwise, `run` exits with the sandboxed command's own status (128+signal if killed)
"""
from __future__ import annotations

import sys

COMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (module, function, one-line help)
    "run": ("ringfence.sandbox.command", "main", "run a command or agent inside the sandbox"),
    "policy": ("ringfence.policy.command", "main", "show the effective policy and where each value came from"),
    "doctor": ("ringfence.sandbox.command", "doctor", "which kernel features and tools are present, and how to fix what is missing"),
    "log": ("ringfence.proxy.command", "main", "show the network decision log"),
    "check": ("ringfence.guard.command", "check", "what the guard would decide for a command, and why"),
    "hook": ("ringfence.guard.command", "hook", "Claude Code hook: event JSON on stdin, decision on stdout"),
    "init": ("ringfence.guard.command", "init", "write hardened Claude Code settings and the hook"),
    "scan": ("ringfence.scan.command", "main", "pre-trust check of a repository"),
    "audit": ("ringfence.audit.command", "main", "posture of this machine's agent setup"),
    "verify": ("ringfence.verify.command", "main", "adversarial escape suite against your own setup"),
}

USAGE = "usage: ringfence <command> [options]\n\ncommands:\n" + "".join(
    f"  {name:<8} {help_}\n" for name, (_, _, help_) in COMMANDS.items()
) + "\nrun 'ringfence <command> --help' for a command's options.\n"


def main(argv: list[str] | None = None) -> int:
    as_program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        from ringfence import __version__
        print(f"ringfence {__version__}")
        return 0
    entry = COMMANDS.get(argv[0])
    if entry is None:
        sys.stderr.write(f"ringfence: unknown command {argv[0]!r}\n{USAGE}")
        return 2
    module, func, _ = entry
    import importlib

    from ringfence.errors import RingfenceError
    try:
        mod = importlib.import_module(module)
        code = int(getattr(mod, func)(argv[1:]) or 0)
        if argv[0] in ("run", "hook") and as_program:
            # the sandboxed command has finished (or the hook's reply is written) and
            # everything is cleaned up: skip the interpreter's teardown, it only adds to
            # every sandboxed command's (every tool call's) cost
            sys.stdout.flush()
            sys.stderr.flush()
            import os
            os._exit(code)
        return code
    except RingfenceError as e:
        sys.stderr.write(e.render() + "\n")
        return e.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
