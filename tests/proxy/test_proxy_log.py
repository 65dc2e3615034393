"""The decision log (real SQLite), `ringfence log --network`, and the proxy process entry."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time


from proxy_helpers import Endpoint, http_request, socks_connect
from ringfence import cli
from ringfence.proxy.log import COLUMNS, DecisionLog, default_path, read_rows


def row(**kw) -> dict:
    base = {c: "" for c in COLUMNS}
    base.update(time=time.time(), sandbox_id="sb1", client="unix", protocol="connect",
                host="example.com", port=443, decision="allow", bytes_up=1, bytes_down=2,
                duration_ms=1.5)
    base.update(kw)
    return base


def test_writer_batches_into_wal_database(tmp_path):
    path = str(tmp_path / "state" / "network.sqlite3")
    log = DecisionLog(path)
    for i in range(1500):
        log.write(row(port=i + 1))
    log.close()
    rows = read_rows(path)
    assert [r["port"] for r in rows] == list(range(1, 1501))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert read_rows(path, limit=2)[-1]["port"] == 1500
    assert read_rows(path, after_id=1499)[0]["port"] == 1500
    assert read_rows(path, sandbox="nope") == []


def test_unopenable_log_warns_once_and_the_proxy_still_filters(make_proxy, origin):
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"],
                       log_path="/proc/ringfence-nope/network.sqlite3")
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/ok")[0] == 200
    assert http_request(proxy, "http://denied.test/")[0] == 403
    assert socks_connect(proxy, "denied.test", 443)[0] == 2
    notices = proxy.notices.getvalue()
    assert notices.count("cannot open the network log") == 1
    assert "still filtered" in notices


def test_log_command_json_and_table(make_proxy, origin, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    path = default_path()
    assert path == str(tmp_path / "xdg" / "ringfence" / "network.sqlite3")
    proxy = make_proxy(allow=[f"127.0.0.1:{origin.port}"], log_path=path)
    assert http_request(proxy, f"http://127.0.0.1:{origin.port}/a")[0] == 200
    assert http_request(proxy, "http://blocked.test/")[0] == 403
    proxy.rows(2)
    capsys.readouterr()

    assert cli.main(["log", "--network", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["host"], r["decision"], r["rule"]) for r in lines] == [
        ("127.0.0.1", "allow", f"127.0.0.1:{origin.port}"),
        ("blocked.test", "deny", "default-deny")]
    assert lines[0]["sandbox_id"] == "test-sb" and lines[0]["time"].endswith("Z")
    assert set(COLUMNS) <= set(lines[0])

    assert cli.main(["log", "--network", "--json", "--limit", "1"]) == 0
    assert [json.loads(x)["host"] for x in capsys.readouterr().out.splitlines()] == ["blocked.test"]
    assert cli.main(["log", "--network", "--json", "--sandbox", "other"]) == 0
    assert capsys.readouterr().out == ""

    monkeypatch.setenv("COLUMNS", "160")
    assert cli.main(["log", "--network"]) == 0
    out = capsys.readouterr().out
    assert "blocked.test:80" in out and "default-deny" in out
    assert out.index("127.0.0.1") < out.index("blocked.test")      # newest last


def test_log_command_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert cli.main(["log", "--network"]) == 0
    assert "no network decisions" in capsys.readouterr().err
    assert cli.main(["log", "--bogus"]) == 2
    assert capsys.readouterr().err.startswith("ringfence: log:")
    assert cli.main(["log", "--limit", "-1"]) == 2
    assert cli.main(["log", "--help"]) == 0
    path = tmp_path / "ringfence" / "network.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    assert cli.main(["log", "--network", "--json"]) == 2
    assert "cannot read the network log" in capsys.readouterr().err


def test_log_follow_prints_new_rows_until_ctrl_c(tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    path = str(tmp_path / "ringfence" / "network.sqlite3")
    log = DecisionLog(path)
    log.write(row(host="first.test"))
    log.close()
    proc = subprocess.Popen([sys.executable, "-m", "ringfence", "log", "--network", "--follow",
                             "--json"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(proc.stdout.readline())["host"] == "first.test"
        log = DecisionLog(path)
        log.write(row(host="second.test", decision="deny"))
        log.close()
        assert json.loads(proc.stdout.readline())["host"] == "second.test"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        proc.kill()


# ---------------------------------------------------------------- the forked process entry

CHILD = textwrap.dedent("""
    import os, socket, sys, time
    from ringfence.policy.model import Item, NetPolicy
    from ringfence.proxy.server import serve_forever
    path, log_path, origin_port, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    listen = socket.socket(socket.AF_UNIX)
    listen.bind(path)
    listen.listen(16)
    net = NetPolicy(allowed_domains=(Item("127.0.0.1:" + origin_port, "test"),))
    launcher = os.getpid()
    if mode == "orphan":
        pid = os.fork()
        if pid:
            print(pid, flush=True)
            time.sleep(3600)
    serve_forever(listen, net, sandbox_id="child", log_path=log_path,
                  parent_pid=launcher if mode == "orphan" else None)
""")


def test_serve_forever_runs_until_sigterm(tmp_path, origin):
    sock_path, log_path = str(tmp_path / "p.sock"), str(tmp_path / "net.sqlite3")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, sock_path, log_path, str(origin.port),
                             "plain"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(sock_path) and time.monotonic() < deadline:
            time.sleep(0.02)

        proxy = Endpoint(sock_path)
        assert http_request(proxy, f"http://127.0.0.1:{origin.port}/child")[0] == 200
        assert http_request(proxy, "http://nope.test/")[0] == 403
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        err = proc.stderr.read()
        assert "ringfence: blocked nope.test:80 (default-deny)" in err
        assert [r["decision"] for r in read_rows(log_path)] == ["allow", "deny"]
    finally:
        proc.kill()


def test_proxy_dies_with_its_parent(tmp_path, origin):
    sock_path = str(tmp_path / "p.sock")
    parent = subprocess.Popen([sys.executable, "-c", CHILD, sock_path,
                               str(tmp_path / "net.sqlite3"), str(origin.port), "orphan"],
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert http_request(Endpoint(sock_path), "http://nope.test/")[0] == 403   # serving
    assert _alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
