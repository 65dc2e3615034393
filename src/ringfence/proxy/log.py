"""The network decision log: one SQLite row per proxy decision.

The database is ``$XDG_STATE_HOME/ringfence/network.sqlite3`` (default
``~/.local/state/ringfence/``), in WAL mode so ``ringfence log --follow`` can read while
the proxy writes. The proxy hands rows to :class:`DecisionLog`, whose background thread
writes them in batched transactions: the event loop never waits for the disk. A log
that cannot be opened costs one warning; filtering goes on without it.
"""
from __future__ import annotations

import os
import queue
import sqlite3
import threading
from typing import TextIO

COLUMNS = ("time", "sandbox_id", "client", "protocol", "host", "port", "decision", "rule",
           "reason", "bytes_up", "bytes_down", "duration_ms", "error")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,           -- unix time the connection or request started
    sandbox_id TEXT NOT NULL,
    client TEXT NOT NULL,
    protocol TEXT NOT NULL,       -- http | connect | socks5
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    decision TEXT NOT NULL,       -- allow | deny | error
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    bytes_up INTEGER NOT NULL,
    bytes_down INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    error TEXT NOT NULL
)"""
_INSERT = f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_BATCH = 512


def default_path() -> str:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "ringfence", "network.sqlite3")


def connect(path: str) -> sqlite3.Connection:
    """Open (creating if needed) the log database; sqlite3.Error/OSError on failure."""
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    os.close(fd)
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(_SCHEMA)
    conn.commit()
    return conn


class DecisionLog:
    """Queue-fed writer thread. ``write`` never blocks; ``close`` flushes."""

    def __init__(self, path: str, *, warn: TextIO | None = None, max_queue: int = 100_000):
        self.path = path
        self._warn = warn
        self._queue: queue.Queue = queue.Queue(max_queue)
        self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="ringfence-netlog", daemon=True)
        self._thread.start()

    def write(self, row: dict) -> None:
        try:
            self._queue.put_nowait(tuple(row[c] for c in COLUMNS))
        except queue.Full:
            self._dropped += 1

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        if self._dropped:
            self._say(f"{self._dropped} network log rows were dropped (the disk was too slow)")

    def _say(self, text: str) -> None:
        if self._warn is not None:
            self._warn.write(f"ringfence: {text}\n")
            self._warn.flush()

    def _run(self) -> None:
        try:
            conn = connect(self.path)
        except (sqlite3.Error, OSError) as e:
            self._say(f"cannot open the network log {self.path}: {e}; connections are still "
                      "filtered but not logged (fix: make the directory writable or set "
                      "XDG_STATE_HOME)")
            conn = None
        warned, stop = False, False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                stop = True
                batch = [row for row in batch if row is not None]
            if conn is not None and batch:
                try:
                    with conn:
                        conn.executemany(_INSERT, batch)
                except sqlite3.Error as e:
                    if not warned:
                        self._say(f"cannot write the network log {self.path}: {e}")
                        warned = True
        if conn is not None:
            conn.close()


def read_rows(path: str, *, after_id: int = 0, limit: int | None = None,
              sandbox: str | None = None) -> list[dict]:
    """Rows with id > after_id, oldest first; with ``limit``, only the newest ``limit``."""
    if not os.path.exists(path):
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        where, args = "id > ?", [after_id]
        if sandbox is not None:
            where += " AND sandbox_id = ?"
            args.append(sandbox)
        sql = f"SELECT id, {', '.join(COLUMNS)} FROM decisions WHERE {where} ORDER BY id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        try:
            rows = [dict(r) for r in conn.execute(sql, args)]
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):
                return []
            raise
    finally:
        conn.close()
    rows.reverse()
    return rows
