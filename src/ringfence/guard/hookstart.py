"""The hook's start-up, as `ringfence init` writes it into Claude Code's settings:

    <python> -I -S <this file> --path=DIR... hook [--profile P]

Claude Code starts the hook as a fresh process for every tool call, so start-up is most
of what the hook costs. ``ringfence hook``, pip's console script, first runs ``site``
(every ``.pth`` file in the environment) and imports ``re`` for its own use. Here ``-I``
(isolated: no ``PYTHON*`` variables, no user site-packages, not even this file's
directory on ``sys.path``) and ``-S`` (no ``site``) give a bare interpreter, and the
``--path=`` directories, where ``init`` found ringfence and tree-sitter, go first on
``sys.path``. The rest is ``ringfence hook`` itself (``guard.command.hook``). Once the
reply is written and flushed the process ends with ``os._exit``: the interpreter's
teardown (freeing every module) only delays Claude Code.

Fail closed: a bad argument or a moved install (nothing to import) ends in exit 2 with
the reason on stderr, the hook's deny. A missing file makes Python itself exit 2, and
the settings entry's ``onFailure: block`` covers an interpreter that cannot start.
"""
import sys

USAGE = "usage: hookstart.py --path=DIR... hook [--profile P]"


def main(argv: list[str]) -> int:
    paths = []
    while argv and argv[0].startswith("--path="):
        paths.append(argv.pop(0)[len("--path="):])
    if not argv or argv[0] != "hook":
        sys.stderr.write(f"ringfence: {USAGE}; denying\n")
        return 2
    sys.path[:0] = paths
    from ringfence.guard.command import hook
    return hook(argv[1:])


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except BaseException as e:  # noqa: BLE001 - exit 1 or a traceback would let the call through
        sys.stderr.write(f"ringfence: the hook could not start ({type(e).__name__}: {e}); denying\n")
        code = 2
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - the reply could not be written: that is a deny
        code = 2
    import os
    os._exit(code)
