"""The outcome of a verify run, as plain data every report renders.

Escape probes end ``held``, ``leaked``, ``invalid`` (it did not work even without a
sandbox on this machine, so it proves nothing), ``skipped`` (a tool or device it needs is
missing: never a pass) or ``error`` (the sandbox did not start the command). Positive
controls end ``passed``, ``failed``, ``invalid``, ``skipped`` or ``error``.

The layer matrix: for a held probe, each layer of the backend is

  sole   switching it off alone makes the probe leak: it is what holds the probe
  yes    it holds the probe on its own, and so does another layer (defence in depth)
  first  its error is the one the probe met, and the probe stays held without it
  no     not needed: the probe stays held without it
  n/a    it cannot affect this probe (network layers for a probe that uses no network)

``held_by`` lists the layers that hold the probe; "core" means it stayed held with every
switchable layer off (user namespace without capabilities, bwrap's own /dev and disabled
nested namespaces, the launcher's clean environment and closed fds, the proxy's protocol
checks); "guard" that the guard denies the command before it runs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

FAILING = ("leaked", "failed", "error")


@dataclass
class ProbeResult:
    id: str
    category: str
    title: str
    control: bool
    status: str
    reason: str = ""                               # evidence, or why invalid/skipped/error
    hint: str | None = None                        # the layer the probe's own error points at
    layers: dict[str, str] = field(default_factory=dict)
    held_by: tuple[str, ...] = ()
    guard: str | None = None                       # the guard's verdict on the command, if known
    runs: int = 0
    seconds: float = 0.0

    @property
    def depth(self) -> bool:
        return len(self.held_by) > 1

    @property
    def failing(self) -> bool:
        return self.status in FAILING


@dataclass
class SuiteResult:
    backend: str
    backend_version: str
    profile: str
    layers: tuple[str, ...]
    results: list[ProbeResult]
    machine: dict
    seconds: float
    weaken: tuple[str, ...] = ()                   # layers switched off in every run (tests)
    attributed: bool = True

    def count(self, status: str, *, control: bool | None = None) -> int:
        return sum(1 for r in self.results if r.status == status and (control is None or r.control == control))

    @property
    def leaks(self) -> list[ProbeResult]:
        return [r for r in self.results if r.status == "leaked"]

    @property
    def exit_code(self) -> int:
        """1 if any valid probe leaked, a control failed or a run could not be judged."""
        return 1 if any(r.failing for r in self.results) else 0

    def categories(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            row = out.setdefault(r.category, {})
            row[r.status] = row.get(r.status, 0) + 1
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["summary"] = {
            "probes": len(self.results),
            "held": self.count("held"), "leaked": self.count("leaked"),
            "invalid": self.count("invalid"), "skipped": self.count("skipped"), "error": self.count("error"),
            "controls_passed": self.count("passed"), "controls_failed": self.count("failed"),
            "defence_in_depth": sum(1 for r in self.results if r.depth),
            "exit_code": self.exit_code,
        }
        d["categories"] = self.categories()
        for r, rd in zip(self.results, d["results"]):
            rd["held_by"] = list(r.held_by)
            rd["depth"] = r.depth
        d["layers"] = list(self.layers)
        d["weaken"] = list(self.weaken)
        return d
