"""Shell commands hidden in interpreter one-liners (python -c, node -e, perl -e, ruby -e).

``python3 -c "import os; os.system('rm -rf ~')"`` runs ``rm -rf ~``; so does
``shutil.rmtree(os.path.expanduser('~'))``. ``embedded(code)`` returns bash source for
what such code visibly runs or deletes, so the same guards and rules judge it. Only
string literals are read: code that builds its command at run time stays opaque (the
guard reports it through the credential, persistence and network checks on the text).
"""
from __future__ import annotations

import re

_STR = r"""(?:'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"|`([^`\\]*)`)"""
_RUNNERS = re.compile(
    r"(?:os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)"
    r"|child_process\.(?:exec|execSync|spawn|spawnSync)|\bexecSync|\bexec|\bsystem|\bshell_exec|\bpassthru"
    r"|\bpopen|\bspawnSync|%x|\bqx)\s*[\(\{]\s*(\[?)\s*" + _STR)
_LIST_ITEMS = re.compile(_STR)
_BACKTICKS = re.compile(r"`([^`\n]{1,4000})`")
_RMTREE = re.compile(
    r"(?:shutil\.rmtree|rmtree|fs\.rmSync|fs\.rmdirSync|fs\.promises\.rm|FileUtils\.rm_rf|FileUtils\.rm_r"
    r"|FileUtils\.remove_dir|remove_tree)\s*\(\s*(?:os\.path\.expanduser\(\s*)?" + _STR)
_RMTREE_HOME = re.compile(
    r"(?:rmtree|rmSync|rmdirSync|rm_rf|rm_r|remove_tree)\s*\(\s*(?:[\w.]*\.)?(?:Path\.home\(\)|homedir\(\)|Dir\.home"
    r"|os\.environ\[\s*['\"]HOME['\"]\s*\]|os\.getenv\(\s*['\"]HOME['\"]\s*\)|\$ENV\{HOME\}|process\.env\.HOME)")


def embedded(code: str, *, language: str) -> list[str]:
    """Bash source for the commands ``code`` visibly runs or the trees it deletes."""
    out = []
    for m in _RUNNERS.finditer(code):
        if m.group(1) == "[":  # subprocess.run(["rm", "-rf", "/"])
            rest = code[m.start(1):]
            items = [next(g for g in im.groups() if g is not None)
                     for im in _LIST_ITEMS.finditer(rest[:rest.find("]") if "]" in rest else len(rest)])]
            out.append(" ".join(_quote(_unescape(i)) for i in items))
        else:
            out.append(_unescape(next(g for g in m.groups()[1:] if g is not None)))
    if language in ("perl", "ruby", "php"):
        out += [m.group(1) for m in _BACKTICKS.finditer(code)]
    for m in _RMTREE.finditer(code):
        out.append("rm -rf " + _quote_path(_unescape(next(g for g in m.groups() if g is not None))))
    if _RMTREE_HOME.search(code):
        out.append("rm -rf ~")
    return out


def _unescape(s: str) -> str:
    return s.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _quote_path(s: str) -> str:
    if s == "~" or s.startswith("~/"):
        return "~" + (_quote(s[1:]) if len(s) > 1 else "")
    return _quote(s)
