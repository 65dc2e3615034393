"""Command-line options the way programs read them, so that spelling does not matter.

``rm -rf``, ``rm -r -f``, ``rm -fr``, ``rm --recursive --force`` and ``rm / -rf`` all
give the flag set {-r, -f} and the positional ``/``. Each program's options that take a
value, and its long spellings of short options, are data in ``SPECS``; a program not
listed gets GNU defaults (short options cluster, no option takes a value).
"""
from __future__ import annotations

from ringfence.records import Record, new


class Opts(Record):
    """flags: frozenset of normalized names ('-r', '--force-with-lease'); values: {flag: [Word]};
    positionals: [Word] in order."""
    __slots__ = ()

    def __new__(cls, flags, values, positionals):
        return new(cls, (flags, values, positionals))


class Spec(Record):
    """valued: short options taking a value; long_valued: long ones; aliases: spelling -> the
    normalized flag (a shared default: never changed); cluster: short options combine (-rf)."""
    __slots__ = ()

    def __new__(cls, valued="", long_valued=(), aliases={}, cluster=True):
        return new(cls, (valued, long_valued, aliases, cluster))


SPECS: dict[str, Spec] = {
    "rm": Spec("", (), {"--recursive": "-r", "-R": "-r", "--force": "-f", "--dir": "-d"}),
    "cp": Spec("tS", ("--target-directory", "--suffix"), {"--recursive": "-r", "-R": "-r", "--force": "-f",
                                                          "--archive": "-a", "--target-directory": "-t"}),
    "mv": Spec("tS", ("--target-directory", "--suffix"), {"--force": "-f", "--target-directory": "-t"}),
    "install": Spec("tmogS", ("--target-directory", "--mode", "--owner", "--group"), {"--target-directory": "-t"}),
    "ln": Spec("tS", ("--target-directory",), {"--symbolic": "-s", "--force": "-f", "--target-directory": "-t"}),
    "chmod": Spec("", ("--reference",), {"--recursive": "-R"}),
    "chown": Spec("", ("--reference", "--from"), {"--recursive": "-R"}),
    "chgrp": Spec("", ("--reference",), {"--recursive": "-R"}),
    "git": Spec("Cc", ("--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"),
                {"--force": "-f", "--delete": "-d"}),
    "kubectl": Spec("nflcos", ("--namespace", "--filename", "--selector", "--context", "--output", "--cluster",
                               "--kubeconfig", "--field-selector", "--grace-period", "--timeout"),
                    {"--all-namespaces": "-A", "--namespace": "-n", "--filename": "-f", "--selector": "-l"}),
    "docker": Spec("fH", ("--filter", "--host", "--config", "--context", "--log-level"),
                   {"--all": "-a", "--force": "-f"}),
    "podman": Spec("f", ("--filter",), {"--all": "-a", "--force": "-f"}),
    "curl": Spec("dFHoOTuXAeEKrxbcwmYyzQCD", (
        "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii", "--form", "--form-string",
        "--header", "--output", "--upload-file", "--user", "--request", "--user-agent", "--referer", "--cert",
        "--config", "--range", "--proxy", "--cookie", "--cookie-jar", "--write-out", "--max-time", "--url",
        "--json", "--connect-timeout", "--resolve", "--retry", "--cacert", "--key", "--oauth2-bearer"),
        {"--data": "-d", "--data-binary": "-d", "--data-raw": "-d", "--data-urlencode": "-d", "--data-ascii": "-d",
         "--json": "-d", "--form": "-F", "--form-string": "-F", "--upload-file": "-T", "--output": "-o",
         "--header": "-H", "--request": "-X", "--url": "--url", "--remote-name": "-O"}),
    "wget": Spec("OoaPUeTtwQiBl", ("--output-document", "--post-data", "--post-file", "--body-data", "--body-file",
                                    "--header", "--user-agent", "--method", "--input-file", "--directory-prefix"),
                 {"--output-document": "-O", "--directory-prefix": "-P", "--input-file": "-i"}),
    "tar": Spec("fCTXbHKLNgV", ("--file", "--directory", "--files-from", "--exclude-from", "--exclude",
                                 "--transform", "--owner", "--group", "--mode", "--use-compress-program"),
                {"--file": "-f", "--directory": "-C", "--create": "-c", "--extract": "-x", "--get": "-x"}),
    "zip": Spec("xinbtP", ("--exclude", "--include", "--password"), {"--recurse-paths": "-r"}),
    "rsync": Spec("eTf", ("--rsh", "--exclude", "--include", "--filter", "--temp-dir", "--files-from", "--rsync-path"),
                  {"--recursive": "-r", "--archive": "-a", "--delete": "--delete"}),
    "scp": Spec("cFiloPSJD", (), {}),
    "sftp": Spec("BbcDFiloPRSs", (), {}),
    "ssh": Spec("BbcDEeFIiJLlmOopQRSWw", (), {}),
    "nc": Spec("eipswWxXIOPTqcV", (), {}),
    "ncat": Spec("eipswcmx", ("--exec", "--sh-exec", "--lua-exec", "--proxy"), {"--exec": "-e", "--sh-exec": "-c"}),
    "socat": Spec("", (), {}, False),
    "grep": Spec("efmABCd", ("--regexp", "--file", "--max-count", "--include", "--exclude", "--exclude-dir",
                             "--context", "--after-context", "--before-context"),
                 {"--recursive": "-r", "-R": "-r", "--dereference-recursive": "-r"}),
    "rg": Spec("egtTmABCMfj", ("--regexp", "--glob", "--type", "--type-not", "--max-count", "--file", "--threads"),
               {"--hidden": "--hidden", "-uu": "--hidden", "-uuu": "--hidden", "--no-ignore": "--no-ignore"}),
    "psql": Spec("cdfhUpWvPoLTFRC", ("--command", "--dbname", "--file", "--host", "--username", "--port",
                                      "--variable", "--set", "--output", "--log-file"),
                 {"--command": "-c", "--file": "-f", "--dbname": "-d"}),
    "mysql": Spec("eDhuSPoO", ("--execute", "--database", "--host", "--user", "--socket", "--port"),
                  {"--execute": "-e", "--database": "-D"}),
    "mariadb": Spec("eDhuSPoO", ("--execute", "--database", "--host", "--user", "--socket", "--port"),
                    {"--execute": "-e", "--database": "-D"}),
    "sqlite3": Spec("", ("-cmd", "-separator", "-newline", "-nullvalue"), {}, False),
    "terraform": Spec("", (), {}, False),
    "tofu": Spec("", (), {}, False),
    "terragrunt": Spec("", (), {}, False),
    "find": Spec("", (), {}, False),
    "dd": Spec("", (), {}, False),
    "aws": Spec("", ("--profile", "--region", "--endpoint-url", "--output", "--query", "--exclude", "--include"),
                {}, False),
    "gsutil": Spec("", (), {}, True),
    "sed": Spec("ef", ("--expression", "--file"), {"--in-place": "-i", "--expression": "-e"}),
    "perl": Spec("eEIMm", (), {}),
    "python": Spec("cmWX", (), {}),
    "node": Spec("epr", ("--eval", "--print", "--require"), {"--eval": "-e", "--print": "-p"}),
    "tee": Spec("", (), {"--append": "-a"}),
    "crontab": Spec("u", (), {}),
}
for _py in ("python2", "python3", "pypy", "pypy3"):
    SPECS[_py] = SPECS["python"]
SPECS["nodejs"] = SPECS["node"]
SPECS["netcat"] = SPECS["nc"]
SPECS["sqlite"] = SPECS["sqlite3"]


def options(args, name: str | None = None, *, spec: Spec | None = None) -> Opts:
    """Parse ``args`` (the words after the program name) with ``name``'s spec."""
    spec = spec or SPECS.get(name or "", Spec())
    aliases = spec.aliases
    flags: set[str] = set()
    values: dict[str, list] = {}
    positionals = []
    i, n = 0, len(args)
    while i < n:
        w = args[i]
        t = w.text
        if t == "--":
            positionals.extend(args[i + 1:])
            break
        short = t.startswith("-") and len(t) > 1 and not t[1:2].isdigit()
        if (t.startswith("--") and len(t) > 2) or (short and not spec.cluster):
            # a long option, or a whole-word option of a tool whose flags do not cluster
            key, eq, val = t.partition("=")
            canon = aliases.get(key, key)
            flags.add(canon)
            if eq:
                values.setdefault(canon, []).append(w._replace(text=val))
            elif key in spec.long_valued and i + 1 < n:
                values.setdefault(canon, []).append(args[i + 1])
                i += 1
            i += 1
            continue
        if short:
            if t in aliases:
                flags.add(aliases[t])
                i += 1
                continue
            for j, ch in enumerate(t[1:], 1):
                canon = aliases.get("-" + ch, "-" + ch)
                flags.add(canon)
                if ch in spec.valued:
                    rest = t[j + 1:]
                    if rest:
                        values.setdefault(canon, []).append(w._replace(text=rest))
                    elif i + 1 < n:
                        values.setdefault(canon, []).append(args[i + 1])
                        i += 1
                    break
            i += 1
            continue
        positionals.append(w)
        i += 1
    return Opts(frozenset(flags), values, positionals)


def git_call(argv):
    """(subcommand, words after it, -C directory or None) of a git command line."""
    i, chdir = 1, []
    spec = SPECS["git"]
    while i < len(argv):
        t = argv[i].text
        if t in ("-C", "-c") or (t in spec.long_valued):
            if t == "-C" and i + 1 < len(argv):
                chdir.append(argv[i + 1])
            i += 2
            continue
        if t.startswith("-"):
            i += 1
            continue
        return t, list(argv[i + 1:]), chdir
    return None, [], chdir

