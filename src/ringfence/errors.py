"""Every error ringfence raises on purpose derives from RingfenceError.

Helpers raise; only ``cli.py`` turns an error into a message on stderr and an exit code.
Each error carries a ``fix`` so the message can say what to do next.
"""
from __future__ import annotations


class RingfenceError(Exception):
    """Root of ringfence's own errors. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, *, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix

    def render(self) -> str:
        text = f"ringfence: {self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class PolicyError(RingfenceError):
    """Bad configuration: names the file, the key and the value."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 value: object = None, fix: str | None = None):
        where = []
        if file:
            where.append(file)
        if key:
            where.append(f"key {key}")
        if value is not None:
            where.append(f"value {value!r}")
        full = f"{': '.join([', '.join(where)] if where else [])}{': ' if where else ''}{message}"
        super().__init__(full, fix=fix)
        self.file, self.key, self.value = file, key, value


class SandboxError(RingfenceError):
    """A layer the policy requires cannot be set up: refuse to run (fail closed)."""

    exit_code = 3


class ProxyProtocolError(RingfenceError):
    """Malformed bytes from a proxy client."""


class GuardError(RingfenceError):
    """The guard could not judge a tool call (bad hook input, internal error)."""


class ScanError(RingfenceError):
    """scan/audit could not read what it was asked to read."""
