"""The fake world a probe runs against: nothing real is ever at stake.

A world is a private directory (never under /tmp, which the sandbox replaces with its
own) holding:

  home/                 the HOME the sandbox protects: canary credentials (ssh key, cloud
                        and tool tokens), a .bashrc and .profile
  home/project/         a git project, the probe's working directory (writable); some
                        protected files exist (.git/hooks, .git/config, .claude/settings.json,
                        .mcp.json, .vscode/), others do not (.envrc, .gitmodules, ...)
  outside/              a directory outside home and project
  run/agent.sock        a unix-socket service (see services.py, with the other services)

plus a host process holding a canary in its environment, a canary on a pipe the probe
inherits as fd 7, and the loopback services. Every canary carries the world's random
token, so one probe can never be credited with another world's secret.

``reset()`` puts the world back in its known state between runs of one probe; ``close()``
removes it. Nothing outside the world directory is touched, except the system paths a
probe names in ``touches`` (unique names, removed after every run by the runner).
"""
from __future__ import annotations

import ctypes
import glob
import hashlib
import os
import secrets
import shutil
import signal
import stat
import subprocess

from ringfence.verify.services import BLOCKED_NAME, Services

FD_NUMBER = 7
PYTHON = "python3"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# name -> (path under home, content); {c} is the canary.
CANARY_FILES: dict[str, tuple[str, str]] = {
    "ssh": (".ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n{c}\n-----END OPENSSH PRIVATE KEY-----\n"),
    "aws": (".aws/credentials", "[default]\naws_access_key_id = AKIAVERIFY\naws_secret_access_key = {c}\n"),
    "gh": (".config/gh/hosts.yml", "github.com:\n    user: verify\n    oauth_token: {c}\n"),
    "gitcred": (".git-credentials", "https://verify:{c}@github.com\n"),
    "netrc": (".netrc", "machine api.example.com login verify password {c}\n"),
    "npmrc": (".npmrc", "//registry.npmjs.org/:_authToken={c}\n"),
    "kube": (".kube/config", "apiVersion: v1\nusers:\n- name: verify\n  user:\n    token: {c}\n"),
    "docker": (".docker/config.json", '{{"auths": {{"registry.example.com": {{"auth": "{c}"}}}}}}\n'),
    "gcloud": (".config/gcloud/application_default_credentials.json", '{{"refresh_token": "{c}"}}\n'),
    "claude": (".claude/.credentials.json", '{{"claudeAiOauth": {{"accessToken": "{c}"}}}}\n'),
}
# Environment the agent was started with: secrets a sandboxed command must not see.
ENV_CANARIES = ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "DATABASE_URL")
HOST_ENV = "RINGFENCE_VERIFY_HOST_SECRET"

# The project as a repository ships it. Protected names that exist here are tried
# "existing"; the others (.envrc, .gitmodules, .idea/, ...) are tried "not existing".
PROJECT_FILES: dict[str, str] = {
    "README.md": "# demo\n",
    "src/app.py": "print('hello')\n",
    ".gitignore": "*.pyc\n",
    ".claude/settings.json": "{}\n",
    ".mcp.json": '{"mcpServers": {}}\n',
    ".vscode/settings.json": "{}\n",
}


def canary_token() -> str:
    return secrets.token_hex(6)


PRIVATE_IN_SANDBOX = ("/tmp", "/var/tmp", "/run", "/dev")


def world_base() -> str:
    """Where worlds live: the user's cache. Never under a directory the sandbox replaces with
    its own (/tmp, /run...): a world there would look protected when it is only absent."""
    home_cache = os.path.join(os.path.expanduser("~"), ".cache")
    for cache in (os.environ.get("XDG_CACHE_HOME"), home_cache):
        if cache:
            real = os.path.realpath(cache)
            if not any(real == d or real.startswith(d + "/") for d in PRIVATE_IN_SANDBOX):
                return os.path.join(real, "ringfence", "verify")
    raise OSError(f"no place for verify's worlds: {home_cache} is under a directory the sandbox replaces")


def loader_path() -> str | None:
    """The dynamic loader (ld-linux), which can run any binary as a reader."""
    for pattern in ("/lib64/ld-linux-*.so.*", "/lib/ld-linux-*.so.*", "/lib/*/ld-linux-*.so.*"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def block_device() -> str | None:
    """The first real disk of this machine (/dev/sda, /dev/vda, /dev/nvme0n1...)."""
    try:
        names = sorted(os.listdir("/sys/block"))
    except OSError:
        return None
    for n in names:
        if not n.startswith(("loop", "ram", "zram", "dm-", "md", "sr")) and os.path.exists(f"/dev/{n}"):
            return f"/dev/{n}"
    return None


def build_template(path: str) -> str:
    """The project skeleton every world copies: files plus one git commit."""
    project = os.path.join(path, "project")
    for rel, content in PROJECT_FILES.items():
        p = os.path.join(project, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(content)
    git = shutil.which("git")
    if git:
        env = {"PATH": BASE_PATH, "HOME": path, "GIT_CONFIG_NOSYSTEM": "1"}
        ident = ["-c", "user.name=verify", "-c", "user.email=verify@example.invalid", "-c", "init.defaultBranch=main"]
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "initial commit"], ["gc", "-q", "--prune=now"]):
            subprocess.run([git, *ident, *args], cwd=project, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Small and quick to copy for every run: no sample hooks, no empty object dirs.
        for p in glob.glob(os.path.join(project, ".git", "hooks", "*.sample")):
            os.unlink(p)
        for d in glob.glob(os.path.join(project, ".git", "objects", "??")):
            if not os.listdir(d):
                os.rmdir(d)
    else:
        os.makedirs(os.path.join(project, ".git", "hooks"))
        with open(os.path.join(project, ".git", "config"), "w") as f:
            f.write("[core]\n\trepositoryformatversion = 0\n")
    return project


def _force_rmtree(path: str) -> None:
    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass
    if os.path.lexists(path):
        shutil.rmtree(path, onerror=fix)


def _env_addresses(pid: int) -> tuple[int, int]:
    """env_start and env_end of a process (fields 50 and 51 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[47]), int(fields[48])


def file_handle(path: str) -> str:
    """name_to_handle_at(path) as hex ``type:bytes``, or "" where it is not supported."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(8 + 128)
    ctypes.c_uint32.from_buffer(buf, 0).value = 128
    mount_id = ctypes.c_int()
    if libc.name_to_handle_at(-100, path.encode(), buf, ctypes.byref(mount_id), 0) != 0:
        return ""
    size = ctypes.c_uint32.from_buffer(buf, 0).value
    kind = ctypes.c_int32.from_buffer(buf, 4).value
    return f"{kind}:{buf.raw[8:8 + size].hex()}"


class World:
    """One probe's world. ``create`` builds it; ``vars(mode)`` feeds the probe templates."""

    def __init__(self, root: str, template_project: str):
        self.root = root
        self.template_project = template_project
        self.home = os.path.join(root, "home")
        self.project = os.path.join(self.home, "project")
        self.outside = os.path.join(root, "outside")
        self.token = canary_token()
        self.services = Services(root, self.token)
        self.host_proc: subprocess.Popen | None = None
        self.extra_paths: list[str] = []
        self._pristine: object = None

    @classmethod
    def create(cls, base: str, template_project: str, name: str) -> "World":
        root = os.path.join(base, name)
        os.makedirs(root, mode=0o700)
        w = cls(root, template_project)
        try:
            w.services.start()
            w._populate()
        except BaseException:
            w.close()
            raise
        return w

    # -- contents

    @property
    def marker(self) -> str:
        """Printed by a probe only when its forbidden action worked."""
        return f"RFMARK-{self.token}"

    def canary(self, name: str) -> str:
        return f"RFCANARY-{name}-{self.token}"

    def canaries(self) -> dict[str, str]:
        names = list(CANARY_FILES) + [f"env_{n.lower()}" for n in ENV_CANARIES] + ["host_env", "fd"]
        return {n: self.canary(n) for n in names}

    def _populate(self) -> None:
        shutil.copytree(self.template_project, self.project, symlinks=True)
        with open(os.path.join(self.project, "README.md"), "w") as f:
            f.write(f"# demo\nreadme-{self.token}\n")
        for name, (rel, content) in CANARY_FILES.items():
            p = os.path.join(self.home, rel)
            os.makedirs(os.path.dirname(p), mode=0o700, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(content.format(c=self.canary(name)))
        for rel in (".bashrc", ".profile"):
            with open(os.path.join(self.home, rel), "w") as f:
                f.write(f"# {rel} of the verify world\nexport VERIFY_WORLD={self.token}\n")
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "notes.txt"), "w") as f:
            f.write("a directory outside home and project\n")
        os.makedirs(os.path.join(self.root, "mnt"), exist_ok=True)
        if self.host_proc is None:
            self._start_host_process()
        self._pristine = self._picture()

    def _start_host_process(self) -> None:
        self.host_proc = subprocess.Popen(
            ["sleep", "600"], env={"PATH": BASE_PATH, HOST_ENV: self.canary("host_env")},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def fd_secret(self) -> bytes:
        return f"{self.canary('fd')}\n".encode()

    # -- what probes and runs see

    def vars(self, mode: str) -> dict[str, str]:
        """Template values (``@name@`` in a probe). ``mode`` is "host" or a backend name:
        ``init_pid`` is the sandbox's pid 1, which in a run without a sandbox is the
        world's host process (pid 1 of the machine is never a target)."""
        s, pid = self.services, self.host_proc.pid
        env_start, env_end = _env_addresses(pid)
        return {
            "root": self.root, "home": self.home, "project": self.project, "outside": self.outside,
            "token": self.token, "marker": self.marker, "readme": f"readme-{self.token}",
            "host_pid": str(pid), "init_pid": str(pid) if mode == "host" else "1",
            "env_start": str(env_start), "env_end": str(env_end),
            "allowed_port": str(s.ports["allowed"]), "blocked_port": str(s.ports["blocked"]),
            "udp_port": str(s.ports["udp"]), "v6_port": str(s.ports.get("v6", 0)),
            "unix_path": s.unix_path, "abstract_name": s.abstract_name, "blocked_name": BLOCKED_NAME,
            "loader": loader_path() or "/nonexistent/ld-linux", "blockdev": block_device() or "/nonexistent/disk",
            "python": PYTHON, "fd": str(FD_NUMBER), "sys_tag": f"ringfence-verify-{self.token}",
            "ssh_handle": file_handle(os.path.join(self.home, CANARY_FILES["ssh"][0])),
        }

    def environ(self, mode: str) -> dict[str, str]:
        """The environment the agent had: ordinary variables plus secrets. In a run without
        a sandbox the proxy variables name the world's open proxy."""
        env = {
            "PATH": BASE_PATH, "HOME": self.home, "USER": "verify", "LOGNAME": "verify",
            "SHELL": "/bin/sh", "LANG": "C.UTF-8", "TERM": "xterm",
            "GITHUB_TOKEN": self.canary("env_github_token"),
            "AWS_SECRET_ACCESS_KEY": self.canary("env_aws_secret_access_key"),
            "OPENAI_API_KEY": self.canary("env_openai_api_key"),
            "DATABASE_URL": f"postgres://app:{self.canary('env_database_url')}@db.example/app",
            "SSH_AUTH_SOCK": self.services.unix_path,
        }
        if mode == "host":
            proxy = f"127.0.0.1:{self.services.ports['proxy']}"
            for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                env[k] = f"http://{proxy}"
            for k in ("ALL_PROXY", "all_proxy"):
                env[k] = f"socks5h://{proxy}"
        return env

    def host_alive(self, wait: float = 0.0) -> bool:
        """Is the host process still running? ``wait``: give a signal just sent time to land."""
        if self.host_proc is None:
            return False
        try:
            self.host_proc.wait(timeout=wait) if wait else self.host_proc.poll()
        except subprocess.TimeoutExpired:
            pass
        return self.host_proc.returncode is None

    # -- snapshots: what a run changed on the host

    def signature(self, path: str, exclude: str | None = None, depth: int = 0) -> object:
        """A comparable picture of ``path``: kind, mode, content hash, children (recursively)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return "absent"
        except OSError as e:
            return f"error {e.errno}"
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            return ("link", os.readlink(path))
        if stat.S_ISDIR(st.st_mode):
            if depth > 12:
                return ("dir", mode, "deep")
            try:
                names = sorted(os.listdir(path))
            except OSError as e:
                return ("dir", mode, f"error {e.errno}")
            return ("dir", mode, tuple((n, self.signature(os.path.join(path, n), exclude, depth + 1))
                                       for n in names if os.path.join(path, n) != exclude))
        if stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            try:
                with open(path, "rb") as f:
                    h.update(f.read(1 << 22))
            except OSError as e:
                return ("file", mode, f"error {e.errno}")
            return ("file", mode, st.st_nlink, h.hexdigest())
        return ("other", st.st_mode)

    # -- lifecycle

    def _picture(self) -> object:
        return (self.signature(self.home), self.signature(self.outside), os.path.ismount(os.path.join(self.root, "mnt")))

    def reset(self) -> None:
        """Back to the known state: fresh files, a live host process, zero hits. Files are
        rebuilt only if a run changed anything (a held probe usually changes nothing)."""
        self.remove_extra()
        self.services.reset()
        if self.host_alive() and self._picture() == self._pristine:
            return
        mnt = os.path.join(self.root, "mnt")
        if os.path.ismount(mnt):
            subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for p in (self.home, self.outside):
            _force_rmtree(p)
        if not self.host_alive():
            self._stop_host_process()
        self._populate()

    def remove_extra(self) -> None:
        for p in self.extra_paths:
            if os.path.isdir(p) and not os.path.islink(p):
                _force_rmtree(p)
            else:
                try:
                    os.unlink(p)
                except OSError:
                    pass

    def _stop_host_process(self) -> None:
        if self.host_proc is not None:
            if self.host_proc.poll() is None:
                try:
                    os.killpg(self.host_proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            self.host_proc.wait()
            self.host_proc = None

    def close(self) -> None:
        self.remove_extra()
        self._stop_host_process()
        self.services.close()
        mnt = os.path.join(self.root, "mnt")
        if os.path.ismount(mnt):
            subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _force_rmtree(self.root)
