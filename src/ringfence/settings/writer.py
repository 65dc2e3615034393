"""Write Claude Code settings files: a pure merge with a diff, then an atomic write.

``plan_merge`` never writes: it returns the new text and a unified diff so the caller
can show it first. ``write_atomic`` replaces a file so that a crash at any moment
leaves either the old file or the new one, never a mix.

Merge semantics (``merge``): dicts merge recursively, lists get the patch's missing
items appended (existing order and items kept), any other value from the patch wins,
and every key the user had is kept. Merging the same patch twice changes nothing.
"""
from __future__ import annotations

import difflib
import json
import os
import tempfile

from ringfence.errors import PolicyError
from ringfence.settings.layers import SettingsFileError, read_json_file

NEW_FILE_MODE = 0o600  # settings may carry env values (tokens): private unless the file existed


def merge(current: object, patch: object) -> object:
    """Return ``current`` with ``patch`` merged in; neither argument is modified."""
    if isinstance(current, dict) and isinstance(patch, dict):
        out = dict(current)
        for key, value in patch.items():
            out[key] = merge(current[key], value) if key in current else _copy(value)
        return out
    if isinstance(current, list) and isinstance(patch, list):
        out_list = list(current)
        for item in patch:
            if item not in out_list:
                out_list.append(_copy(item))
        return out_list
    return _copy(patch)


def _copy(value: object) -> object:
    return json.loads(json.dumps(value))


def render(data: dict) -> str:
    """The canonical text of a settings file: 2-space JSON, non-ASCII kept, final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def plan_merge(path: str, patch: dict) -> tuple[str, str]:
    """(new JSON text, unified diff against the current file) for ``patch`` merged into ``path``.

    A missing file counts as ``{}``. When the merge changes nothing the current text
    comes back untouched with an empty diff. A file that cannot be read or parsed
    raises PolicyError naming it: it is never overwritten.
    """
    if not isinstance(patch, dict):
        raise PolicyError("settings patch must be a JSON object", file=path)
    try:
        current = read_json_file(path)
    except SettingsFileError as e:
        raise PolicyError(e.message, file=path,
                          fix="repair or move the file by hand; ringfence does not overwrite a file it cannot parse") from None
    old_text = ""
    if current is None:
        current = {}
    else:
        with open(path, encoding="utf-8-sig") as f:
            old_text = f.read()
    merged = merge(current, patch)
    if merged == current and old_text:
        return old_text, ""
    new_text = render(merged)
    diff = "".join(difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=path if old_text else "/dev/null", tofile=path))
    return new_text, diff


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (temp file in the same directory, fsync, rename).

    Parent directories are created. An existing file keeps its mode; a symlinked file
    is written through to its target so dotfile managers keep their link. A new
    file is created with mode 0600; when root rewrites a file its owner is kept.
    """
    target = os.path.realpath(path)
    parent = os.path.dirname(target) or "."
    os.makedirs(parent, exist_ok=True)
    try:
        old = os.stat(target)
        mode, owner = old.st_mode & 0o7777, (old.st_uid, old.st_gid)
    except FileNotFoundError:
        mode, owner = NEW_FILE_MODE, None
    fd, tmp = tempfile.mkstemp(dir=parent, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            if owner is not None and os.geteuid() == 0:
                os.fchown(f.fileno(), *owner)  # root editing a user's file keeps it theirs
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
