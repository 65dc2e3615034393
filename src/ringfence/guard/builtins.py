"""The built-in guards: on by default, each an id, a verdict, a reason, a safer suggestion
and one small check function.

``GUARDS`` is data. A profile or ringfence.toml switches a guard off by id
(``policy.guard.disabled``) and extends what the guards protect through the policy
(``fs.deny_read`` for credentials, ``fs.deny_write`` and ``fs.protected_names`` for
writes). A check takes the tool call (``Call``) and the ``Context`` built from the
policy, and yields ``Hit``s: a detail, the command it concerns, and optionally a verdict
other than the guard's own ("ask" for a milder case, "unknown" when it cannot tell).
"""
from __future__ import annotations

import posixpath

from ringfence.guard.args import Spec, git_call, options
from ringfence.guard.effects import (
    DELETERS, decodes, fetches_from_network, file_args, name_of, sends_to_network,
)
from ringfence.guard.paths import (
    PathSet, ancestors, covers_children, relation, resolve, resolve_pattern, static_prefix, within,
)
from ringfence.guard.shell import PRIVILEGE, SHELLS, UNKNOWN, code_of, interpreter
from ringfence.guard.wildcard import fnmatchcase
from ringfence.records import Record, new


class Guard(Record):
    __slots__ = ()

    def __new__(cls, id, verdict, reason, suggestion, check):
        return new(cls, (id, verdict, reason, suggestion, check))


class Hit(Record):
    __slots__ = ()

    def __new__(cls, detail, command=None, verdict=None):
        return new(cls, (detail, command, verdict))


class Call(Record):
    """tool: canonical tool name; commands: every simple command (Bash, scripts it runs);
    scripts: the shell.Script objects (for $(...) indexes); files: (path, mode, glob) for file tools."""
    __slots__ = ()

    def __new__(cls, tool, commands, scripts, files, tool_input):
        return new(cls, (tool, commands, scripts, files, tool_input))


PROTECTED_BRANCHES = ("main", "master")
TOP_LEVEL_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")

# Writes here make something run later (next shell, next commit, next login, next session).
PERSISTENCE_TARGETS = (
    "~/.bashrc", "~/.bash_profile", "~/.bash_login", "~/.bash_logout", "~/.profile", "~/.zshrc", "~/.zshenv",
    "~/.zprofile", "~/.zlogin", "~/.zlogout", "~/.kshrc", "~/.cshrc", "~/.tcshrc", "~/.config/fish",
    "~/.ssh/authorized_keys", "~/.ssh/rc", "~/.ssh/config", "~/.gitconfig", "~/.config/git/config",
    "~/.config/systemd/user", "~/.config/autostart", "~/Library/LaunchAgents", "~/.xinitrc", "~/.xprofile",
    "~/.pam_environment", "~/.local/share/applications", "~/.claude/CLAUDE.md",
    "**/.git/hooks", "**/.git/config", "**/.husky", "**/.envrc", "**/.vscode/tasks.json", "**/.vscode/settings.json",
    "**/.pre-commit-config.yaml", "**/.bashrc", "**/.zshrc", "**/.profile",
    "/etc/crontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
    "/var/spool/cron", "/etc/profile", "/etc/profile.d", "/etc/bash.bashrc", "/etc/zsh", "/etc/environment",
    "/etc/ld.so.preload", "/etc/systemd", "/lib/systemd/system", "/usr/lib/systemd/system", "/etc/init.d",
    "/etc/rc.local", "/etc/sudoers", "/etc/sudoers.d", "/etc/passwd", "/etc/shadow", "/etc/group",
    "/etc/ssh/sshd_config", "/etc/pam.d", "/etc/xdg/autostart",
)
# Writes here change what the agent may do, or switch ringfence off: never by the agent.
AGENT_SETTINGS_TARGETS = (
    "**/.claude/settings.json", "**/.claude/settings.local.json", "**/.claude/hooks", "**/.claude/commands",
    "**/.claude/agents", "**/.claude/skills", "**/.mcp.json", "~/.claude.json", "~/.claude/plugins",
    "~/.config/ringfence", "**/ringfence.toml", "**/.ringfence", "/etc/claude-code",
    "~/.codex/config.toml", "~/.gemini/settings.json", "**/.cursor/mcp.json",
)
# Extra secrets for the exfiltration guard (credentials come from policy.fs.deny_read).
SECRET_FILES = ("**/.env", "**/.env.*", "~/.bash_history", "~/.zsh_history", "~/.python_history",
                "~/.psql_history", "~/.mysql_history", "/proc/*/environ")
SECRET_VARS = ("*TOKEN*", "*_KEY", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*_PAT", "*CREDENTIAL*", "*APIKEY*",
               "*API_KEY*", "*PRIVATE*", "*_AUTH", "*COOKIE*", "*SESSION*")
# Where a token may go: variable name pattern -> hosts (suffix match).
TOKEN_HOSTS = {
    "GITHUB_*": ("github.com", "api.github.com", "githubusercontent.com"), "GH_*": ("github.com", "api.github.com"),
    "GITLAB_*": ("gitlab.com",), "NPM_*": ("registry.npmjs.org", "npmjs.org", "npmjs.com"),
    "OPENAI_*": ("api.openai.com",), "ANTHROPIC_*": ("api.anthropic.com",), "HF_*": ("huggingface.co",),
    "SLACK_*": ("slack.com",), "STRIPE_*": ("api.stripe.com",), "PYPI_*": ("pypi.org", "upload.pypi.org"),
    "CLOUDFLARE_*": ("api.cloudflare.com",), "DIGITALOCEAN_*": ("api.digitalocean.com",),
}
SECRET_COMMANDS = (
    ("gh", "auth", "token"), ("gh", "auth", "status"), ("aws", "configure", "export-credentials"),
    ("aws", "configure", "get"), ("aws", "sts", "get-session-token"), ("gcloud", "auth", "print-access-token"),
    ("gcloud", "auth", "print-identity-token"), ("az", "account", "get-access-token"),
    ("security", "find-generic-password"), ("security", "find-internet-password"), ("git", "credential", "fill"),
    ("op", "read"), ("vault", "read"), ("vault", "kv", "get"), ("pass", "show"), ("kubectl", "get", "secret"),
    ("kubectl", "get", "secrets"), ("heroku", "auth:token"), ("doppler", "secrets"),
)
# Regular expressions are kept as strings and searched with _search: ``re`` is imported, and
# each pattern compiled (and cached), on first use, so a hook process that never meets SQL or
# inline code never pays for either (the hook starts afresh for every tool call).
SQL_DROP = (r"\b(?:DROP\s+(?:DATABASE|SCHEMA|TABLE|OWNED)|TRUNCATE\s+(?:TABLE\s+)?[\w\"`.]+"
            r"|DELETE\s+FROM\s+[\w\"`.]+\s*(?:;|$)|dropDatabase\s*\(|\.drop\s*\(\s*\))")
DB_RESET_WORDS = frozenset({"db:drop", "db:reset", "migrate:fresh", "migrate:reset", "db:wipe", "db:purge",
                            "schema:drop", "--force-reset", "flushall", "flushdb", "FLUSHALL", "FLUSHDB"})
AWS_DESTRUCTIVE = frozenset({
    "terminate-instances", "delete-db-instance", "delete-db-cluster", "delete-table", "delete-stack",
    "delete-bucket", "delete-cluster", "delete-file-system", "delete-repository", "delete-hosted-zone",
    "delete-vpc", "delete-secret", "delete-user", "delete-role", "delete-function", "delete-log-group",
    "schedule-key-deletion", "delete-snapshot", "delete-db-snapshot", "delete-volume"})
FORK_CODE = (r"fork\s+while\s+fork|while\s*\(?\s*(?:True|1|true)\s*\)?\s*[:{]?\s*(?:os\.)?fork\s*\(|"
             r"for\s*\(\s*;\s*;\s*\)\s*\{?\s*fork\s*\(")
HARMLESS_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/stdout",
                    "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/fd/", "/dev/shm/", "/dev/pts/", "/dev/tcp/",
                    "/dev/udp/")
DISK_TOOLS = frozenset({"mkfs", "mke2fs", "mkswap", "wipefs", "fdisk", "sfdisk", "cfdisk", "parted", "sgdisk",
                        "gdisk", "blkdiscard", "mkntfs", "mkdosfs", "cryptsetup", "zpool", "hdparm"})


class Context:
    """What the guards know: the policy's paths, compiled once, and the facts reader."""

    def __init__(self, policy, facts, env: dict[str, str] | None = None):
        self.home = policy.home.rstrip("/") or "/"
        self.project = policy.project_dir.rstrip("/") or "/"
        self.cwd = policy.cwd.rstrip("/") or "/"
        self.facts = facts
        self.env = env or {}
        self.deny_read = [(p.pattern.rstrip("/") or "/", p.source) for p in policy.fs.deny_read]
        self.deny_read += [("/proc/*/environ", "built-in secrets")]
        self.deny_source = dict(reversed(self.deny_read))
        self.deny_set = PathSet(p for p, _ in self.deny_read)
        self.allow_read = PathSet(p.pattern.rstrip("/") or "/" for p in policy.fs.allow_read)
        self.critical = {}
        for label, base in (("the home directory", self.home), ("the project root", self.project),
                            ("the working directory", self.cwd)):
            for i, a in enumerate(ancestors(base)):
                self.critical.setdefault(a, label if i == 0 else f"a parent of {label}")
        self.critical["/"] = "the filesystem root"
        persistence = [self._abs(t) for t in PERSISTENCE_TARGETS]
        for item in policy.fs.protected_names:
            name = item.value.rstrip("/")
            for root in {self.project, self.cwd}:
                persistence.append(root + "/" + name)
        self.persistence = PathSet(persistence)
        self.agent = PathSet(self._abs(t) for t in AGENT_SETTINGS_TARGETS)
        self.secret_files = PathSet(self._abs(t) for t in SECRET_FILES)
        self.allowed_domains = tuple(i.value.lower() for i in policy.net.allowed_domains)
        self.cred_tokens = []  # (text, home-relative) as credential paths appear inside code
        for pat, _ in self.deny_read:
            static = static_prefix(pat)
            if static.startswith(self.home + "/"):
                self.cred_tokens.append((static[len(self.home) + 1:], True))
            elif static not in ("/", "/proc"):
                self.cred_tokens.append((static, False))
        self.begin()

    def begin(self) -> None:
        """Forget what was looked up for the previous call (the file system may have changed)."""
        self._real: dict[str, str] = {}
        self._args: dict[int, list] = {}
        self._paths: dict[tuple, list[str] | None] = {}
        self._memo: dict[tuple, object] = {}

    def memo(self, key: tuple, make, *args):
        """``make(*args)``, once per call for ``key`` (which names what it is computed from)."""
        try:
            return self._memo[key]
        except KeyError:
            got = self._memo[key] = make(*args)
            return got

    def file_args(self, cmd) -> list:
        key = id(cmd)
        if key not in self._args:
            self._args[key] = (file_args(cmd), cmd)  # keep cmd alive so its id stays unique
        return self._args[key][0]

    def realpath(self, path: str) -> str:
        """Symlinks resolved; a missing path resolves through its parent (cached per call)."""
        got = self._real.get(path)
        if got is None:
            parent = posixpath.dirname(path)
            if path == parent or self.facts.lexists(path):
                got = self.facts.realpath(path)
            else:
                got = posixpath.join(self.realpath(parent), posixpath.basename(path))
            self._real[path] = got
        return got

    def _abs(self, target: str) -> str:
        if target.startswith("~/"):
            return self.home + target[1:]
        return "/" + target if target.startswith("**") else target

    # -- path classification

    def paths_of(self, word, cwd, *, follow: bool = True) -> list[str] | None:
        """Concrete absolute candidates for a word: lexical and (if different) real path."""
        return self.text_paths(word.text, cwd, follow=follow)

    def text_paths(self, text: str, cwd, *, follow: bool = True) -> list[str] | None:
        """``paths_of`` for a word's text (cached per call: every path rule asks again)."""
        key = (text, cwd, follow)
        if key not in self._paths:
            p = resolve(text, cwd)
            if p is None:
                got = None
            elif follow and self.realpath(p) != p:
                got = [p, self.realpath(p)]
            else:
                got = [p]
            self._paths[key] = got
        return self._paths[key]

    def credential(self, path: str) -> str | None:
        """The deny_read source that covers ``path`` (a more specific allow_read re-allows)."""
        pat = self.deny_set.find(path)
        if pat is None:
            return None
        allowed = self.allow_read.find(path)
        if allowed is not None and len(allowed) > len(pat):
            return None
        return self.deny_source[pat]

    def credentials_below(self, path: str) -> str | None:
        """A credential path inside directory ``path`` (for tools that walk trees)."""
        for pat, _src in self.deny_read:
            static = static_prefix(pat)
            if static != path and within(static, path):
                return static
        return None


def _reaches(pattern: str, path_pattern: str, hidden_ok: bool) -> set[str]:
    """How a glob argument relates to a protected path (itself maybe a glob)."""
    return relation(pattern, static_prefix(path_pattern), hidden_ok=hidden_ok)


# ---------------------------------------------------------------------- pipelines

def upstream(cmd, commands) -> list:
    """Commands in earlier stages of any pipeline ``cmd`` is part of."""
    out = []
    for pid, stage in cmd.pipes:
        out += [c for c in commands if any(p == pid and s < stage for p, s in c.pipes)]
    return out


def _first(words, n=3):
    return " ".join(w.raw for w in words[:n])


# ---------------------------------------------------------------------- checks

def check_rm_critical(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if name == "rsync":
            opts = options(cmd.argv[1:], "rsync")
            if any(f.startswith("--delete") for f in opts.flags) and opts.positionals:
                yield from _critical(opts.positionals[-1], cmd, ctx, "rsync --delete into")
            continue
        if name != "rm":
            continue
        opts = options(cmd.argv[1:], "rm")
        if "-r" not in opts.flags:
            continue
        for w in opts.positionals:
            yield from _critical(w, cmd, ctx, "recursively deletes")


def _critical(w, cmd, ctx, verb):
    if w.pattern:
        pat = resolve_pattern(w.pattern, cmd.cwd)
        if pat is None:
            yield Hit(f"cannot tell what {w.raw!r} names", cmd, "unknown")
            return
        for path, label in ctx.critical.items():
            rel = relation(pat, path, hidden_ok=w.hidden_ok)
            if "exact" in rel:
                yield Hit(f"{verb} {label} ({path}) via {w.raw!r}", cmd)
                return
            if path not in TOP_LEVEL_SCRATCH and covers_children(pat, path, hidden_ok=w.hidden_ok):
                yield Hit(f"{verb} everything in {label} ({path}) via {w.raw!r}", cmd)
                return
        segs = [s for s in pat.split("/") if s]
        if len(segs) == 1:
            yield Hit(f"{verb} top-level directories via {w.raw!r}", cmd)
        elif segs and fnmatchcase(".git", segs[-1]) and (w.hidden_ok or segs[-1].startswith(".")):
            yield Hit(f"{verb} a .git directory via {w.raw!r}", cmd)
        return
    paths = ctx.paths_of(w, cmd.cwd, follow=w.text.endswith("/") or ".." in w.text)
    if paths is None:
        yield Hit(f"cannot tell what {w.raw!r} names", cmd, "unknown")
        return
    for p in paths:
        if p in ctx.critical:
            yield Hit(f"{verb} {ctx.critical[p]} ({p})", cmd)
            return
        if p.count("/") == 1:
            yield Hit(f"{verb} the top-level directory {p}", cmd)
            return
        if posixpath.basename(p) == ".git":
            yield Hit(f"{verb} {p}: the repository's history", cmd)
            return


_PUSH = Spec("o", ("--repo", "--receive-pack", "--exec", "--push-option", "--recurse-submodules"),
             {"--force": "-f", "--delete": "-d", "--set-upstream": "-u", "--branches": "--all"})


def _git(cmd):
    if name_of(cmd) != "git":
        return None, [], None
    sub, rest, chdirs = git_call(cmd.argv)
    cwd = cmd.cwd
    for d in chdirs:
        cwd = resolve(d.text, cwd)
    return sub, rest, cwd


def _push_targets(rest, cwd, ctx):
    """(options, [(branch or None, force, delete)]) of a git push."""
    opts = options(rest, spec=_PUSH)
    refspecs = opts.positionals[1:]
    force_all = bool(opts.flags & {"-f", "--mirror"})
    out = []
    if not refspecs or opts.flags & {"--all", "--mirror"}:
        if opts.flags & {"--all", "--mirror"}:
            out.append(("all branches", force_all, "--prune" in opts.flags))
        else:
            out.append((ctx.facts.git_branch(cwd), force_all, "-d" in opts.flags))
    for r in refspecs:
        t = r.text
        force = force_all or t.startswith("+")
        t = t.lstrip("+")
        src, colon, dst = t.partition(":")
        delete = "-d" in opts.flags or (colon and not src)
        target = dst if colon else src
        if target in ("HEAD", "@", ""):
            target = ctx.facts.git_branch(cwd) if not delete else target
        if target and target.startswith("refs/heads/"):
            target = target[len("refs/heads/"):]
        out.append((target if UNKNOWN not in (target or "") else None, force, delete))
    return opts, out


def _pushes(call, ctx):
    """(command, branch, force, delete, lease) for every target of every `git push`."""
    for cmd in call.commands:
        sub, rest, cwd = _git(cmd)
        if sub != "push":
            continue
        opts, targets = _push_targets(rest, cwd, ctx)
        lease = any(f.startswith("--force-with-lease") for f in opts.flags)
        for branch, force, delete in targets:
            yield cmd, branch, force, delete, lease


def check_git_force_push(call, ctx):
    for cmd, branch, force, delete, lease in _pushes(call, ctx):
        protected = branch in PROTECTED_BRANCHES or branch == "all branches"
        if force:
            yield Hit(f"force push to {branch or 'the current branch'} rewrites the remote's history", cmd)
        elif lease and protected:
            yield Hit(f"force push (with lease) to {branch} rewrites the shared history", cmd)
        elif delete and protected:
            yield Hit(f"deletes the remote branch {branch}", cmd)


def check_git_push_main(call, ctx):
    for cmd, branch, force, delete, lease in _pushes(call, ctx):
        if force or delete or lease:
            continue  # the force-push guard speaks for these
        if branch in PROTECTED_BRANCHES:
            yield Hit(f"pushes directly to {branch}", cmd)
        elif branch == "all branches":
            yield Hit("pushes every branch, including main/master", cmd)


def check_git_discard(call, ctx):
    for cmd in call.commands:
        sub, rest, _ = _git(cmd)
        if sub == "reset" and any(w.text == "--hard" for w in rest):
            yield Hit("git reset --hard throws away uncommitted changes", cmd)
        elif sub in ("checkout", "restore") and (
                any(w.text in (".", ":/", "*") for w in rest) and not any(w.text in ("--staged", "-S") for w in rest)
                or sub == "checkout" and any(w.text in ("-f", "--force") for w in rest)):
            yield Hit(f"git {sub} {' '.join(w.raw for w in rest)} throws away uncommitted changes", cmd)
        elif sub == "clean":
            opts = options(rest, spec=Spec("e", ("--exclude",), {"--force": "-f", "--dry-run": "-n"}))
            if "-f" in opts.flags and "-n" not in opts.flags:
                extra = " and ignored files (.env, local config)" if opts.flags & {"-x", "-X"} else ""
                yield Hit(f"git clean -f deletes untracked files{extra} for good", cmd)


def check_terraform_destroy(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if name in ("terraform", "tofu", "terragrunt"):
            opts = options(cmd.argv[1:], name)
            words = [w.text for w in opts.positionals]
            if "destroy" in words[:3]:
                yield Hit(f"{name} destroy deletes the managed infrastructure", cmd)
            elif words[:1] == ["apply"] and ("-destroy" in opts.flags or "--destroy" in opts.flags):
                yield Hit(f"{name} apply -destroy deletes the managed infrastructure", cmd)
        elif name in ("pulumi", "cdk", "cdktf", "sst", "serverless", "sls"):
            words = [w.text for w in cmd.argv[1:] if not w.text.startswith("-")]
            if words[:1] in (["destroy"], ["down"], ["remove"]):
                yield Hit(f"{name} {words[0]} deletes the deployed stack", cmd)


def check_kubectl_delete(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if name not in ("kubectl", "oc", "k", "microk8s.kubectl"):
            continue
        opts = options(cmd.argv[1:], "kubectl")
        pos = [w.text for w in opts.positionals]
        if not pos or pos[0] != "delete":
            continue
        kinds = [p.split("/", 1)[0].lower() for p in pos[1:2]]
        if any(k in ("namespace", "namespaces", "ns") for k in kinds) or any(
                p.lower().startswith(("namespace/", "ns/")) for p in pos[1:]):
            yield Hit("kubectl delete namespace removes everything in it", cmd)
        elif opts.flags & {"--all", "-A"}:
            yield Hit("kubectl delete --all / --all-namespaces removes every matching resource", cmd)


def check_cloud_delete(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        words = [w.text for w in cmd.argv[1:]]
        pos = [t for t in words if not t.startswith("-")]
        if name == "aws":
            opts = options(cmd.argv[1:], "aws")
            p = [w.text for w in opts.positionals]
            if p[:2] == ["s3", "rm"] and "--recursive" in opts.flags:
                yield Hit("aws s3 rm --recursive deletes every object under the prefix", cmd)
            elif p[:2] == ["s3", "rb"] and "--force" in opts.flags:
                yield Hit("aws s3 rb --force deletes the bucket and its contents", cmd)
            elif len(p) >= 2 and p[1] in AWS_DESTRUCTIVE:
                yield Hit(f"aws {p[0]} {p[1]} deletes cloud resources", cmd)
        elif name == "gsutil":
            if "rb" in pos[:2] or ("rm" in pos[:2] and any(t in ("-r", "-R", "-a") or t.startswith("-") and "r" in t
                                                              for t in words)):
                yield Hit("gsutil rm -r / rb deletes buckets or whole prefixes", cmd)
        elif name == "gcloud":
            if "delete" in pos:
                yield Hit(f"gcloud {' '.join(pos[:pos.index('delete') + 1])} deletes cloud resources", cmd)
            elif pos[:2] == ["storage", "rm"] and any(t in ("-r", "--recursive") for t in words):
                yield Hit("gcloud storage rm --recursive deletes whole prefixes", cmd)
        elif name == "az":
            if pos[:2] == ["group", "delete"] or "delete-batch" in pos:
                yield Hit(f"az {' '.join(pos[:2])} deletes cloud resources", cmd)
        elif name in ("doctl", "hcloud", "linode-cli", "flyctl", "fly", "heroku"):
            if any(t in ("delete", "destroy", "apps:destroy", "pg:reset") for t in pos):
                yield Hit(f"{name} {' '.join(pos[:3])} deletes cloud resources", cmd)


def check_db_drop(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if name in ("dropdb", "dropuser"):
            yield Hit(f"{name} deletes a database", cmd)
            continue
        if any(w.text in DB_RESET_WORDS for w in cmd.argv[1:]) and name not in ("echo", "printf", "grep", "rg"):
            yield Hit(f"{_first(cmd.argv)} wipes the database", cmd)
            continue
        if name == "prisma" and [w.text for w in cmd.argv[1:3]] == ["migrate", "reset"]:
            yield Hit("prisma migrate reset drops the database", cmd)
            continue
        if name == "redis-cli" and any(w.text.lower() in ("flushall", "flushdb") for w in cmd.argv[1:]):
            yield Hit("redis-cli FLUSHALL/FLUSHDB deletes every key", cmd)
            continue
        for sql in _sql_texts(cmd, call.commands):
            m = _search(SQL_DROP, sql, ignorecase=True)
            if m:
                yield Hit(f"{name} runs {m.group(0).strip()!r}", cmd)
                break


def _sql_texts(cmd, commands) -> list[str]:
    name = name_of(cmd)
    if name not in ("psql", "mysql", "mariadb", "sqlite3", "sqlite", "clickhouse-client", "clickhouse",
                    "cockroach", "mongosh", "mongo", "duckdb", "sqlcmd", "usql", "pgcli", "mycli"):
        return []
    opts = options(cmd.argv[1:], name)
    out = [w.text for flag in ("-c", "-e", "--eval", "-q", "--query", "-cmd", "-Q")
           for w in opts.values.get(flag, [])]
    out += [w.text for w in cmd.argv[1:] if w.text.startswith(("--eval=", "--query=", "--execute="))]
    if name in ("sqlite3", "sqlite", "duckdb"):
        out += [w.text for w in opts.positionals[1:]]
    if name in ("mongosh", "mongo"):
        out += [w.text for w in cmd.argv[1:] if "drop" in w.text]
    out += [r.body for r in cmd.redirects if r.body is not None]
    for up in upstream(cmd, commands):
        if name_of(up) in ("echo", "printf", "cat"):
            out += [w.text for w in up.argv[1:]] + [r.body for r in up.redirects if r.body is not None]
    return out


def check_docker_prune(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if name not in ("docker", "podman", "nerdctl"):
            continue
        opts = options(cmd.argv[1:], "docker")
        pos = [w.text for w in opts.positionals]
        if pos[:2] == ["system", "prune"] and opts.flags & {"-a", "--volumes"}:
            what = "all images" + (" and volumes (database data)" if "--volumes" in opts.flags else "")
            yield Hit(f"{name} system prune deletes {what}", cmd)
        elif pos[:2] == ["volume", "prune"] or (pos[:2] == ["volume", "rm"] and any(w.subs for w in cmd.argv)):
            yield Hit(f"{name} volume prune/rm deletes volumes (database data)", cmd)


def check_pipe_to_shell(call, ctx):
    downloads: dict[str, object] = {}
    for script in call.scripts:
        cmds = script.commands
        for cmd in cmds:
            name = name_of(cmd)
            if fetches_from_network(cmd):
                for fa in ctx.file_args(cmd):
                    if fa.mode == "write":
                        for p in ctx.paths_of(fa.word, cmd.cwd, follow=False) or []:
                            downloads[p] = cmd
            if cmd.runs == "stdin" or (cmd.runs == "script" and cmd.script is not None
                                       and cmd.script.text in ("/dev/stdin", "/proc/self/fd/0", "-")):
                ups = upstream(cmd, cmds)
                if any(fetches_from_network(u) for u in ups):
                    yield Hit(f"{name} runs what {_first(next(u for u in ups if fetches_from_network(u)).argv)} "
                              f"downloads", cmd)
                elif any(decodes(u) for u in ups):
                    yield Hit(f"{name} runs decoded text ({_first(next(u for u in ups if decodes(u)).argv)})", cmd)
                elif any(r.op in ("<", "<>") and r.target is not None and r.target.text.startswith("/dev/tcp/")
                         for r in cmd.redirects):
                    yield Hit(f"{name} runs what arrives over the network", cmd)
                elif ups:
                    yield Hit(f"{name} runs code piped from {_first(ups[0].argv)}", cmd, "unknown")
            code_words = []
            if name in SHELLS or name in ("eval", "source", "."):
                code_words = cmd.argv[1:]
            elif interpreter(name):
                code_words = [w for w in cmd.argv[1:] if w.subs]
            for w in code_words:
                inner = [cmds[i] for i in w.subs if i < len(cmds)]
                if any(fetches_from_network(c) for c in inner):
                    yield Hit(f"{name} runs what {_first(next(c for c in inner if fetches_from_network(c)).argv)} "
                              f"downloads", cmd)
                    break
                if any(decodes(c) for c in inner):
                    yield Hit(f"{name} runs decoded text", cmd)
                    break
                if w.procsub:
                    yield Hit(f"{name} runs the output of {_first(inner[0].argv) if inner else 'a command'}",
                              cmd, "unknown")
                    break
            if name in SHELLS and any(r.target is not None and r.target.text.startswith(("/dev/tcp/", "/dev/udp/"))
                                      for r in cmd.redirects):
                yield Hit(f"{name} attached to a network socket (reverse shell)", cmd)
            if name in ("nc", "ncat", "netcat") and any(w.text in ("-e", "-c", "--exec", "--sh-exec")
                                                         for w in cmd.argv[1:]):
                yield Hit(f"{name} -e hands a shell to the network", cmd)
            if name == "socat" and any(w.text.lower().startswith(("exec:", "system:")) for w in cmd.argv[1:]):
                yield Hit("socat EXEC: hands a program to the network", cmd)
            target = None
            if cmd.runs == "script" and cmd.script is not None:
                target = cmd.script
            elif interpreter(name):
                opts = options(cmd.argv[1:], name)
                target = opts.positionals[0] if opts.positionals and not code_of(cmd) else None
            if target is not None and downloads:
                for p in ctx.paths_of(target, cmd.cwd, follow=False) or []:
                    if p in downloads:
                        yield Hit(f"runs {target.raw} right after downloading it", cmd)


_ROOT_SHELL_FLAGS = frozenset({"-s", "-i", "--shell", "--login", "-e", "--edit", "-E"})


def check_privilege(call, ctx):
    for cmd in call.commands:
        used = [w for w in cmd.wrappers if w in PRIVILEGE]
        name = name_of(cmd)
        if name in ("sudo", "doas", "run0"):
            # no command: only a root shell or an edit matters (sudo -V, sudo -l just report)
            if any(w.text in _ROOT_SHELL_FLAGS or (w.text.startswith("-") and not w.text.startswith("--")
                                                   and set(w.text[1:]) & {"s", "i", "e"})
                   for w in cmd.argv[1:]):
                used.append(name)
        elif name in PRIVILEGE:
            used.append(name)
        if used:
            yield Hit(f"{used[0]} runs {_first(cmd.argv, 4)} as another user (root)", cmd)


def _world_writable(mode: str) -> bool:
    """777, 0666, a+w, o+rwx, ugo=rwx: every user may write."""
    if mode.isdigit():
        return len(mode) >= 3 and bool(int(mode[-1]) & 2)
    for clause in mode.split(","):
        for op in "+=":
            who, sep, perms = clause.partition(op)
            if sep and "w" in perms and ("o" in who or "a" in who):
                return True
    return False


def check_chmod_777(call, ctx):
    for cmd in call.commands:
        if name_of(cmd) != "chmod":
            continue
        opts = options(cmd.argv[1:], "chmod")
        if len(opts.positionals) < 2:
            continue
        mode = opts.positionals[0].text
        if not _world_writable(mode):
            continue
        if "-R" in opts.flags:
            yield Hit(f"chmod -R {mode} makes a whole tree writable by every user", cmd)
            continue
        for w in opts.positionals[1:]:
            for p in ctx.paths_of(w, cmd.cwd, follow=False) or []:
                if p in ctx.critical or p.count("/") == 1 or p.startswith(("/etc", "/usr", "/bin", "/sbin", "/lib",
                                                                           "/boot", "/var")):
                    yield Hit(f"chmod {mode} {p} opens a system directory to every user", cmd)
                    break


def check_disk_write(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd) or ""
        base = name.split(".", 1)[0]
        for fa in ctx.file_args(cmd):
            if fa.mode == "write" and fa.word.text.startswith("/dev/") and not fa.word.text.startswith(HARMLESS_DEVICES):
                yield Hit(f"writes raw bytes to the device {fa.word.text}", cmd)
        if base in DISK_TOOLS:
            listing = any(w.text in ("-l", "--list", "print", "-p", "--print", "status", "list") for w in cmd.argv[1:])
            devices = [w.text for w in cmd.argv[1:] if w.text.startswith("/dev/")]
            if devices and not listing:
                yield Hit(f"{name} rewrites {devices[0]}", cmd)


def check_fork_bomb(call, ctx):
    for cmd in call.commands:
        name = name_of(cmd)
        if cmd.function and name == cmd.function and (cmd.pipes or cmd.background):
            yield Hit(f"the function {name!r} starts copies of itself without end", cmd)
            return
        for code in code_of(cmd):
            if _search(FORK_CODE, code):
                yield Hit("the code forks without end", cmd)
                return


_SEARCHERS = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "ugrep", "zgrep"})


def check_credential_read(call, ctx):
    for path, mode, glob in call.files:
        direct = next((p for p in {path, ctx.realpath(path)} if ctx.credential(p)), None)
        if direct:
            yield Hit(f"{call.tool} of {direct} (protected by {ctx.credential(direct)})", None)
            continue
        if glob is not None:
            hit = next((static_prefix(pat) for pat, _ in ctx.deny_read
                        if {"exact", "below"} & relation(glob, static_prefix(pat), hidden_ok=True)), None)
            if hit:
                yield Hit(f"{call.tool} {glob} reaches {hit}", None)
                continue
        if mode == "search" and (path == ctx.home or within(ctx.home, path)):
            below = ctx.credentials_below(path)
            if below:
                yield Hit(f"{call.tool} searches {path}, which holds {below}", None, "ask")
    for cmd in call.commands:
        name = name_of(cmd)
        for fa in ctx.file_args(cmd):
            if fa.mode in ("meta", "attr"):
                continue
            hit = _credential_arg(fa, cmd, ctx)
            if hit:
                verdict = "ask" if hit[1] and name in _SEARCHERS else None
                yield Hit(hit[0], cmd, verdict)
                break
        for code in code_of(cmd):
            needle = _credential_in_code(code, ctx)
            if needle:
                yield Hit(f"{name} code refers to {needle!r}", cmd)
                break


def _credential_arg(fa, cmd, ctx):
    """(detail, via_ancestor) when a file argument touches a credential path."""
    w = fa.word
    if w.pattern:
        pat = resolve_pattern(w.pattern, cmd.cwd)
        if pat is None:
            return None
        for cpat, src in ctx.deny_read:
            rel = _reaches(pat, cpat, w.hidden_ok)
            if "exact" in rel or "below" in rel:
                return f"{name_of(cmd)} reads {static_prefix(cpat)} via {w.raw!r}", False
            if "above" in rel and fa.recursive:
                return f"{name_of(cmd)} walks a tree holding {static_prefix(cpat)} via {w.raw!r}", True
        return None
    for p in ctx.paths_of(w, cmd.cwd) or []:
        src = ctx.credential(p)
        if src:
            return f"{name_of(cmd)} touches {p} (protected by {src})", False
        if fa.recursive:
            below = ctx.credentials_below(p)
            if below:
                return f"{name_of(cmd)} walks {p}, which holds {below}", True
    return None


def _credential_in_code(code: str, ctx) -> str | None:
    """A credential path named inside interpreter code: '.ssh' (home-relative, as a whole
    token, so Path.home() / ".ssh" counts) or the absolute path of a system secret."""
    for needle, home_relative in ctx.cred_tokens:
        i = code.find(needle)
        while i >= 0:
            before = code[i - 1] if i else " "
            after = code[i + len(needle)] if i + len(needle) < len(code) else " "
            if not (after.isalnum() or after in "_-") and (
                    not home_relative or not (before.isalnum() or before in "_.-")):
                return needle
            i = code.find(needle, i + 1)
    return None


def _adds_exec(mode: str) -> bool:
    if mode.isdigit():
        return any(int(d) & 1 for d in mode[-3:])
    return any("x" in clause.partition("+")[2] or "x" in clause.partition("=")[2] for clause in mode.split(","))


def _write_hits(call, ctx, targets, verb, *, deletes: bool):
    """Writes (file tools, redirects, cp/mv/tee/sed -i..., chmod +x) that land on ``targets``."""
    for path, mode, glob in call.files:
        if mode == "write":
            for p in {path, ctx.realpath(path)}:
                if targets.find(p):
                    yield Hit(f"{call.tool} {verb} {p}", None)
                    break
    for cmd in call.commands:
        name = name_of(cmd)
        if not deletes and name in DELETERS:
            continue
        for fa in ctx.file_args(cmd):
            if fa.mode == "attr" and not (name == "chmod" and _adds_exec(cmd.argv[1].text if len(cmd.argv) > 1 else "")):
                continue
            if fa.mode not in ("write", "attr"):
                continue
            if fa.word.pattern:
                pat = resolve_pattern(fa.word.pattern, cmd.cwd)
                if pat and any("exact" in _reaches(pat, t, fa.word.hidden_ok) for t in targets.patterns if "**" not in t):
                    yield Hit(f"{name} {verb} {fa.word.raw}", cmd)
                    break
                continue
            p = next((p for p in ctx.paths_of(fa.word, cmd.cwd) or [] if targets.find(p)), None)
            if p:
                yield Hit(f"{name} {verb} {p}", cmd)
                break


def check_agent_settings(call, ctx):
    yield from _write_hits(call, ctx, ctx.agent, "changes agent settings:", deletes=True)
    for cmd in call.commands:
        name = name_of(cmd)
        words = [w.text for w in cmd.argv[1:3]]
        if name == "claude" and (words[:1] == ["mcp"] and words[1:2] and words[1] in ("add", "add-json", "remove",
                                                                                       "add-from-claude-desktop")
                                 or words[:1] == ["config"] and words[1:2] and words[1] in ("set", "add", "remove")):
            yield Hit(f"claude {' '.join(words)} changes the agent's configuration", cmd)
        elif name == "ringfence" and words[:1] == ["init"]:
            yield Hit("ringfence init rewrites the agent's settings", cmd)


_HOOK_KEYS = ("core.hookspath", "core.fsmonitor", "core.sshcommand", "core.pager", "core.editor",
              "credential.helper", "include.path", "diff.external", "sequence.editor", "core.askpass")


def check_persistence(call, ctx):
    yield from _write_hits(call, ctx, ctx.persistence, "writes", deletes=False)
    for cmd in call.commands:
        name = name_of(cmd)
        sub, rest, _ = _git(cmd)
        if sub == "config":
            keys = [w.text.lower() for w in rest if not w.text.startswith("-")]
            if keys and (keys[0] in _HOOK_KEYS or keys[0].startswith(("alias.", "filter.", "url."))) and len(keys) > 1:
                yield Hit(f"git config {keys[0]} makes git run a command later", cmd)
        elif name == "crontab" and not any(w.text in ("-l", "-r") for w in cmd.argv[1:]):
            yield Hit("crontab installs scheduled commands", cmd)
        elif name in ("at", "batch") and not any(w.text in ("-l", "-r", "-d", "-c") for w in cmd.argv[1:]):
            yield Hit(f"{name} schedules a command for later", cmd)
        elif name == "launchctl" and any(w.text in ("load", "bootstrap", "submit") for w in cmd.argv[1:]):
            yield Hit("launchctl loads a background agent", cmd)
        elif name == "systemctl" and any(w.text in ("enable", "link") for w in cmd.argv[1:]):
            yield Hit("systemctl enable makes a unit start at boot/login", cmd)
        for code in code_of(cmd):
            m = _search(r"\.(?:bashrc|zshrc|zshenv|bash_profile|profile)\b|authorized_keys|\.git/hooks|crontab",
                        code)
            if m and _search(r"open\(|write|>>|appendFile|File\.|fopen|tee", code):
                yield Hit(f"{name} code writes {m.group(0)}", cmd)
                break


def _secret_source(cmd, ctx) -> str | None:
    name = name_of(cmd)
    args = [w.text for w in cmd.argv[1:]]
    if name in ("env", "printenv") and (not args or any(_secret_var(a) for a in args)):
        return name
    if name in ("set", "export", "declare", "typeset", "compgen") and (not args or args[0] in ("-p", "-x", "-e")):
        return f"{name} {' '.join(args)}".strip()
    if name in ("history",):
        return "history"
    for pattern in SECRET_COMMANDS:
        if name == pattern[0] and tuple(args[:len(pattern) - 1]) == pattern[1:]:
            return " ".join(pattern)
    if name in ("echo", "printf"):
        for w in cmd.argv[1:]:
            for v in var_refs(w.raw):
                if _secret_var(v):
                    return f"${v}"
    for fa in ctx.file_args(cmd):
        if fa.mode == "read":
            for p in ctx.paths_of(fa.word, cmd.cwd, follow=False) or []:
                if ctx.credential(p) or ctx.secret_files.find(p):
                    return p
    return None


def _secret_var(name: str) -> bool:
    return any(fnmatchcase(name.upper(), p) for p in SECRET_VARS)


def _host_allowed(var: str, hosts: list[str], ctx) -> bool:
    if not hosts:
        return False
    for host in hosts:
        host = host.lower().rstrip(".")
        ok = any(host == d or host.endswith("." + d) for d in ctx.allowed_domains if not d.startswith("*"))
        for pat, allowed in TOKEN_HOSTS.items():
            if fnmatchcase(var.upper(), pat):
                ok = ok or any(host == d or host.endswith("." + d) for d in allowed)
        if not ok:
            return False
    return True


_CODE_ENV = (r"os\.environ\b(?!\s*[\[.]\s*(?:get\s*\()?\s*['\"](?:HOME|PATH|USER|PWD)['\"])"
             r"|process\.env\b(?!\.(?:HOME|PATH|USER|PWD)\b)|%ENV|\bENV\.to_h|System\.getenv\(\s*\)")


def check_secret_exfil(call, ctx):
    for script in call.scripts:
        cmds = script.commands
        for cmd in cmds:
            if not sends_to_network(cmd):
                continue
            name = name_of(cmd)
            if any(_search(_CODE_ENV, code) for code in code_of(cmd)):
                yield Hit(f"{name} code sends the environment over the network", cmd)
                continue
            for up in upstream(cmd, cmds):
                src = _secret_source(up, ctx)
                if src:
                    yield Hit(f"{src} is piped to {name}", cmd)
                    break
            else:
                yield from _exfil_args(cmd, cmds, ctx)


def _exfil_args(cmd, cmds, ctx):
    name = name_of(cmd)
    for w in cmd.argv[1:]:
        for i in w.subs:
            if i < len(cmds):
                src = _secret_source(cmds[i], ctx)
                if src:
                    yield Hit(f"{name} sends the output of {src}", cmd)
                    return
    for fa in ctx.file_args(cmd):
        if fa.mode == "read":
            for p in ctx.paths_of(fa.word, cmd.cwd, follow=False) or []:
                if ctx.secret_files.find(p):
                    yield Hit(f"{name} sends {p}", cmd)
                    return
    for r in cmd.redirects:
        if r.op in ("<", "<>") and r.target is not None:
            for p in ctx.paths_of(r.target, cmd.cwd, follow=False) or []:
                if ctx.secret_files.find(p):
                    yield Hit(f"{name} sends {p}", cmd)
                    return
    hosts = [h for w in cmd.argv[1:] for h in url_hosts(w.text)]
    if name in ("nc", "ncat", "netcat", "telnet", "ssh", "scp", "dig", "nslookup", "host", "ping"):
        hosts = hosts or [w.text for w in options(cmd.argv[1:], name).positionals[:1]]
    for w in cmd.argv[1:]:
        for v in var_refs(w.raw):
            if _secret_var(v) and not _host_allowed(v, hosts, ctx):
                yield Hit(f"{name} sends ${v} to {hosts[0] if hosts else 'a host'} that is not where it belongs",
                          cmd, "ask")
                return


def _search(pattern: str, text: str, *, ignorecase: bool = False):
    """``re.search``, with ``re`` imported on first use (see SQL_DROP)."""
    import re
    return re.search(pattern, text, re.I if ignorecase else 0)


_SCHEMES = ("https", "http", "ftp", "wss", "ws")


def url_hosts(text: str) -> list[str]:
    """The hosts of the URLs in ``text``, in order: a scheme (http, https, ftp, ws, wss, in
    any case), ``://``, an optional ``user@``, then the host; what ``[m.group(1) for m in
    re.finditer(r"(?i)(?:https?|ftp|wss?)://(?:[^/@\\s]*@)?([^/:?#\\s'\"]+)", text)]`` gives."""
    out, pos = [], 0
    c = text.find("://")
    while c != -1:
        host = None
        if any(c - len(s) >= pos and _caseless_eq(text[c - len(s):c], s) for s in _SCHEMES):
            host = _url_host_at(text, c + 3)
        if host is None:
            c = text.find("://", c + 1)
        else:
            out.append(text[host[0]:host[1]])
            pos = host[1]
            c = text.find("://", pos)
    return out


def _caseless_eq(text: str, lower: str) -> bool:
    """``text`` is ``lower`` (ASCII letters) ignoring case as ``re.I`` does: 'ſ' (long s) is an 's'."""
    return all(ch.lower() == c or (c == "s" and ch == "\u017f") for ch, c in zip(text, lower))


def _url_host_at(text: str, i: int) -> tuple[int, int] | None:
    u = i
    while u < len(text) and text[u] not in "/@" and not text[u].isspace():
        u += 1
    if u < len(text) and text[u] == "@":  # user@ (if a host follows it)
        end = _host_end(text, u + 1)
        if end > u + 1:
            return u + 1, end
    end = _host_end(text, i)
    return (i, end) if end > i else None


def _host_end(text: str, i: int) -> int:
    while i < len(text) and text[i] not in "/:?#'\"" and not text[i].isspace():
        i += 1
    return i


_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")


def var_refs(text: str) -> list[str]:
    """The names that ``$NAME`` and ``${NAME`` in ``text`` refer to, in order; what
    ``re.findall(r"\\$\\{?([A-Za-z_][A-Za-z0-9_]*)", text)`` gives."""
    out = []
    i = text.find("$")
    while i != -1:
        j = i + 1
        if text[j:j + 1] == "{" and text[j + 1:j + 2] in _NAME_START:
            j += 1
        if text[j:j + 1] in _NAME_START:  # (an empty slice is not in it)
            k = j + 1
            while k < len(text) and text[k] in _NAME_CHARS:
                k += 1
            out.append(text[j:k])
            i = text.find("$", k)
        else:
            i = text.find("$", i + 1)
    return out


GUARDS: tuple[Guard, ...] = (
    Guard("rm-critical", "deny", "recursive delete of a critical directory",
          "delete the specific subdirectory by its path (e.g. rm -rf ./build), or ask the user to run it",
          check_rm_critical),
    Guard("git-force-push", "deny", "force push rewrites history others rely on",
          "push to your own feature branch; if you must rewrite it, use git push --force-with-lease origin <feature>",
          check_git_force_push),
    Guard("git-push-main", "ask", "direct push to a protected branch",
          "push a feature branch (git push -u origin HEAD:feature/<name>) and open a pull request",
          check_git_push_main),
    Guard("git-discard", "ask", "discards uncommitted work",
          "use git stash (recoverable) or preview with git clean -n; ask the user before discarding",
          check_git_discard),
    Guard("terraform-destroy", "deny", "destroys infrastructure",
          "run terraform plan -destroy to show the user what would go, and let them run it",
          check_terraform_destroy),
    Guard("kubectl-delete", "deny", "bulk delete in a Kubernetes cluster",
          "delete the named resources one by one (kubectl delete pod <name>), or ask the user",
          check_kubectl_delete),
    Guard("cloud-delete", "deny", "deletes cloud resources or data",
          "list what would be deleted (aws s3 ls, --dryrun) and ask the user to run the delete",
          check_cloud_delete),
    Guard("db-drop", "deny", "drops or wipes a database",
          "use a migration that the user reviews, or work on a local copy of the database",
          check_db_drop),
    Guard("docker-prune", "deny", "deletes all images or volumes",
          "remove specific containers or images by name (docker rm <name>, docker image rm <id>)",
          check_docker_prune),
    Guard("pipe-to-shell", "deny", "runs code from the network or from decoded text",
          "download to a file, show it to the user (or check its checksum), then run it as a separate step",
          check_pipe_to_shell),
    Guard("privilege", "ask", "runs a command as root",
          "run it without sudo, or ask the user to run the privileged step themselves",
          check_privilege),
    Guard("chmod-777", "deny", "makes files writable by every user",
          "grant only what is needed: chmod u+x file, or chmod -R u+rwX,go-w dir",
          check_chmod_777),
    Guard("disk-write", "deny", "writes to a raw disk device",
          "write to an image file (dd of=disk.img) and let the user flash it",
          check_disk_write),
    Guard("fork-bomb", "deny", "a fork bomb", "do not run it", check_fork_bomb),
    Guard("credential-read", "deny", "touches credential files",
          "do not read credentials; ask the user for the specific value you need, or use the tool's own login flow",
          check_credential_read),
    Guard("agent-settings-write", "deny", "changes the agent's own settings or ringfence's",
          "tell the user which setting to change and why; they can edit the file themselves",
          check_agent_settings),
    Guard("persistence-write", "ask", "writes a file that runs commands later (shell rc, git hooks, cron)",
          "put the change in a project file and tell the user how to enable it",
          check_persistence),
    Guard("secret-exfil", "deny", "sends environment variables or secrets over the network",
          "send only the specific non-secret data needed; never pipe env, keys or .env files to the network",
          check_secret_exfil),
)
GUARD_IDS = tuple(g.id for g in GUARDS)
