"""Speed of `ringfence scan` over a 100,000-file tree, against `rg --files --hidden --no-ignore`.

The floor is ripgrep listing the same tree: it opens no file, while ringfence reads every
one (hidden text can be in any of them). Two more references: ripgrep reading every file
for a literal that never matches (the floor for any tool that opens them all), and ripgrep
searching for the same invisible characters ringfence's hidden-text rule looks for.
All are measured in the same run, interleaved, best of N with a warm page cache: the
in-process engine (``scan()``, as the CLI runs it: a helper process shares a large tree
when there is a second CPU; and, for reference, in one process) and the CLI
(``ringfence scan --format json``, a fresh process). Target: ringfence <= 5x the floor.

    .venv/bin/python bench/scan_speed.py [--files 100000] [--runs 3] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from rich.console import Console
from rich.table import Table

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
from ringfence.scan.engine import scan  # noqa: E402

RINGFENCE = os.path.join(os.path.dirname(sys.executable), "ringfence")
TARGET = 5.0
# hidden_text's prefilter as a ripgrep regex: tags, bidi, 4 invisibles in a row, zero-width after a letter
HIDDEN = ("[\\x{E0000}-\\x{E007F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]"
          "|[\\x{200B}-\\x{200D}\\x{2060}-\\x{2064}\\x{FEFF}\\x{180E}\\x{FE00}-\\x{FE0F}\\x{E0100}-\\x{E01EF}]{4}"
          "|[A-Za-z0-9][\\x{200B}-\\x{200D}\\x{2060}-\\x{2064}\\x{FEFF}\\x{180E}]")
FILES_PER_DIR = 50

TEXTS = [  # mostly ASCII source, as in real repositories, plus French, Chinese and emoji prose
    "def f(x):\n    return x * 2\n" * 20,
    "export const a = (b: number): number => b + 1;\n" * 30,
    "# Usage\n\nRun `make test` before you commit.\n" * 10,
    "# Projet\n\nUne bibliothèque élégante — « simple ».\n" * 10,
    "# 项目\n\n这是一个示例。🚀 👩‍💻 ❤️‍🔥\n" * 10,
]
JSONS = ['{"name": "pkg%d", "version": "1.0.%d", "scripts": {"test": "jest"}}\n',
         '{"compilerOptions": {"strict": true, "target": "es%d"}, "include": ["src/%d"]}\n']
YAMLS = ["name: job%d\non: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make %d\n",
         "key%d: value\nlist:\n  - a\n  - %d\n"]


def generate(root: str, n: int, seed: int = 1) -> None:
    """n files in n/FILES_PER_DIR directories, two levels deep: text, JSON, YAML and binaries."""
    rnd = random.Random(seed)
    blobs = [rnd.randbytes(size) for size in (512, 2048, 8192)]
    for i in range(n):
        d = os.path.join(root, f"pkg{i // 5000:02d}", f"mod{i // FILES_PER_DIR:04d}")
        if i % FILES_PER_DIR == 0:
            os.makedirs(d, exist_ok=True)
        kind = i % 10
        if kind < 5:
            path, data = os.path.join(d, f"f{i}.{'py' if kind % 2 else 'md'}"), TEXTS[i % len(TEXTS)].encode()
        elif kind < 7:
            path, data = os.path.join(d, f"f{i}.json"), (JSONS[i % 2] % (i, i)).encode()
        elif kind < 9:
            path, data = os.path.join(d, f"f{i}.yml"), (YAMLS[i % 2] % (i, i)).encode()
        else:
            path, data = os.path.join(d, f"f{i}.bin"), b"\0" + blobs[i % 3]
        with open(path, "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(root, ".github", "workflows"), exist_ok=True)
    with open(os.path.join(root, ".github", "workflows", "ci.yml"), "w") as f:
        f.write("on: pull_request\njobs:\n  a:\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n")


def best(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (reused by the next run)")
    args = ap.parse_args()
    rg = shutil.which("rg")
    if not rg:
        print("ringfence: bench: ripgrep (rg) is not installed; apt-get install ripgrep", file=sys.stderr)
        return 2
    root = args.keep or tempfile.mkdtemp(prefix="ringfence-scan-bench-")
    try:
        t = time.perf_counter()
        marker = os.path.join(root, f".bench-tree-{args.files}")
        if not os.path.exists(marker):  # --keep DIR: generated once, reused by later runs
            generate(root, args.files)
            open(marker, "w").close()
        gen = time.perf_counter() - t

        def floor():
            r = subprocess.run([rg, "--files", "--hidden", "--no-ignore", root], stdout=subprocess.PIPE, check=True)
            return r.stdout.count(b"\n")

        def engine():
            return scan(root)

        def engine_alone():
            return scan(root, workers=1)

        def rg_reads_all():
            return subprocess.run([rg, "--no-config", "--hidden", "--no-ignore", "-l", "-e", "zq#never#qz", root],
                                  stdout=subprocess.PIPE).returncode

        def rg_hidden():
            return subprocess.run([rg, "--no-config", "--hidden", "--no-ignore", "-l", "-e", HIDDEN, root],
                                  stdout=subprocess.PIPE).returncode

        def cli():
            r = subprocess.run([RINGFENCE, "scan", root, "--format", "json", "--fail-on", "none"],
                               stdout=subprocess.PIPE, check=True)
            return json.loads(r.stdout)["summary"]

        floor()  # warm the page cache
        steps = (("floor", floor), ("rg-read", rg_reads_all), ("rg-hidden", rg_hidden), ("engine", engine),
                 ("engine-alone", engine_alone), ("cli", cli))
        results: dict[str, list[float]] = {name: [] for name, _ in steps}
        outs = {}
        for _ in range(args.runs):  # interleaved
            for name, fn in steps:
                dt, outs[name] = best(fn, 1)
                results[name].append(dt)
        listed = outs["floor"]
        report = outs["engine"]
        assert report.files_scanned == listed, (report.files_scanned, listed)  # same tree, every file read
        assert any(f.rule == "gha.expression-injection" for f in report.findings)
        assert sorted(report.findings, key=repr) == sorted(outs["engine-alone"].findings, key=repr)

        floor_s = min(results["floor"])
        table = Table(title=f"ringfence scan over {listed:,} files ({args.files:,} generated in {gen:.1f} s), "
                            f"best of {args.runs}")
        table.add_column("what")
        table.add_column("seconds", justify="right")
        table.add_column("files/s", justify="right")
        table.add_column("x floor", justify="right")
        table.add_column(f"target <= {TARGET:g}x", justify="center")
        rows = (("rg --files --hidden --no-ignore (floor)", "floor"),
                ("rg -l --hidden --no-ignore LITERAL (reads every file)", "rg-read"),
                ("rg -l --hidden --no-ignore, hidden-text regex (same job)", "rg-hidden"),
                ("ringfence scan, in-process engine", "engine"),
                ("  the same in one process (reference)", "engine-alone"),
                ("ringfence scan --format json (CLI)", "cli"))
        ok = True
        for label, key in rows:
            s = min(results[key])
            ratio = s / floor_s
            verdict = "" if key in ("floor", "rg-read", "rg-hidden", "engine-alone") else \
                ("ok" if ratio <= TARGET else "MISSED")
            ok &= verdict != "MISSED"
            table.add_row(label, f"{s:.3f}", f"{listed / s:,.0f}", f"{ratio:.1f}", verdict)
        Console(width=110).print(table)
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
