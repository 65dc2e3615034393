"""`ringfence run` end to end: real bubblewrap, Landlock and seccomp.

Each test runs the real CLI against a fake world (a temporary HOME holding canary
credentials, a git project) that lives outside /tmp, because /tmp is private inside the
sandbox. Every blocking check has its positive control beside it: the same action on
an allowed target must succeed, so a sandbox that blocks everything fails.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

RINGFENCE = [sys.executable, "-m", "ringfence"]
PY = sys.executable
WORLDS = Path(os.environ.get("RINGFENCE_TEST_WORLDS", Path.home() / ".cache" / "ringfence-test" / "worlds"))

CREDENTIALS = {  # relative to HOME: file holding a canary
    ".ssh/id_rsa": "ssh", ".aws/credentials": "aws", ".gnupg/private-keys-v1.d/key": "gnupg",
    ".config/gh/hosts.yml": "gh", ".git-credentials": "gitcred", ".netrc": "netrc",
    ".npmrc": "npmrc", ".pypirc": "pypirc", ".docker/config.json": "docker", ".kube/config": "kube",
    ".azure/accessTokens.json": "azure", ".config/gcloud/credentials.db": "gcloud",
}
PROTECTED = [".git/hooks/pre-commit", ".git/config", ".gitmodules", ".claude/settings.json",
             ".claude/settings.local.json", ".claude/commands/x.md", ".claude/agents/a.md",
             ".claude/hooks/h.sh", ".claude/skills/s/SKILL.md", ".mcp.json", ".vscode/tasks.json",
             ".idea/workspace.xml", ".devcontainer/devcontainer.json", ".envrc", ".husky/pre-push",
             ".yarnrc.yml", ".npmrc", ".pre-commit-config.yaml", ".bashrc", ".profile", ".zshrc"]


class World:
    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        self.proj = root / "proj"
        self.cache = root / "cache"
        for d in (self.home, self.proj, self.cache):
            d.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(self.proj)], check=True)
        for rel, name in CREDENTIALS.items():
            p = self.home / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"CANARY-{name}\n")
        (self.home / "notes.txt").write_text("PUBLIC-NOTE\n")
        (self.home / ".bashrc").write_text("# user's rc\n")
        (self.proj / "readme.txt").write_text("PROJECT-FILE\n")

    def env(self, **extra) -> dict:
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "LANG": "C.UTF-8",
               "XDG_CACHE_HOME": str(self.cache), "XDG_STATE_HOME": str(self.root / "state"),
               "XDG_CONFIG_HOME": str(self.home / ".config")}
        env.update(extra)
        return env

    def run(self, script: str, *flags: str, env: dict | None = None, timeout: float = 60, **kw):
        cmd = RINGFENCE + ["run", *flags, "--", "sh", "-c", script]
        return subprocess.run(cmd, cwd=self.proj, env=env or self.env(), capture_output=True,
                              text=True, timeout=timeout, **kw)


@pytest.fixture
def world():
    root = WORLDS / uuid.uuid4().hex[:10]
    w = World(root)
    yield w
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def loopback_http():
    """A real HTTP server on 127.0.0.1: yields its URL."""
    import http.server
    import threading
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()


def results(out: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line and line[:1].isalpha())


# ---------------------------------------------------------------- credentials

def read_attempts(target: Path, proj: Path, tag: str) -> str:
    """Shell lines that try to read ``target`` many ways; each prints TAG-METHOD=<what was read>."""
    rel = os.path.relpath(target, proj)
    dbl = "/" + str(target).strip("/").replace("/", "//")
    link = proj / f"link-{tag}"
    lines = [
        f'echo "{tag}-direct=$(cat {target} 2>&1)"',
        f'echo "{tag}-procroot=$(cat /proc/self/root{target} 2>&1)"',
        f'ln -sf {target} {link} 2>/dev/null; echo "{tag}-symlink=$(cat {link} 2>&1)"',
        f'echo "{tag}-dotdot=$(cat {rel} 2>&1)"',
        f'echo "{tag}-dblslash=$(cat {dbl} 2>&1)"',
        f'echo "{tag}-find=$(find {target} -maxdepth 0 -exec cat {{}} \\; 2>&1)"',
        f'echo "{tag}-tar=$(tar -cf - {target} 2>&1 | tr -dc "[:print:]")"',
        f'echo "{tag}-python=$({PY} -I -S -c "print(open(\'{target}\').read())" 2>&1)"',
    ]
    return "\n".join(lines)


METHODS = ["direct", "procroot", "symlink", "dotdot", "dblslash", "find", "tar", "python"]


def test_credentials_unreadable_every_way_while_other_home_files_read(world):
    script = [read_attempts(world.home / "notes.txt", world.proj, "control")]
    for i, rel in enumerate(CREDENTIALS):
        script.append(read_attempts(world.home / rel, world.proj, f"cred{i}"))
    r = world.run("\n".join(script))
    assert r.returncode == 0, r.stderr
    res = results(r.stdout)
    for m in METHODS:  # positive control: the same method on an allowed file works
        assert "PUBLIC-NOTE" in res[f"control-{m}"], (m, res[f"control-{m}"])
    for i, (rel, name) in enumerate(CREDENTIALS.items()):
        for m in METHODS:
            got = res[f"cred{i}-{m}"]
            assert f"CANARY-{name}" not in got, f"{rel} leaked via {m}: {got!r}"
    assert "CANARY-" not in r.stdout + r.stderr


def test_system_secrets_unreadable_while_passwd_reads(world):
    r = world.run('cat /etc/passwd | head -1; cat /etc/shadow; echo "shadow=$?"; cat /etc/gshadow; echo "gshadow=$?"')
    assert r.stdout.startswith("root:")           # control: /etc/passwd is readable
    res = results(r.stdout)
    assert res["shadow"] != "0" and res["gshadow"] != "0"
    assert "root:" not in r.stdout.split("\n", 1)[1]


# ---------------------------------------------------------------- writes

@pytest.mark.parametrize("existing", [False, True], ids=["missing", "existing"])
def test_protected_files_cannot_be_created_appended_or_replaced(world, existing):
    if existing:
        for rel in PROTECTED:
            p = world.proj / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("{}\n" if rel.endswith(".json") else "ORIGINAL\n")
    before = {rel: (world.proj / rel).read_bytes() if (world.proj / rel).exists() else None for rel in PROTECTED}
    lines = ['echo ok > normal.txt && echo "control-create=ok"', 'echo more >> normal.txt && echo "control-append=ok"',
             'echo new > n.tmp && mv n.tmp normal.txt && echo "control-replace=ok"']
    for i, rel in enumerate(PROTECTED):
        d = os.path.dirname(rel) or "."
        lines += [f'mkdir -p {d} 2>/dev/null; echo evil > {rel} 2>/dev/null && echo "p{i}-create=LEAK"',
                  f'echo evil >> {rel} 2>/dev/null && echo "p{i}-append=LEAK"',
                  f'echo evil > {d}/.x{i} 2>/dev/null; mv -f {d}/.x{i} {rel} 2>/dev/null && echo "p{i}-replace=LEAK"; rm -f {d}/.x{i}',
                  f'rm -rf {rel} 2>/dev/null; [ -e {rel} ] || echo "p{i}-delete=LEAK"' if existing else ":"]
    r = world.run("\n".join(lines))
    res = results(r.stdout)
    assert res.get("control-create") == "ok" and res.get("control-append") == "ok" and res.get("control-replace") == "ok"
    assert (world.proj / "normal.txt").read_text() == "new\n"
    leaks = [k for k, v in res.items() if v == "LEAK"]
    assert not leaks, leaks
    for rel in PROTECTED:
        after = (world.proj / rel).read_bytes() if (world.proj / rel).exists() else None
        assert after == before[rel], rel
    # nothing the sandbox made to enforce this is left behind
    leftovers = sorted(p.name for p in world.proj.iterdir())
    expected = {".git", "normal.txt", "readme.txt"} | ({p.split("/")[0] for p in PROTECTED} if existing else set())
    assert set(leftovers) <= expected | {"link-control"}, leftovers
    if not existing:
        assert not (world.proj / ".mcp.json").exists() and not (world.proj / ".claude").exists()
        assert sorted(os.listdir(world.proj / ".git" / "hooks")) == sorted(os.listdir(world.proj / ".git" / "hooks"))


def test_renaming_a_parent_does_not_get_around_protection(world):
    hooks = world.proj / ".git" / "hooks"
    r = world.run('mv .git/hooks h2 2>&1; echo "mvhooks=$?"; mv .git .git2 2>&1; echo "mvgit=$?"; '
                  'mkdir -p .git/hooks 2>/dev/null; echo "#!/bin/sh" > .git/hooks/post-checkout 2>/dev/null; '
                  'echo "plant=$?"; mkdir sub && mv sub sub2 && echo "control=ok"')
    res = results(r.stdout)
    assert res["control"] == "ok"
    assert res["mvhooks"] != "0" and res["mvgit"] != "0" and res["plant"] != "0"
    # mv may fall back to copying (a harmless copy); the originals stay where git reads them
    assert not (hooks / "post-checkout").exists() and (hooks / "pre-commit.sample").exists()
    assert (world.proj / ".git" / "HEAD").exists() and not (world.proj / ".git2").exists()


def test_writes_outside_the_project_do_not_reach_the_host(world):
    outside = world.root / "outside.txt"
    r = world.run(f'echo x > {outside}; echo x > {world.home}/new.txt; echo x >> {world.home}/.bashrc; '
                  f'echo x > /etc/ringfence-test-{uuid.uuid4().hex[:6]}; echo x > /tmp/t && cat /tmp/t && '
                  'echo x > inproject.txt && echo "control=ok"')
    assert results(r.stdout)["control"] == "ok" and (world.proj / "inproject.txt").exists()
    assert not outside.exists() and not (world.home / "new.txt").exists()
    assert (world.home / ".bashrc").read_text() == "# user's rc\n"
    assert not any(n.startswith("ringfence-test-") for n in os.listdir("/etc"))


def test_recursive_delete_of_home_leaves_it_intact(world):
    r = world.run(f'rm -rf "$HOME" 2>/dev/null; rm -rf {world.home}/notes.txt 2>/dev/null; '
                  'rm -rf ./readme.txt && echo "control=ok"')
    assert results(r.stdout)["control"] == "ok" and not (world.proj / "readme.txt").exists()
    assert (world.home / "notes.txt").read_text() == "PUBLIC-NOTE\n"
    assert (world.home / ".ssh" / "id_rsa").exists()


# ---------------------------------------------------------------- environment and fds

def test_secret_environment_and_inherited_fds_do_not_reach_the_command(world):
    env = world.env(AWS_SECRET_ACCESS_KEY="CANARY-envsecret", GITHUB_TOKEN="CANARY-ghtoken",
                    NAMED_TOKEN="named-ok", RANDOM_SETTING="nope", TERM="xterm-test")
    r_fd, w_fd = os.pipe()
    os.write(w_fd, b"CANARY-fd\n")
    os.close(w_fd)
    try:
        cmd = RINGFENCE + ["run", "--env", "NAMED_TOKEN", "--", "sh", "-c",
                           f'env; ls /proc/self/fd; {PY} -I -S -c "import os; print(os.read({r_fd}, 99))"; echo "fdread=$?"']
        r = subprocess.run(cmd, cwd=world.proj, env=env, capture_output=True, text=True, timeout=60,
                           pass_fds=(r_fd,))
    finally:
        os.close(r_fd)
    assert "CANARY-" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert "NAMED_TOKEN=named-ok" in r.stdout, r.stdout + r.stderr          # control: named explicitly, it passes
    assert "TERM=xterm-test" in r.stdout               # control: allowlisted variable passes
    assert "RANDOM_SETTING" not in r.stdout
    fds = {line for line in r.stdout.splitlines() if line.isdigit()}
    assert fds <= {"0", "1", "2", "3"}                 # 3 is ls's own directory handle
    assert results(r.stdout).get("fdread") not in (None, "0"), r.stdout + r.stderr


# ---------------------------------------------------------------- kernel surface

def test_ptrace_unshare_mount_procsys_and_host_kill_fail(world):
    victim = subprocess.Popen(["sleep", "60"])
    try:
        script = (
            f'kill -0 {victim.pid} 2>/dev/null; echo "killhost=$?"\n'
            'sleep 30 & c=$!; kill $c && echo "control-kill=ok"\n'
            'unshare -Ur true 2>/dev/null; echo "unshare=$?"\n'
            'mkdir -p m; mount -t tmpfs none m 2>/dev/null; echo "mount=$?"\n'
            'echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; echo "procsys=$?"\n'
            f'{PY} -I -S -c "import ctypes,sys; l=ctypes.CDLL(None,use_errno=True); '
            f'r=l.ptrace(16, {victim.pid}, 0, 0); print(\'ptrace=\'+str(r)+\',\'+str(ctypes.get_errno()))"\n'
            f'{PY} -I -S -c "import os; print(\'control-python=ok\')"\n'
        )
        r = world.run(script)
        res = results(r.stdout)
        assert res["control-kill"] == "ok" and res["control-python"] == "ok"
        assert res["killhost"] != "0" and res["unshare"] != "0" and res["mount"] != "0" and res["procsys"] != "0"
        assert res["ptrace"].startswith("-1,"), res["ptrace"]
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


def test_no_capability_inside_and_the_placeholder_mounts_hold(world):
    """bwrap keeps CAP_SYS_ADMIN for the inner stage's mounts only: the command has none,
    and cannot undo a placeholder mount (umount) or remount it writable."""
    script = (
        "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status\n"
        "umount .mcp.json 2>/dev/null; echo \"umount=$?\"\n"
        "mount -o remount,rw,bind .mcp.json 2>/dev/null; echo \"remount=$?\"\n"
        "echo x > .mcp.json 2>/dev/null; echo \"write=$?\"\n"
        "echo x > new-file && echo \"control-write=ok\"\n"
    )
    r = world.run(script)
    res = results(r.stdout)
    caps = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("Cap")]
    assert len(caps) == 5 and set(caps) == {"0000000000000000"}, r.stdout
    assert res["control-write"] == "ok"
    assert res["umount"] != "0" and res["remount"] != "0" and res["write"] != "0"
    assert not (world.proj / ".mcp.json").exists()       # the placeholder is gone after the run


# ---------------------------------------------------------------- pass-through

def test_exit_status_stdin_stdout_pass_through(world):
    cmd = RINGFENCE + ["run", "--", "sh", "-c", "tr a-z A-Z; exit 42"]
    r = subprocess.run(cmd, cwd=world.proj, env=world.env(), input="hello sandbox\n", capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == "HELLO SANDBOX\n" and r.returncode == 42
    r = world.run("kill -TERM $$")
    assert r.returncode == 128 + signal.SIGTERM


def test_ctrl_c_reaches_the_command(world):
    cmd = RINGFENCE + ["run", "--", "sh", "-c", "trap 'echo got-int; exit 3' INT; echo ready; sleep 30 & wait"]
    p = subprocess.Popen(cmd, cwd=world.proj, env=world.env(), stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        os.killpg(p.pid, signal.SIGINT)                # what a terminal's Ctrl-C does
        out, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert "got-int" in out and p.returncode == 3


def test_sigkill_of_ringfence_leaves_nothing_on_disk(world):
    before = sorted(os.listdir(world.proj))
    cmd = RINGFENCE + ["run", "--", "sh", "-c", "echo ready; sleep 60"]
    p = subprocess.Popen(cmd, cwd=world.proj, env=world.env(), stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    assert (world.proj / ".mcp.json").exists()          # the stub is there during the run
    p.kill()
    p.wait()
    deadline = time.time() + 10
    while time.time() < deadline and sorted(os.listdir(world.proj)) != before:
        time.sleep(0.1)
    assert sorted(os.listdir(world.proj)) == before


# ---------------------------------------------------------------- fail closed, bad input

def test_bad_config_refuses_to_start_and_changes_nothing(world):
    (world.proj / "ringfence.toml").write_text('[filesystem]\ndenyRead = "not-a-list"\n')
    before = sorted(os.listdir(world.proj))
    r = world.run("touch ran.txt")
    assert r.returncode == 2
    assert "ringfence.toml" in r.stderr and "filesystem.denyRead" in r.stderr
    assert sorted(os.listdir(world.proj)) == before


def test_unknown_flag_and_missing_command(world):
    r = subprocess.run(RINGFENCE + ["run", "--unsandboxed", "--", "true"], cwd=world.proj, env=world.env(),
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option --unsandboxed" in r.stderr
    r = subprocess.run(RINGFENCE + ["run"], cwd=world.proj, env=world.env(), capture_output=True, text=True)
    assert r.returncode == 2


def test_missing_landlock_abi_refuses_without_running(world, monkeypatch):
    """The inner stage refuses to exec when a layer cannot be applied (exit 3)."""
    import marshal

    from ringfence.sandbox import compiled
    from ringfence.policy import load_policy
    pol = load_policy(str(world.proj), home=str(world.home))
    c = compiled.compile_run(pol, ["touch", str(world.proj / "ran.txt")])
    assert any(p.endswith("/sandbox/plan.py") for p, _, _ in c["facts"])  # new code never reuses old plans
    c["spec"]["landlock"]["abi_min"] = 99
    from ringfence.sandbox.launch import run_compiled
    code = run_compiled(c, world.env())
    assert code == 3 and not (world.proj / "ran.txt").exists()
    c["spec"]["landlock"]["abi_min"] = 1
    assert run_compiled(c, world.env()) == 0 and (world.proj / "ran.txt").exists()  # control
    del marshal


def test_profile_paranoid_hides_home_but_tools_still_run(world):
    r = world.run(f'cat {world.home}/notes.txt 2>&1; echo "note=$?"; git --version >/dev/null && echo "git=ok"; '
                  f'{PY} -c "print(\'py=ok\')"; echo x > p.txt && echo "write=ok"', "--profile", "paranoid")
    res = results(r.stdout)
    assert res["note"] != "0" and "PUBLIC-NOTE" not in r.stdout
    assert res["git"] == "ok" and res["py"] == "ok" and res["write"] == "ok", r.stdout + r.stderr


def test_terminal_kept_but_tiocsti_injection_refused(world):
    """A TUI keeps its terminal (isatty, window size); typing into it with TIOCSTI is refused."""
    import pty
    script = ("import fcntl, os, struct, sys, termios\n"
              "print('tty', os.isatty(0), flush=True)\n"
              "ws = fcntl.ioctl(0, termios.TIOCGWINSZ, b'\\0' * 8)\n"
              "print('winsz', struct.unpack('HHHH', ws)[:2], flush=True)\n"
              "try:\n"
              "    fcntl.ioctl(0, termios.TIOCSTI, b'X')\n"
              "    print('tiocsti LEAK', flush=True)\n"
              "except OSError as e:\n"
              "    print('tiocsti refused', e.errno, flush=True)\n")
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    p = subprocess.Popen(RINGFENCE + ["run", "--", PY, "-I", "-S", "-c", script], cwd=world.proj, env=world.env(),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.time() + 60
    while p.poll() is None or True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if time.time() > deadline:
            break
    p.wait(timeout=30)
    os.close(master)
    text = out.decode(errors="replace")
    assert "tty True" in text and "winsz (33, 101)" in text, text
    assert "tiocsti refused 1" in text and "LEAK" not in text, text


def test_bwrap_setup_failure_is_exit_3_not_the_commands_status(world):
    from ringfence.policy import load_policy
    from ringfence.sandbox import compiled
    from ringfence.sandbox.launch import run_compiled
    pol = load_policy(str(world.proj), home=str(world.home))
    c = compiled.compile_run(pol, ["sh", "-c", "exit 1"])
    assert run_compiled(c, world.env()) == 1                      # control: the command's own 1
    c["args"] = c["args"] + ["--bind", str(world.root / "does-not-exist"), "/x"]
    assert run_compiled(c, world.env()) == 3


def test_a_placeholder_that_appears_meanwhile_stops_the_run_and_leaves_nothing(world):
    """Between compiling and running, something creates a protected name: ringfence refuses,
    the command never runs, and none of the other placeholders stays behind."""
    from ringfence.errors import SandboxError
    from ringfence.policy import load_policy
    from ringfence.sandbox import compiled
    from ringfence.sandbox.launch import run_compiled
    marker = world.proj / "ran"
    pol = load_policy(str(world.proj), home=str(world.home))
    c = compiled.compile_run(pol, ["sh", "-c", f"touch {marker}"])
    stubs = [p for p, _ in c["stubs"]]
    assert str(world.proj / ".mcp.json") in stubs
    before = sorted(os.listdir(world.proj))
    assert run_compiled(c, world.env()) == 0 and marker.exists()        # control: it runs
    marker.unlink()
    assert sorted(os.listdir(world.proj)) == before
    (world.proj / ".mcp.json").write_text("{}")                        # appears meanwhile
    with pytest.raises(SandboxError, match="appeared"):
        run_compiled(c, world.env())
    assert not marker.exists()
    assert sorted(os.listdir(world.proj)) == sorted(before + [".mcp.json"])
    assert (world.proj / ".mcp.json").read_text() == "{}"


def test_ctrl_c_does_not_take_the_network_down(world, loopback_http):
    """The proxy outlives a Ctrl-C the agent handles (interrupting a turn is not quitting)."""
    url = loopback_http
    port = int(url.rsplit(":", 1)[1].strip("/"))
    script = (f"trap 'echo got-int' INT; curl -sf -o /dev/null {url} && echo before=ok; echo ready; "
              f"sleep 5 & wait; curl -sf -o /dev/null {url} && echo after=ok; exit 0")
    cmd = RINGFENCE + ["run", f"--allow-domain=127.0.0.1:{port}", "--", "sh", "-c", script]
    p = subprocess.Popen(cmd, cwd=world.proj, env=world.env(), stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        lines = []
        while "ready" not in lines:
            lines.append(p.stdout.readline().strip())
        os.killpg(p.pid, signal.SIGINT)
        out, _ = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    res = results("\n".join(lines) + "\n" + out)
    assert res.get("before") == "ok" and "got-int" in out
    assert res.get("after") == "ok", out


def test_proxy_killed_mid_run_leaves_the_sandbox_without_network(world, loopback_http):
    """Fail closed: with the proxy gone nothing gets out, and ringfence says so."""
    url = loopback_http
    port = int(url.rsplit(":", 1)[1].strip("/"))
    fifo = world.root / "go"
    os.mkfifo(fifo)
    script = (f"curl -s -m 5 -o /dev/null {url} && echo before=ok; echo ready; "
              f"read x < {fifo}; curl -s -m 5 -o /dev/null {url}; echo after=$?; "
              f"curl -s -m 5 --noproxy '*' -o /dev/null {url}; echo direct=$?")
    cmd = RINGFENCE + ["run", f"--allow-domain=127.0.0.1:{port}", "--", "sh", "-c", script]
    env = world.env()
    p = subprocess.Popen(cmd, cwd=world.proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while "ready" not in lines:
            line = p.stdout.readline()
            assert line, p.stderr.read()
            lines.append(line.strip())
        # the proxy: ringfence's forked child that is neither bwrap nor the watchdog (own session)
        with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
        proxy = [k for k in kids if os.getsid(k) != k and b"bwrap" not in open(f"/proc/{k}/cmdline", "rb").read()]
        assert len(proxy) == 1, kids
        os.kill(proxy[0], signal.SIGKILL)
        time.sleep(0.3)
        with open(fifo, "w") as f:
            f.write("go\n")
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    res = results("\n".join(lines) + "\n" + out)
    assert res["before"] == "ok"                      # control: the network worked
    assert res["after"] != "0" and res["direct"] != "0"
    assert "the network proxy stopped" in err
