"""ringfence's native sandbox against Anthropic's sandbox-runtime (srt), probe by probe, and
what the verify suite costs.

    python bench/verify_compare.py [--profile default] [--only CATEGORY] [--jobs N] [--html FILE]

1. Installs sandbox-runtime 0.0.78 into ~/.cache/ringfence-bench/srt if it is missing
   (npm; it runs on Node 20 with bubblewrap, socat and ripgrep).
2. Per-run cost: a few probes run one at a time with no sandbox (the baseline), in the
   native sandbox and in srt; the table gives the median per run and the ratio to the
   baseline measured in the same run.
3. The whole suite: native with attribution (the number `ringfence verify` costs, budget
   60 s for one profile), then srt with the same probes in its hardened configuration
   (credential reads denied, only the project writable, only the allowed loopback server
   reachable, no unix sockets, no weaker modes).
4. The side-by-side table and the leak count of each.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table

from ringfence.verify.backends import BACKENDS, SRT_PREFIX, SRT_VERSION
from ringfence.verify.guardcheck import guard_verdict
from ringfence.verify.machine import machine_info
from ringfence.verify.probes import select
from ringfence.verify.report import html, table
from ringfence.verify.runner import Runner

TIMED = ("control.exit-status", "control.write-project", "control.allowed-server", "read.ssh-key", "read.python",
         "env.printenv", "write.git-hook", "net.tcp-direct", "net.proxy-http", "kernel.unshare-user")
BUDGET = 60.0


def ensure_srt() -> None:
    if BACKENDS["srt"].missing() is None:
        return
    print(f"installing @anthropic-ai/sandbox-runtime@{SRT_VERSION} into {SRT_PREFIX}", file=sys.stderr)
    os.makedirs(SRT_PREFIX, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", SRT_PREFIX,
                    f"@anthropic-ai/sandbox-runtime@{SRT_VERSION}"], check=True)
    why = BACKENDS["srt"].missing()
    if why:
        sys.exit(f"ringfence: sandbox-runtime still cannot run: {why}")


def per_run_ms(rounds: int = 3) -> dict[str, float]:
    """Median wall time of one run, per mode, over the TIMED probes, one run at a time."""
    times: dict[str, list[float]] = {"no sandbox (baseline)": [], "native": [], "srt": []}
    for backend in (BACKENDS["native"], BACKENDS["srt"]):
        modes = [("no sandbox (baseline)", "host"), ("native", "native")] if backend.name == "native" else [("srt", "srt")]
        with Runner(backend, backend.profiles[0], jobs=1) as runner:
            for p in select(ids=TIMED):
                world = runner.new_world(p)
                try:
                    for _ in range(rounds):
                        for label, mode in modes:
                            world.reset()
                            t = time.monotonic()
                            runner.once(p, world, mode)
                            times[label].append(time.monotonic() - t)
                finally:
                    world.close()
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--only", default=None)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--html", default=None)
    args = ap.parse_args()
    ensure_srt()
    console = Console()
    machine = machine_info()
    ms = per_run_ms()
    probes = select(args.only)

    t = time.monotonic()
    native = Runner(BACKENDS["native"], args.profile, jobs=args.jobs,
                    guard=lambda p, w: guard_verdict(args.profile, p, w)).run(probes, machine=machine)
    native_s = time.monotonic() - t
    t = time.monotonic()
    srt = Runner(BACKENDS["srt"], "hardened", jobs=args.jobs).run(probes, machine=machine)
    srt_s = time.monotonic() - t

    cost = Table(title="cost (ratios against the no-sandbox baseline of this run)", title_justify="left")
    for col in ("what", "time", "ratio"):
        cost.add_column(col, justify="right" if col != "what" else "left")
    base = ms["no sandbox (baseline)"]
    for label, value in ms.items():
        cost.add_row(f"one run, {label}", f"{value:.0f} ms", f"{value / base:.1f}x")
    runs = sum(r.runs for r in native.results)
    cost.add_row(f"suite, native, profile {args.profile}, with attribution ({runs} runs)", f"{native_s:.1f} s",
                 f"{native_s / BUDGET:.2f} of the {BUDGET:.0f} s budget")
    cost.add_row(f"suite, srt ({sum(r.runs for r in srt.results)} runs)", f"{srt_s:.1f} s", "")
    console.print(cost)
    sys.stdout.write(table.render_compare([native, srt], color=sys.stdout.isatty()))
    print(f"leaks: native {native.count('leaked')}, srt {srt.count('leaked')} "
          f"(of {len(probes)} probes; invalid here: {native.count('invalid')}, skipped: {native.count('skipped')})")
    if args.html:
        with open(args.html, "w") as f:
            f.write(html.render_compare([native, srt]))
        print(f"HTML: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
