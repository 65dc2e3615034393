"""Run probes: validate each without a sandbox, run it in the sandbox, attribute what held it.

For each probe, in a worker thread, with one world reset between runs:

1. skip it if a tool or path it needs is missing (never a pass);
2. run it with no sandbox: it must show its effect, or it is *invalid* on this machine;
3. run it in the sandbox (with ``weaken`` layers off, for the tests that prove the suite
   catches a weakened build): a control must succeed, an escape must not;
4. attribute a held escape: switch off one layer at a time, starting with the one its
   error points at (hints.py). A leak then names the one layer holding it; if none leaks,
   switch all off: still held means "core" (not switchable), else each layer alone is
   tried and every one that holds it is listed (defence in depth).

Every run goes through the driver (``python -m ringfence.verify.driver``) in its own
session, joined to the world's network namespace, with the fd canary on fd 7 and, for
terminal probes, a pseudo-terminal as its controlling terminal. Each command first
prints a start token, so a sandbox that never ran the command is an error, not a hold.
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ringfence.verify.backends import Backend
from ringfence.verify.driver import DRIVER_ERROR
from ringfence.verify.forkserver import ForkServer
from ringfence.verify.hints import hint
from ringfence.verify.probes.model import Changed, Dead, Observation, Probe, fill
from ringfence.verify.result import ProbeResult, SuiteResult
from ringfence.verify.world import BASE_PATH, World, block_device, build_template, loader_path, world_base

RUN_TIMEOUT = 25.0
MAX_OUTPUT = 1 << 20
NET_LAYERS = ("netns", "proxy")


def default_jobs() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def static_values() -> dict[str, str]:
    """Values a probe's ``needs`` may name before any world exists."""
    return {"python": "python3", "loader": loader_path() or "", "blockdev": block_device() or ""}


def missing_needs(probe: Probe) -> str | None:
    values = static_values()
    for need in probe.needs:
        item = fill(need, values)
        if not item:
            return f"needs {need.strip('@')}, which this machine does not have"
        if "/" in item:
            if not os.path.exists(item):
                return f"needs {item}, which does not exist here"
        elif shutil.which(item, path=BASE_PATH) is None:
            return f"needs {item}, which is not installed"
    return None


def _remove_stale_suites(base: str) -> None:
    """Worlds left by a verify run that was killed (its pid is gone)."""
    for name in os.listdir(base):
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "suite" and parts[1].isdigit():
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)
            except OSError:
                pass


def redact(text: str, canaries: dict[str, str], limit: int = 300) -> str:
    """The last two lines of ``text`` (where errors end up), canary values replaced."""
    for name, value in canaries.items():
        text = text.replace(value, f"<canary:{name}>")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-2:])[-limit:]


class Runner:
    def __init__(self, backend: Backend, profile: str, *, jobs: int | None = None, attribute: bool = True,
                 weaken: frozenset[str] = frozenset(), base: str | None = None, guard=None,
                 timeout: float = RUN_TIMEOUT, validate: bool = True):
        self.backend = backend
        self.profile = profile
        self.jobs = jobs or default_jobs()
        self.attribute = attribute and bool(backend.layers)
        self.weaken = frozenset(weaken)
        self.base = base or world_base()
        self.guard = guard                     # callable(probe, world) -> verdict, or None
        self.timeout = timeout
        self.validate = validate               # False only where an earlier run validated the probes
        self._template = ""
        self._suite_dir = ""
        self._server: ForkServer | None = None
        self._seq = 0
        self._lock = threading.Lock()

    # -- the suite

    def __enter__(self) -> "Runner":
        os.makedirs(self.base, mode=0o700, exist_ok=True)
        _remove_stale_suites(self.base)
        self._suite_dir = os.path.join(self.base, f"suite-{os.getpid()}-{os.urandom(3).hex()}")
        os.makedirs(self._suite_dir, mode=0o700)
        try:
            self._template = build_template(os.path.join(self._suite_dir, "template"))
            extra = ()
            if self.backend.module:                  # make a backend defined elsewhere importable
                mod = sys.modules[self.backend.module.partition(":")[0]]
                extra = (os.path.dirname(os.path.abspath(mod.__file__)),)
            self._server = ForkServer.start(os.path.join(self._suite_dir, "fork.sock"), extra)
        except BaseException:
            shutil.rmtree(self._suite_dir, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        shutil.rmtree(self._suite_dir, ignore_errors=True)

    def run(self, probes, *, machine: dict | None = None, on_result=None) -> SuiteResult:
        """Run every probe (in parallel, ``jobs`` at a time) and return the suite's result."""
        from ringfence.verify.machine import machine_info
        start = time.monotonic()
        with self:
            pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="verify")
            try:
                futures = [pool.submit(self.run_probe, p) for p in probes]
                results = []
                for f in futures:
                    r = f.result()
                    results.append(r)
                    if on_result:
                        on_result(r)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)   # Ctrl-C: no new probe starts
        return SuiteResult(
            backend=self.backend.name, backend_version=self.backend.version(), profile=self.profile,
            layers=(("guard",) if self.guard else ()) + tuple(L for L in self.backend.layers if L not in self.weaken),
            results=results,
            machine=machine if machine is not None else machine_info(), seconds=time.monotonic() - start,
            weaken=tuple(sorted(self.weaken)), attributed=self.attribute)

    def new_world(self, probe: Probe) -> World:
        with self._lock:
            self._seq += 1
            name = f"{self._seq:03d}-{probe.id}"
        return World.create(self._suite_dir, self._template, name)

    # -- one probe

    def run_probe(self, probe: Probe) -> ProbeResult:
        t0 = time.monotonic()
        res = ProbeResult(probe.id, probe.category, probe.title, probe.control, "skipped")
        why = missing_needs(probe)
        if why:
            res.reason = why
            return res
        world = self.new_world(probe)
        try:
            self._judge(probe, world, res)
        except Exception as e:  # noqa: BLE001 - one broken probe must not sink the suite
            res.status, res.reason = "error", f"verify itself failed: {type(e).__name__}: {e}"
        finally:
            world.close()
            res.seconds = round(time.monotonic() - t0, 3)
        return res

    def _judge(self, probe: Probe, world: World, res: ProbeResult) -> None:
        if self.guard is not None and not probe.control:
            try:
                res.guard = self.guard(probe, world)
            except Exception as e:  # noqa: BLE001 - the guard is one layer; its failure is shown, not fatal
                res.guard = f"error: {type(e).__name__}: {e}"[:120]
        if self.validate:
            host = self.once(probe, world, "host")
            res.runs += 1
            if host["error"] or not host["effect"]:
                res.status = "invalid"
                res.reason = ("without a sandbox it " + ("failed: " + host["error"] if host["error"] else
                              "shows no effect: " + (host["tail"] or f"exit status {host['status']}")))
                return
            world.reset()
        full = self.once(probe, world, self.backend.name, disable=self.weaken - {"proxy"},
                         widen="proxy" in self.weaken)
        res.runs += 1
        if full["error"]:
            res.status, res.reason = "error", full["error"]
            return
        if probe.control:
            res.status = "passed" if full["effect"] else "failed"
            res.reason = "; ".join(full["evidence"]) if full["effect"] else (
                "only " + ("; ".join(full["evidence"]) or "nothing") + " observed: " + (full["tail"] or f"exit {full['status']}"))
            return
        if full["effect"]:
            res.status, res.reason = "leaked", "; ".join(full["evidence"])
            res.hint = None
            return
        res.status = "held"
        res.hint = full["hint"]
        res.reason = full["tail"] or f"exit status {full['status']}"
        if self.attribute:
            self._attribute(probe, world, res)
        if res.guard == "deny":                              # the guard stops it before any run
            res.layers["guard"] = "yes"
            res.held_by += ("guard",)
        elif res.guard is not None:
            res.layers["guard"] = "no"

    def _attribute(self, probe: Probe, world: World, res: ProbeResult) -> None:
        """Fill ``res.layers`` and ``res.held_by`` with diagnostic re-runs (see result.py).

        holds(G): the probe is held with only the layers in G on (the others off). Layers
        are filters, so holds() only grows with G: if G holds, a layer of G that holds
        alone is found by halving G, and a G that leaks has no layer holding alone."""
        layers = [L for L in self.backend.layers if L not in self.weaken]
        cells = {L: "n/a" if (L in NET_LAYERS and not probe.networked) else "?" for L in layers}
        live = [L for L in layers if cells[L] == "?"]
        if not live:
            res.layers, res.held_by = cells, ("core",)
            return

        def holds(on) -> bool:
            off = (set(live) - set(on)) | self.weaken
            world.reset()
            r = self.once(probe, world, self.backend.name, disable=off - {"proxy"}, widen="proxy" in off)
            res.runs += 1
            if r["error"]:
                raise RuntimeError(f"diagnostic run with {', '.join(sorted(off))} off: {r['error']}")
            return not r["effect"]

        def alone_in(group: list[str]) -> list[str]:
            """The layers of ``group`` (which holds the probe) that hold it on their own."""
            if len(group) == 1:
                return group
            half = len(group) // 2
            return [L for part in (group[:half], group[half:]) if holds(part) for L in alone_in(part)]

        def sole(L: str) -> None:
            cells.update({other: "no" for other in live})
            cells[L] = "sole"
            res.layers, res.held_by = cells, (L,)

        first = res.hint if res.hint in live else None
        rest = [L for L in live if L != first]
        if first and not holds(rest):                        # the error named the right layer
            return sole(first)
        if holds([]):                                        # held with everything off
            res.layers = {L: ("no" if c == "?" else c) for L, c in cells.items()}
            if first:                                        # it answered first, core holds too
                res.layers[first] = "first"
            res.held_by = ((first,) if first else ()) + ("core",)
            return
        if first:                                            # rest holds (checked above)
            alone = ([first] if holds([first]) else []) + alone_in(rest)
        else:
            alone = alone_in(live)                           # live holds: the full run
        for L in live:
            cells[L] = "yes" if L in alone else "no"
        if len(alone) == 1 and alone[0] != first and not holds([L for L in live if L != alone[0]]):
            return sole(alone[0])
        res.layers, res.held_by = cells, tuple(alone) or ("combined",)

    # -- one run

    def once(self, probe: Probe, world: World, mode: str, *, disable: frozenset[str] = frozenset(),
             widen: bool = False) -> dict:
        """Run ``probe`` once in ``world``: "host" (no sandbox) or through the backend."""
        values = world.vars(mode)
        argv = [fill(a, values) for a in probe.argv]
        start_token = f"RFSTART-{world.token}"
        wrapped = ["/bin/sh", "-c", 'echo "$0" >&2; exec "$@"', start_token, *argv]
        world.extra_paths = [fill(t, values) for t in probe.touches]
        watched = {d.path: (fill(d.path, values), fill(d.exclude, values) if d.exclude else None)
                   for d in probe.detect if isinstance(d, Changed)}
        before = {k: world.signature(p, ex) for k, (p, ex) in watched.items()}
        env = world.environ(mode)
        ports = world.services.ports
        allow = [f"127.0.0.1:{ports['allowed']}"]
        if widen:
            allow += [f"127.0.0.1:{ports['blocked']}", f"localhost:{ports['blocked']}", f"[::1]:{ports.get('v6', 1)}",
                      values["blocked_name"]]
        job = {"backend": mode, "argv": wrapped, "cwd": world.project, "env": env, "home": world.home,
               "project": world.project, "root": world.root, "profile": self.profile,
               "disable": sorted(disable), "allow_domains": allow, "backend_module": self.backend.module}
        secret_r, secret_w = os.pipe()
        os.write(secret_w, world.fd_secret())
        os.close(secret_w)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        fds = {"stdout": out_w, "stderr": err_w, "secret_fd": secret_r}
        if world.services.netns_fd is not None:
            fds["netns_fd"] = world.services.netns_fd
        master = slave = None
        if probe.tty:
            master, slave = os.openpty()
            fds["tty_fd"] = slave
        try:
            child = self._server.spawn(job, fds)
        finally:
            for fd in (secret_r, out_w, err_w):
                os.close(fd)
        try:
            out, err, status, timed_out = child.collect(out_r, err_r, self.timeout)
        finally:
            os.close(out_r)
            os.close(err_r)
        tty = b""
        for fd in (slave, master):
            if fd is not None:
                os.set_blocking(fd, False)
                try:
                    tty += os.read(fd, 65536)
                except OSError:
                    pass
                os.close(fd)
        stdout = out[:MAX_OUTPUT].decode("utf-8", "replace")
        stderr = err[:MAX_OUTPUT].decode("utf-8", "replace")
        started = start_token in stderr
        stderr = stderr.replace(start_token + "\n", "", 1)
        changed = frozenset(k for k, (p, ex) in watched.items() if world.signature(p, ex) != before[k])
        obs = Observation(stdout=stdout, stderr=stderr, status=status, changed=changed,
                          hits=world.services.hits(),
                          host_alive=world.host_alive(wait=0.3 if any(isinstance(d, Dead) for d in probe.detect) else 0),
                          tty=tty.decode("utf-8", "replace"), canaries=world.canaries(), values=values)
        world.remove_extra()
        effect, evidence = probe.outcome(obs)
        canaries = world.canaries()
        error = None
        if status == DRIVER_ERROR or not started:
            error = ("the command was never started: " if not started else "") + (
                redact(stderr, canaries) or f"exit status {status}")
            if effect:                          # it leaked anyway: a leak is a leak
                error = None
        tail = redact(stderr or stdout, canaries)
        if timed_out:
            tail = f"timed out after {self.timeout:g} s and killed" + (f": {tail}" if tail else "")
        return {"effect": effect, "evidence": evidence, "status": status, "error": error,
                "hint": hint(stdout, stderr), "tail": tail}
