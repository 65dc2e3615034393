"""A fork server for the driver: start Python and import ringfence once, fork per run.

Starting a fresh interpreter and importing the policy and sandbox code costs more than
the sandbox itself (~80 ms against ~100 ms), and a suite makes hundreds of runs. The
server is a single-threaded process (so forking it is safe, unlike forking the runner
with its service threads) listening on a unix socket. For each run a client sends the
job (JSON) and its file descriptors (stdout, stderr, secret pipe, netns, tty) with
SCM_RIGHTS; the server forks, answers the child's pid at once (the client may kill
its session on a timeout) and its exit status when it ends. The child takes a new
session, the job's environment and only the job's fds, then runs ``driver.execute``.

    server:  python -I -m ringfence.verify.forkserver SOCKET_PATH [SYS_PATH...]
    client:  ForkServer.start(path) -> server; server.spawn(job, fds) -> Child
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

MAX_FDS = 8
_HEADER = 4


# ---------------------------------------------------------------- server side

def _preload() -> None:
    """Import everything a run may import (policy, sandbox, proxy), so no child pays for it."""
    import importlib
    import pkgutil

    import ringfence
    for pkg in ("policy", "settings", "sandbox", "proxy", "verify"):
        mod = importlib.import_module(f"ringfence.{pkg}")
        for info in pkgutil.iter_modules(mod.__path__):
            name = f"ringfence.{pkg}.{info.name}"
            if name in ("ringfence.sandbox.inner", "ringfence.verify.forkserver"):
                continue                            # inner.py is a script; this is us
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a module that fails here fails in the run, with its error
                pass
    del ringfence


def _recv_job(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, MAX_FDS)
    while len(data) < _HEADER:
        more = conn.recv(65536)
        if not more:
            raise EOFError("short job")
        data += more
    size = int.from_bytes(data[:_HEADER], "big")
    data = data[_HEADER:]
    while len(data) < size:
        more = conn.recv(65536)
        if not more:
            raise EOFError("short job")
        data += more
    return json.loads(data[:size]), list(fds)


def _child(job: dict, fds: list[int]) -> None:
    """In the forked child: become what the driver would be, then run the job."""
    from ringfence.verify import driver
    code = driver.DRIVER_ERROR
    try:
        signal.set_wakeup_fd(-1)
        for s in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(s, signal.SIG_DFL)
        os.setsid()
        where = job.pop("fds")
        keep = set(fds)
        for fd in range(3, 1024):
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(fds[where["stdout"]], 1)
        os.dup2(fds[where["stderr"]], 2)
        for name in ("stdout", "stderr"):
            os.close(fds[where[name]])
        for name in ("secret_fd", "netns_fd", "tty_fd"):
            job[name] = fds[where[name]] if name in where else None
        os.environ.clear()
        os.environ.update(job["env"])
        code = driver.execute(job)
    except BaseException as e:  # noqa: BLE001 - reported on the run's stderr, never a traceback
        from ringfence.errors import RingfenceError
        text = e.render() if isinstance(e, RingfenceError) else f"ringfence: verify driver: {type(e).__name__}: {e}"
        try:
            os.write(2, (text + "\n").encode())
        except OSError:
            pass
    finally:
        os._exit(code if isinstance(code, int) else driver.DRIVER_ERROR)


def serve(path: str, extra_paths: list[str]) -> None:
    import gc
    sys.path[:0] = extra_paths                 # where a backend defined outside ringfence lives
    _preload()
    gc.freeze()                      # fewer copy-on-write faults in every forked child
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)        # the client closes it: we are done
    waiting: dict[int, socket.socket] = {}
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                if not os.read(0, 1):
                    return
            elif key.fileobj is lsock:
                conn, _ = lsock.accept()
                try:
                    job, fds = _recv_job(conn)
                except (OSError, EOFError, ValueError) as e:
                    sys.stderr.write(f"ringfence: verify fork server: dropped a job: {type(e).__name__}: {e}\n")
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _child(job, fds)
                for fd in fds:
                    os.close(fd)
                try:
                    conn.sendall(f"{pid}\n".encode())
                except OSError:
                    pass
                waiting[pid] = conn
            else:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
        while waiting:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            code = os.waitstatus_to_exitcode(st)
            conn = waiting.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(f"{128 - code if code < 0 else code}\n".encode())
                except OSError:
                    pass
                conn.close()


# ---------------------------------------------------------------- client side

class Child:
    """A run in progress: its pid (= its session id) and the connection its status comes on."""

    def __init__(self, pid: int, conn: socket.socket, buf: bytes):
        self.pid, self.conn, self._buf = pid, conn, buf

    def collect(self, out_r: int, err_r: int, timeout: float) -> tuple[bytes, bytes, int, bool]:
        """Read stdout and stderr to the end and the exit status; kill the session on timeout.
        Returns (stdout, stderr, status, timed_out)."""
        limit = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        bufs = {out_r: bytearray(), err_r: bytearray()}
        for fd in bufs:
            sel.register(fd, selectors.EVENT_READ)
        sel.register(self.conn, selectors.EVENT_READ)
        status, timed_out, killed = None, False, False
        try:
            while sel.get_map():
                left = limit - time.monotonic()
                if left <= 0:
                    if killed:
                        break                       # killed and still not done: give up
                    timed_out = status is None
                    self.kill()                     # the run, or stragglers holding the pipes
                    killed, limit = True, time.monotonic() + 5
                    continue
                for key, _ in sel.select(left):
                    if key.fileobj is self.conn:
                        chunk = self.conn.recv(64)
                        self._buf += chunk
                        if b"\n" in self._buf or not chunk:
                            sel.unregister(self.conn)
                            line = self._buf.split(b"\n", 1)[0].strip()
                            status = int(line) if line else 137
                            if not killed:
                                limit = min(limit, time.monotonic() + 2)
                    else:
                        data = os.read(key.fd, 65536)
                        if data:
                            bufs[key.fd] += data
                        else:
                            sel.unregister(key.fd)
        finally:
            sel.close()
            self.conn.close()
        if status is None:
            status = 137
        return bytes(bufs[out_r]), bytes(bufs[err_r]), status, timed_out

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass


class ForkServer:
    def __init__(self, proc: subprocess.Popen, path: str):
        self.proc, self.path = proc, path

    @classmethod
    def start(cls, path: str, extra_paths: tuple[str, ...] = ()) -> "ForkServer":
        # A minimal environment: the user's own variables (and secrets) never enter it;
        # each run gets the world's environment.
        env = {"PATH": os.defpath, "LANG": "C.UTF-8"}
        proc = subprocess.Popen([sys.executable, "-I", "-m", "ringfence.verify.forkserver", path, *extra_paths],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True, env=env)
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            proc.kill()
            proc.wait()
            raise OSError("the verify fork server did not start")
        return cls(proc, path)

    def spawn(self, job: dict, fds: dict[str, int]) -> Child:
        """Start one run; a connection the server dropped before forking is tried once more."""
        try:
            return self._spawn(job, fds)
        except (BrokenPipeError, ConnectionResetError):
            return self._spawn(job, fds)

    def _spawn(self, job: dict, fds: dict[str, int]) -> Child:
        names = list(fds)
        job = dict(job, fds={n: i for i, n in enumerate(names)})
        data = json.dumps(job).encode()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.path)
        payload = len(data).to_bytes(_HEADER, "big") + data
        sent = socket.send_fds(conn, [payload[:4096]], [fds[n] for n in names])
        conn.sendall(payload[sent:])
        buf = b""
        while b"\n" not in buf:
            chunk = conn.recv(64)
            if not chunk:
                conn.close()
                raise OSError("the verify fork server closed the connection")
            buf += chunk
        line, rest = buf.split(b"\n", 1)
        return Child(int(line), conn, rest)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        try:
            os.unlink(self.path)
        except OSError:
            pass


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
