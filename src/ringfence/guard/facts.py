"""What the guard reads from the machine: real paths, the current git branch, script text.

The only file-system access of the guard's decision path; every read is bounded. The
hook passes ``Facts()``; tests build real directories and pass the same class.
"""
from __future__ import annotations

import os

SCRIPT_LIMIT = 256 * 1024
HEAD_LIMIT = 4096


class Facts:
    def realpath(self, path: str) -> str:
        """The path with existing symlinks resolved (missing tail components kept)."""
        try:
            return os.path.realpath(path)
        except (OSError, ValueError):
            return path

    def lexists(self, path: str) -> bool:
        return os.path.lexists(path)

    def git_branch(self, directory: str | None) -> str | None:
        """The branch checked out in the repository containing ``directory``.

        None when not in a repository, on a detached HEAD, or unreadable.
        """
        if not directory:
            return None
        d = directory
        for _ in range(64):
            dotgit = os.path.join(d, ".git")
            head = None
            if os.path.isdir(dotgit):
                head = os.path.join(dotgit, "HEAD")
            elif os.path.isfile(dotgit):
                text = _read(dotgit, HEAD_LIMIT)
                if text and text.startswith("gitdir:"):
                    gitdir = text[len("gitdir:"):].strip()
                    head = os.path.join(d, gitdir, "HEAD") if not gitdir.startswith("/") else os.path.join(gitdir, "HEAD")
            if head is not None:
                text = _read(head, HEAD_LIMIT) or ""
                if text.startswith("ref: refs/heads/"):
                    return text[len("ref: refs/heads/"):].strip()
                return None
            parent = os.path.dirname(d)
            if parent == d:
                return None
            d = parent
        return None

    def script(self, path: str) -> tuple[str, str]:
        """(kind, text) of a script file: kind is 'text', 'missing', 'binary', 'too large' or 'unreadable'."""
        try:
            with open(path, "rb") as f:
                data = f.read(SCRIPT_LIMIT + 1)
        except FileNotFoundError:
            return "missing", ""
        except (IsADirectoryError, NotADirectoryError):
            return "missing", ""
        except OSError as e:
            return "unreadable", e.strerror or str(e)
        if len(data) > SCRIPT_LIMIT:
            return "too large", f"over {SCRIPT_LIMIT} bytes"
        if data.startswith(b"\x7fELF") or b"\x00" in data[:4096]:
            return "binary", ""
        first = data.split(b"\n", 1)[0]
        if first.startswith(b"#!") and not any(s in first for s in (b"sh", b"bash", b"zsh", b"dash", b"ksh")):
            return "binary", ""  # another interpreter's script: a program, not shell code
        return "text", data.decode("utf-8", "replace")


def _read(path: str, limit: int) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return None
