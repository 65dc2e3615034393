"""``ringfence log --network``: show the proxy's decision log (newest last).

Options: ``--follow`` keeps printing new rows until Ctrl-C, ``--json`` prints one JSON
object per line, ``--limit N`` (default 50, 0 for all) and ``--sandbox ID``.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from datetime import datetime, timezone

from ringfence.errors import RingfenceError
from ringfence.proxy.log import default_path, read_rows


class _Exit(Exception):
    def __init__(self, status: int):
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise RingfenceError(f"log: {message}", fix="see 'ringfence log --help'")

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ringfence log", description="Show the network decision log, newest last. "
                "The database is $XDG_STATE_HOME/ringfence/network.sqlite3 "
                "(default ~/.local/state/ringfence/).")
    p.add_argument("--network", action="store_true",
                   help="the filtering proxy's decisions (the only log so far; the default)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new rows until Ctrl-C")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--limit", "-n", type=int, default=50, metavar="N",
                   help="show the newest N rows (default 50; 0 for all)")
    p.add_argument("--sandbox", metavar="ID", help="only rows from this sandbox")
    return p


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except _Exit as e:
        return e.status
    if args.limit < 0:
        raise RingfenceError("log: --limit must be 0 or more")
    path = default_path()
    try:
        rows = read_rows(path, limit=args.limit or None, sandbox=args.sandbox)
        if not rows and not args.follow and not args.json:
            sys.stderr.write(f"ringfence: no network decisions logged in {path}\n")
            return 0
        _show(rows, args.json, table=True)
        if args.follow:
            last = rows[-1]["id"] if rows else 0
            try:
                while True:
                    time.sleep(0.5)
                    new = read_rows(path, after_id=last, sandbox=args.sandbox)
                    if new:
                        _show(new, args.json, table=False)
                        last = new[-1]["id"]
            except KeyboardInterrupt:
                return 0
    except sqlite3.Error as e:
        raise RingfenceError(f"cannot read the network log {path}: {e}",
                             fix="check the file's permissions, or delete it to start afresh")
    return 0


def _show(rows: list[dict], as_json: bool, *, table: bool) -> None:
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps({**row, "time": _iso(row["time"])}) + "\n")
        sys.stdout.flush()
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    sandboxes = {row["sandbox_id"] for row in rows}
    names = ["time", "sandbox", "proto", "target", "decision", "rule", "up/down", "ms", "note"]
    if len(sandboxes) == 1:
        names.remove("sandbox")
    grid = Table(show_header=table, box=box.SIMPLE_HEAD if table else None, pad_edge=False,
                 caption=f"sandbox {next(iter(sandboxes))}" if table and len(sandboxes) == 1 else None)
    for name in names:
        grid.add_column(name, overflow="fold", no_wrap=name in ("time", "proto", "decision", "ms"),
                        justify="right" if name in ("up/down", "ms") else "left")
    styles = {"allow": "green", "deny": "bold red", "error": "yellow"}
    for row in rows:
        host = f"[{row['host']}]" if ":" in row["host"] else row["host"]
        note = row["error"] or (row["reason"] if row["decision"] != "allow" else "")
        cells = {"time": _iso(row["time"], short=True), "sandbox": Text(row["sandbox_id"]),
                 "proto": row["protocol"],
                 "target": Text(f"{host}:{row['port']}" if row["host"] else "-"),
                 "decision": Text(row["decision"], style=styles.get(row["decision"], "")),
                 "rule": Text(row["rule"]),
                 "up/down": f"{_size(row['bytes_up'])}/{_size(row['bytes_down'])}",
                 "ms": f"{row['duration_ms']:.0f}", "note": Text(note)}
        grid.add_row(*(cells[name] for name in names))
    console.print(grid)


def _iso(ts: float, short: bool = False) -> str:
    if short:
        return datetime.fromtimestamp(ts).strftime("%H:%M:%S")
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _size(n: int) -> str:
    for unit in ("B", "K", "M", "G"):
        if n < 1024 or unit == "G":
            return f"{n}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024
    return str(n)
