"""What a simple command touches: the files it reads or writes, the network, code it decodes.

Shared by the built-in guards and by Read/Edit rule matching on Bash commands, so that
``cat``, ``cp``, ``tar``, ``base64``, ``scp``, ``curl -d @file``, ``dd if=``, redirects
and ``sed -i`` all count as touching the files they name.
"""
from __future__ import annotations

from ringfence.guard.args import options
from ringfence.guard.shell import Word, code_of, interpreter
from ringfence.records import Record, new


class FileArg(Record):
    """word: the Word naming the file; mode: 'read', 'write' (content changes, incl. delete),
    'attr' (permissions/timestamps) or 'meta' (names only); recursive: the command walks the tree."""
    __slots__ = ()

    def __new__(cls, word, mode, recursive):
        return new(cls, (word, mode, recursive))


# Commands whose path arguments are only looked at, not read.
META = frozenset({
    "ls", "stat", "file", "du", "test", "[", "[[", "realpath", "readlink", "dirname", "basename", "namei",
    "tree", "find", "lsattr", "getfacl", "cd", "pushd", "echo", "printf", "which", "type", "whereis", "exa",
    "eza", "lsd", "mkdir", "df", "true", "false", ":", "command", "hash", "ssh-add", "sleep", "kill",
})
ATTR = frozenset({"touch", "chmod", "chown", "chgrp", "chattr", "setfacl", "utime"})
DELETERS = frozenset({"rm", "rmdir", "unlink", "shred", "truncate", "srm", "wipe"})

NETWORK = frozenset({
    "curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ssh", "scp", "sftp", "rsync", "ftp", "tftp",
    "openssl", "http", "https", "xh", "httpie", "aria2c", "lwp-request", "GET", "POST", "dig", "nslookup",
    "host", "drill", "ping", "fetch", "gh", "s3cmd", "rclone", "smbclient", "mail", "sendmail", "mutt",
})
FETCHERS = frozenset({"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "openssl", "http", "https",
                      "xh", "httpie", "lwp-request", "GET", "fetch", "ssh", "aria2c"})
_CODE_NET = ("urlopen", "urllib", "requests.", "http.client", "socket", "fetch(", "axios", "net.connect",
             "http.get", "https.get", "Net::HTTP", "LWP::", "IO::Socket", "open-uri", "URI.open", "curl_exec",
             "file_get_contents(\"http", "file_get_contents('http", "httpx", "aiohttp")
_CODE_DECODE = ("b64decode", "fromhex", "codecs.decode", "rot13", "atob(", "Buffer.from(", "unpack(",
                "decode64", "base64_decode", "zlib.decompress", "marshal.loads", "bytes.fromhex")


def name_of(cmd) -> str | None:
    return cmd.name


def file_args(cmd) -> list:
    """Every file a command names, with how it uses it."""
    out = [FileArg(r.target, "read" if r.op in ("<", "<>") else "write", False)
           for r in cmd.redirects
           if r.target is not None and r.op not in ("<<", "<<-", "<<<", ">&", "<&") and not _is_fd(r.target)]
    name = name_of(cmd)
    if name is None:
        return out
    args = list(cmd.argv[1:])
    if name in META:
        if name == "find":
            return out + [FileArg(w, "meta", True) for w in _find_starts(args)]
        return out + [FileArg(w, "meta", False) for w in args if not w.text.startswith("-")]
    opts = options(args, name)
    pos = opts.positionals
    flags = opts.flags
    rec = bool(flags & {"-r", "-R", "-a", "--recursive", "--archive"})
    if name in ATTR:
        return out + [FileArg(w, "attr", "-R" in flags) for w in (pos[1:] if name in ("chmod", "chown", "chgrp", "setfacl") else pos)]
    if name in DELETERS:
        return out + [FileArg(w, "write", rec) for w in pos]
    if name == "tee":
        return out + [FileArg(w, "write", False) for w in pos]
    if name in ("cp", "install", "rsync", "scp", "mv", "ln"):
        dest = opts.values.get("-t")
        if dest:
            targets, sources = dest, pos
        else:
            targets, sources = pos[-1:], pos[:-1]
        src_mode = "write" if name == "mv" else "read"
        if name in ("rsync", "scp"):
            sources = [w for w in sources if not _remote(w)]
            targets = [w for w in targets if not _remote(w)]
        return out + [FileArg(w, src_mode, rec) for w in sources] + [FileArg(w, "write", False) for w in targets]
    if name == "dd":
        for w in args:
            key, _, val = w.text.partition("=")
            if key in ("if", "of") and val:
                out.append(FileArg(w._replace(text=val), "read" if key == "if" else "write", False))
        return out
    if name in ("sed", "perl", "ruby") and "-i" in flags:  # -i, -i.bak, --in-place, perl -pi
        files = pos if (name != "sed" or "-e" in opts.values or "-f" in opts.values) else pos[1:]
        return out + [FileArg(w, "write", False) for w in files]
    if name == "tar":
        return out + _tar(args)
    if name in ("zip", "7z", "7za", "rar"):
        body = pos[1:] if name == "zip" else pos[2:]
        archive = pos[:1] if name == "zip" else pos[1:2]
        return out + [FileArg(w, "write", False) for w in archive] + [FileArg(w, "read", True) for w in body]
    if name == "curl":
        for flag in ("-o",):
            out += [FileArg(w, "write", False) for w in opts.values.get(flag, []) if w.text != "-"]
        for w in opts.values.get("-T", []) + opts.values.get("-K", []):
            out.append(FileArg(w, "read", False))
        for w in opts.values.get("-d", []) + opts.values.get("-F", []):
            path = _at_file(w.text)
            if path:
                out.append(FileArg(w._replace(text=path), "read", False))
        return out
    if name == "wget":
        out += [FileArg(w, "write", False) for w in opts.values.get("-O", []) if w.text != "-"]
        for flag in ("--post-file", "--body-file", "-i"):
            out += [FileArg(w, "read", False) for w in opts.values.get(flag, [])]
        return out
    if name in ("docker", "podman"):
        for i, w in enumerate(args):
            if w.text in ("-v", "--volume", "--mount") and i + 1 < len(args):
                src = args[i + 1].text.split(":", 1)[0]
                src = src.split("source=", 1)[1].split(",", 1)[0] if "source=" in src else src
                out.append(FileArg(args[i + 1]._replace(text=src), "read", True))
            elif w.text.startswith(("--volume=", "-v=")):
                out.append(FileArg(w._replace(text=w.text.split("=", 1)[1].split(":", 1)[0]), "read", True))
        return out
    if name == "ssh":
        return out
    recursive = rec if name in ("grep", "egrep", "fgrep", "zgrep") else False
    if name in ("rg", "ag", "ack", "ugrep"):
        recursive = bool(flags & {"--hidden", "-u", "--no-ignore", "-.", "-uu", "-uuu"}) or any(
            w.text.startswith("-uu") for w in args)
    for w in pos:
        out.append(FileArg(w, "read", recursive))
    for values in opts.values.values():
        out += [FileArg(w, "read", False) for w in values]
    for w in args:  # --file=PATH, key=@PATH
        if "=" in w.text and w.text.startswith("-"):
            val = w.text.split("=", 1)[1]
            out.append(FileArg(w._replace(text=_at_file(val) or val), "read", False))
    return out


def _is_fd(word) -> bool:
    return word.text.isdigit() or word.text in ("-", "/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty")


def _remote(word) -> bool:
    t = word.text
    head = t.split("/", 1)[0]
    return ":" in head and not t.startswith(("/", "./", "~"))


def _at_file(text: str) -> str | None:
    """'@file', 'name=@file', 'name=<file' (curl's ways to send a file)."""
    if text.startswith("@") and len(text) > 1 and text != "@-":
        return text[1:]
    for sep in ("=@", "=<"):
        if sep in text:
            v = text.split(sep, 1)[1].split(";", 1)[0]
            return v if v and v != "-" else None
    return None


def _find_starts(args) -> list:
    out = []
    for w in args:
        if w.text.startswith(("-", "(", "!")):
            break
        out.append(w)
    return out or [Word(".", ".")]


def _tar(args) -> list:
    # old style: `tar czf out.tgz dir` (first word is a bundle of letters)
    if args and not args[0].text.startswith("-") and args[0].text.isalpha():
        args = [args[0]._replace(text="-" + args[0].text)] + list(args[1:])
    opts = options(args, "tar")
    creating = bool(opts.flags & {"-c", "-r", "-u", "--append", "--create"})
    extracting = bool(opts.flags & {"-x"})
    out = []
    for w in opts.values.get("-f", []):
        if w.text != "-":
            out.append(FileArg(w, "write" if creating else "read", False))
    base = opts.values.get("-C", [None])[-1]
    for w in opts.positionals:
        if base is not None and base.known and not w.text.startswith("/"):
            w = w._replace(text=base.text.rstrip("/") + "/" + w.text)
        out.append(FileArg(w, "read" if creating or not extracting else "write", creating))
    if extracting and base is not None:
        out.append(FileArg(base, "write", True))
    return out


# ---------------------------------------------------------------------- network and code

def sends_to_network(cmd) -> bool:
    name = name_of(cmd)
    if name in NETWORK:
        if name == "rsync" or name == "scp":
            return any(_remote(w) for w in cmd.argv[1:])
        return True
    if any(r.target is not None and r.target.text.startswith(("/dev/tcp/", "/dev/udp/")) for r in cmd.redirects):
        return True
    return bool(interpreter(name) or name in ("awk", "gawk")) and any(
        t in code for code in code_of(cmd) for t in _CODE_NET)


def fetches_from_network(cmd) -> bool:
    name = name_of(cmd)
    if name in FETCHERS:
        if name == "openssl":
            return any(w.text in ("s_client",) for w in cmd.argv[1:])
        return True
    if any(r.target is not None and r.op in ("<", "<>") and r.target.text.startswith(("/dev/tcp/", "/dev/udp/"))
           for r in cmd.redirects):
        return True
    return bool(interpreter(name)) and any(t in code for code in code_of(cmd) for t in _CODE_NET)


def decodes(cmd) -> bool:
    """Turns encoded/obfuscated text back into something (base64 -d, xxd -r, printf '\\x..')."""
    name = name_of(cmd)
    texts = [w.text for w in cmd.argv[1:]]
    if name in ("base64", "base32", "basenc", "gbase64"):
        return any(t in ("-d", "--decode", "-D") or (t.startswith("-") and not t.startswith("--") and "d" in t)
                   for t in texts)
    if name == "xxd":
        return any(t.startswith("-") and "r" in t for t in texts)
    if name == "openssl":
        return "-d" in texts
    if name in ("uudecode", "gunzip", "zcat", "bzcat", "xzcat", "zstdcat", "rev", "lz4cat"):
        return True
    if name in ("gzip", "bzip2", "xz", "zstd", "lz4"):
        return any(t in ("-d", "--decompress", "-dc", "-cd") for t in texts)
    if name == "tr":
        return len(texts) >= 2
    if name in ("printf", "echo"):
        joined = " ".join(texts)
        return any(e in joined for e in ("\\x", "\\0", "\\u")) or (name == "printf" and "%b" in joined)
    if interpreter(name):
        return any(t in code for code in code_of(cmd) for t in _CODE_DECODE)
    return False

