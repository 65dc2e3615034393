"""The fake world: contents, services that count, reset, snapshots, clean removal."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from hypothesis import given, strategies as st

from ringfence.verify.probes.net import PRELUDE
from ringfence.verify.services import BLOCKED_NAME, client_hello_sni, front_target, host_header
from ringfence.verify.world import CANARY_FILES, ENV_CANARIES, HOST_ENV, World, build_template, world_base


@pytest.fixture
def world():
    base = os.path.join(world_base(), f"test-world-{os.getpid()}-{os.urandom(2).hex()}")
    os.makedirs(base)
    w = World.create(base, build_template(os.path.join(base, "template")), "w")
    try:
        yield w
    finally:
        w.close()
        assert not os.path.exists(w.root)
        shutil.rmtree(base, ignore_errors=True)


def in_world_netns(world, code: str, env=None) -> subprocess.CompletedProcess:
    """Run python code as a host process of the world (inside its network namespace)."""
    fd = world.services.netns_fd
    pre = (f"import ctypes,os\nif {fd is not None}:\n  assert ctypes.CDLL(None).setns({fd if fd is not None else -1},0)==0\n")
    return subprocess.run([sys.executable, "-c", pre + code], capture_output=True, text=True, timeout=30,
                          pass_fds=[fd] if fd is not None else [], env=env)


# ---------------------------------------------------------------- contents

def test_world_holds_canaries_a_git_project_and_protected_files(world):
    for name, (rel, _) in CANARY_FILES.items():
        with open(os.path.join(world.home, rel)) as f:
            assert world.canary(name) in f.read()
    assert os.path.isdir(os.path.join(world.project, ".git", "hooks"))
    assert os.path.isfile(os.path.join(world.project, ".git", "config"))
    out = subprocess.run(["git", "log", "--format=%s"], cwd=world.project, capture_output=True, text=True)
    assert out.stdout.strip() == "initial commit"
    for existing in (".claude/settings.json", ".mcp.json", ".vscode/settings.json"):
        assert os.path.exists(os.path.join(world.project, existing))
    for missing in (".envrc", ".gitmodules", ".idea", ".claude/settings.local.json", "ringfence.toml"):
        assert not os.path.exists(os.path.join(world.project, missing))
    env = world.environ("native")
    assert env["HOME"] == world.home
    assert all(world.canary(f"env_{n.lower()}") in env[n] for n in ENV_CANARIES)
    assert "HTTP_PROXY" not in env and world.environ("host")["HTTP_PROXY"].startswith("http://127.0.0.1:")


def test_the_world_lives_outside_tmp_and_canaries_are_unique(world):
    assert not world.root.startswith(("/tmp/", "/var/tmp/", "/run/", "/dev/shm/"))
    other = World(world.root + "-x", world.template_project)
    assert other.token != world.token


def test_world_base_is_never_where_the_sandbox_mounts_its_own(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/some-cache")
    assert not world_base().startswith("/tmp/")
    monkeypatch.setenv("XDG_CACHE_HOME", os.path.expanduser("~/.cache-x"))
    assert world_base() == os.path.realpath(os.path.expanduser("~/.cache-x")) + "/ringfence/verify"


def test_host_process_holds_its_secret_in_its_environment(world):
    with open(f"/proc/{world.host_proc.pid}/environ", "rb") as f:
        assert f"{HOST_ENV}={world.canary('host_env')}".encode() in f.read()
    values = world.vars("host")
    assert values["init_pid"] == str(world.host_proc.pid)
    assert world.vars("native")["init_pid"] == "1"
    assert int(values["env_start"]) < int(values["env_end"])


# ---------------------------------------------------------------- services

def test_services_count_each_kind_of_hit(world):
    ports = world.services.ports
    code = f"""
import socket
for port in ({ports['allowed']},{ports['blocked']}):
    s=socket.create_connection(('127.0.0.1',port)); s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); print(s.recv(200)); s.close()
u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.sendto(b'x',('127.0.0.1',{ports['udp']}))
s=socket.create_connection(('::1',{ports['v6']})); print(s.recv(100))
for addr in ({world.services.unix_path!r}, '\\0{world.services.abstract_name}'):
    s=socket.socket(socket.AF_UNIX); s.connect(addr); print(s.recv(100))
"""
    out = in_world_netns(world, code)
    assert out.returncode == 0, out.stderr
    assert f"allowed-ok {world.token}" in out.stdout and f"blocked-ok {world.token}" in out.stdout
    for _ in range(50):
        if world.services.hits()["udp"]:
            break
        time.sleep(0.02)
    assert world.services.hits() == {"allowed": 1, "blocked": 1, "udp": 1, "v6": 1, "unix": 1, "abstract": 1}
    world.services.reset()
    assert set(world.services.hits().values()) == {0}


def test_services_are_in_their_own_network_namespace(world):
    if world.services.netns_fd is None:
        pytest.skip("not root: the services share the machine's loopback")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", world.services.ports["blocked"]), timeout=2)
    assert world.services.hits()["blocked"] == 0


def test_open_proxy_reaches_targets_by_every_protocol_and_the_front_forwards(world):
    """The no-sandbox stand-in for "nothing filters the network" works for HTTP, CONNECT and
    SOCKS5, and the allowed server fronts the blocked one by Host header or SNI."""
    p = world.services.ports
    code = PRELUDE + f"""
drain(http_via_proxy('http://127.0.0.1:{p['blocked']}/','127.0.0.1:{p['blocked']}'))
s=connect('127.0.0.1:{p['blocked']}'); s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); drain(s)
s=socks('127.0.0.1',{p['blocked']}); s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); drain(s)
s=connect('127.0.0.1:{p['allowed']}'); s.sendall(b'GET / HTTP/1.1\\r\\nHost: {BLOCKED_NAME}\\r\\n\\r\\n'); drain(s)
s=connect('127.0.0.1:{p['allowed']}'); s.sendall(hello('{BLOCKED_NAME}')); drain(s)
"""
    out = in_world_netns(world, code, env=world.environ("host"))
    assert out.returncode == 0, out.stderr
    assert world.services.hits()["blocked"] == 5
    assert world.services.hits()["allowed"] == 2


# ---------------------------------------------------------------- reset, snapshots, cleanup

def test_reset_restores_files_and_the_host_process(world):
    pristine = world.signature(world.home)
    with open(os.path.join(world.home, ".bashrc"), "a") as f:
        f.write("evil\n")
    os.unlink(os.path.join(world.project, ".git", "config"))
    os.kill(world.host_proc.pid, 9)
    world.host_proc.wait()
    assert world.signature(world.home) != pristine
    world.reset()
    assert world.host_alive()
    with open(os.path.join(world.home, ".bashrc")) as f:
        assert "evil" not in f.read()
    assert os.path.isfile(os.path.join(world.project, ".git", "config"))


def test_signature_sees_content_mode_links_and_existence(world):
    p = os.path.join(world.project, ".envrc")
    sig = world.signature(p)
    assert sig == "absent"
    open(p, "w").close()
    assert world.signature(p) != sig
    hooks = os.path.join(world.project, ".git", "hooks")
    before = world.signature(hooks)
    os.chmod(hooks, 0o777)
    assert world.signature(hooks) != before
    cfg = os.path.join(world.project, ".git", "config")
    before = world.signature(cfg)
    os.link(cfg, os.path.join(world.project, "cfg"))
    assert world.signature(cfg) != before            # a new hardlink counts
    home_only = world.signature(world.home, exclude=world.project)
    open(os.path.join(world.project, "new.txt"), "w").close()
    assert world.signature(world.home, exclude=world.project) == home_only


def test_touched_system_paths_are_removed(world):
    path = f"/tmp/ringfence-verify-{world.token}"
    open(path, "w").close()
    world.extra_paths = [path]
    world.remove_extra()
    assert not os.path.exists(path)


def test_file_handle_is_usable_for_the_shocker_probe(world):
    values = world.vars("host")
    kind, handle = values["ssh_handle"].split(":")
    assert int(kind) != 0 and len(bytes.fromhex(handle)) > 0


# ---------------------------------------------------------------- pure parsers

def test_host_header_and_sni_parsers():
    assert host_header(b"GET / HTTP/1.1\r\nX: y\r\nHOST:  Example.COM:80 \r\n\r\n") == "example.com:80"
    assert host_header(b"GET / HTTP/1.1\r\n\r\n") is None
    ns: dict = {}
    exec(PRELUDE, ns)                                  # the probes' own ClientHello builder
    assert client_hello_sni(ns["hello"]("Blocked.Ringfence.Test")) == "blocked.ringfence.test"
    assert front_target(ns["hello"](BLOCKED_NAME), 1234)
    assert front_target(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:1234\r\n\r\n", 1234)
    assert not front_target(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:99\r\n\r\n", 1234)


@given(st.binary(max_size=600))
def test_parsers_never_raise(data):
    client_hello_sni(data)
    client_hello_sni(b"\x16\x03\x01" + data)
    host_header(data)
    front_target(data or b"x", 1)
