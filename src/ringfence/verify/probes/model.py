"""What a probe is: a small declarative entry, and the pure tests that decide its outcome.

A probe is data: an id, a category, what it tries, a command (a shell script or a
``python3 -c`` snippet) written with ``@name@`` placeholders that a world fills in
(see ``World.vars``), and detectors saying how a leak shows. Detectors look only at an
``Observation`` (output, exit status, what changed on the host, service hits...), so
deciding "leaked or held" needs no sandbox and is tested on its own.

For an escape probe, any detector that fires is a leak. For a positive control
(``control=True``) every detector must fire: that is the proof the action worked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"@([a-z][a-z0-9_]*)@")
CATEGORIES = ("control", "read", "env", "write", "net", "process", "kernel")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace every ``@name@``; an unknown name is a KeyError (a broken probe)."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


@dataclass(frozen=True)
class Observation:
    """Everything one run of a probe produced, as seen from the host."""
    stdout: str
    stderr: str
    status: int
    changed: frozenset[str] = frozenset()       # Changed.path values whose picture differs
    hits: dict = field(default_factory=dict)    # service -> count
    host_alive: bool = True
    tty: str = ""                                # what reached the terminal's input queue
    canaries: dict = field(default_factory=dict)  # name -> value, for this world
    values: dict = field(default_factory=dict)   # the world's template values


# ---------------------------------------------------------------- detectors

@dataclass(frozen=True)
class Canary:
    """A canary secret shows up in the output. ``names`` empty: any of the world's."""
    names: tuple[str, ...] = ()

    def fired(self, obs: Observation) -> str | None:
        text = obs.stdout + obs.stderr
        for name, value in obs.canaries.items():
            if (not self.names or name in self.names) and value in text:
                return f"canary {name} in the output"
        return None


@dataclass(frozen=True)
class Marker:
    """The world's marker on stdout: printed only after the forbidden action worked."""

    def fired(self, obs: Observation) -> str | None:
        return "success marker on stdout" if obs.values.get("marker", "\0") in obs.stdout else None


@dataclass(frozen=True)
class Stdout:
    """A given (templated) text on stdout; used by controls."""
    text: str

    def fired(self, obs: Observation) -> str | None:
        want = fill(self.text, obs.values)
        return f"{want!r} on stdout" if want in obs.stdout else None


@dataclass(frozen=True)
class Changed:
    """A host path (templated; a directory counts recursively, ``exclude`` left out) is
    different after the run: content, mode, links, created or deleted."""
    path: str
    exclude: str | None = None

    def fired(self, obs: Observation) -> str | None:
        return f"{self.path} changed on the host" if self.path in obs.changed else None


@dataclass(frozen=True)
class Hit:
    """A host service counted a connection or datagram."""
    service: str

    def fired(self, obs: Observation) -> str | None:
        n = obs.hits.get(self.service, 0)
        return f"{n} hit(s) on the host's {self.service} service" if n else None


@dataclass(frozen=True)
class Dead:
    """The world's host process is gone."""

    def fired(self, obs: Observation) -> str | None:
        return None if obs.host_alive else "the host process was killed"


@dataclass(frozen=True)
class Injected:
    """The marker reached the input queue of the terminal the sandbox was given."""

    def fired(self, obs: Observation) -> str | None:
        return "marker injected into the terminal's input" if obs.values.get("marker", "\0") in obs.tty else None


@dataclass(frozen=True)
class Exit:
    """The command's exit status came back unchanged; used by controls."""
    code: int

    def fired(self, obs: Observation) -> str | None:
        return f"exit status {self.code}" if obs.status == self.code else None


Detector = Canary | Marker | Stdout | Changed | Hit | Dead | Injected | Exit


# ---------------------------------------------------------------- probes

@dataclass(frozen=True)
class Probe:
    id: str
    category: str
    title: str                       # what it tries, in a few words
    argv: tuple[str, ...]            # templated
    detect: tuple[Detector, ...]
    needs: tuple[str, ...] = ()      # tools on PATH, or (templated) paths that must exist
    control: bool = False
    touches: tuple[str, ...] = ()    # (templated) system paths to remove after every run
    tty: bool = False                # give it a pseudo-terminal as its controlling terminal
    note: str = ""

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.id}: unknown category {self.category!r}")
        if not self.detect:
            raise ValueError(f"{self.id}: no detector")

    @property
    def networked(self) -> bool:
        return any(isinstance(d, Hit) for d in self.detect)

    def outcome(self, obs: Observation) -> tuple[bool, list[str]]:
        """(effect observed, evidence). Escape: any detector; control: all of them."""
        found = [e for e in (d.fired(obs) for d in self.detect) if e]
        ok = len(found) == len(self.detect) if self.control else bool(found)
        return ok, found


def sh(script: str) -> tuple[str, ...]:
    return ("/bin/sh", "-c", script)


def py(code: str) -> tuple[str, ...]:
    return ("@python@", "-c", code)


def probe(id: str, category: str, title: str, argv: tuple[str, ...], *detect: Detector, **kw) -> Probe:
    return Probe(id=id, category=category, title=title, argv=argv, detect=tuple(detect), **kw)
