"""`ringfence check`, `ringfence hook`, `ringfence init`: the guard's subcommands.

Imports happen inside the functions: ``hook`` runs once per tool call and must stay
lean, and an import failure there must still end in a deny (exit 2), not a traceback.

Exit codes:
  check  0 allowed or no opinion, 1 deny or ask (someone must look), 2 usage/config error
  hook   0 a decision (or none) on stdout, 2 deny: anything went wrong (reason on stderr)
  init   0 written or already up to date, 1 changes pending and not written (--dry-run,
         declined, or no terminal without --yes), 2 usage/config error
"""
from __future__ import annotations


def hook(argv: list[str]) -> int:
    try:
        from ringfence.guard.hook import main
        return main(argv)
    except BaseException as e:  # noqa: BLE001 - a crash would let the tool call through
        import sys
        try:
            sys.stderr.write(f"ringfence: hook failed ({type(e).__name__}: {e}); denying\n")
        except Exception:  # noqa: BLE001
            pass
        return 2


def check(argv: list[str]) -> int:
    from ringfence.guard.check import main
    return main(argv)


def init(argv: list[str]) -> int:
    from ringfence.guard.init import main
    return main(argv)
