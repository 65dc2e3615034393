"""`ringfence verify`: the adversarial escape suite, run against this machine's setup.

    ringfence verify [--profile P|all] [--backend NAME] [--json] [--html FILE]
                     [--compare srt] [--only CATEGORY] [--jobs N]

Every probe is first run without a sandbox (it must work there, or it is "invalid" on
this machine), then inside the sandbox, then, if held, again with layers switched off
one at a time to find which layer holds it. The report goes to stdout (a table, or JSON
with --json); --html also writes one self-contained HTML file.

Exit status: 0 when no valid probe leaked, every positive control worked and every run
could be judged; 1 otherwise; 2 for bad options; 3 when the backend cannot run here.
With --compare the exit status is that of the backend under test, not the comparison.
"""
from __future__ import annotations

import argparse
import os
import sys

from ringfence.errors import RingfenceError, SandboxError


class _Usage(RingfenceError):
    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options as a RingfenceError instead of exiting."""

    def error(self, message):
        raise _Usage(message, fix="see `ringfence verify --help`")


def parser() -> argparse.ArgumentParser:
    from ringfence.verify.backends import BACKENDS
    from ringfence.verify.probes.model import CATEGORIES
    p = _Parser(prog="ringfence verify", add_help=False, description=__doc__.split("\n\n")[0],
                                epilog="exit status: 0 all held, 1 a leak or a failed control, 2 usage, 3 backend missing")
    p.add_argument("--profile", default="default", help="profile to verify, or 'all' (default: default)")
    p.add_argument("--backend", default="native", choices=[b for b in BACKENDS if b != "srt"],
                   help="sandbox backend to verify (default: native)")
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    p.add_argument("--compare", choices=["srt"], help="run the same probes through Anthropic's sandbox-runtime too")
    p.add_argument("--only", choices=[c for c in CATEGORIES if c != "control"], metavar="CATEGORY",
                   help=f"only one category ({', '.join(c for c in CATEGORIES if c != 'control')}); "
                        "the positive controls always run")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="probes run in parallel (default: 2 per CPU, max 8)")
    p.add_argument("-h", "--help", action="store_true", help="show this help")
    return p


def _suite(backend_name: str, profile: str, probes, jobs, *, guard: bool, machine: dict):
    from ringfence.verify.backends import BACKENDS
    from ringfence.verify.guardcheck import guard_verdict
    from ringfence.verify.runner import Runner
    backend = BACKENDS[backend_name]
    why = backend.missing()
    if why:
        raise SandboxError(f"the {backend_name} backend cannot run here: {why}",
                           fix="install what is missing, then run `ringfence doctor`")
    judge = (lambda probe, world: guard_verdict(profile, probe, world)) if guard else None
    sys.stderr.write(f"ringfence: verify: {len(probes)} probes, {backend_name} backend, profile {profile}, "
                     f"{jobs or 'default'} jobs\n")
    done = [0]

    def progress(_result) -> None:
        done[0] += 1
        sys.stderr.write(f"\rringfence: verify: {done[0]}/{len(probes)} probes")
        if done[0] == len(probes):
            sys.stderr.write("\n")

    return Runner(backend, profile, jobs=jobs, guard=judge).run(
        probes, machine=machine, on_result=progress if sys.stderr.isatty() else None)


def main(argv: list[str]) -> int:
    from ringfence.verify.backends import BACKENDS
    from ringfence.verify.machine import machine_info
    from ringfence.verify.probes import select
    from ringfence.verify.report import html, json as json_report, table

    p = parser()
    args = p.parse_args(argv)
    if args.help:
        sys.stdout.write(p.format_help())
        return 0
    backend = BACKENDS[args.backend]
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        raise _Usage(f"--jobs must be between 1 and 64, not {args.jobs}")
    if args.profile == "all":
        profiles = list(backend.profiles)
    elif args.profile in backend.profiles:
        profiles = [args.profile]
    else:
        raise _Usage(f"unknown profile {args.profile!r} for the {args.backend} backend",
                     fix=f"one of: {', '.join(backend.profiles)}, all")
    if args.compare and len(profiles) > 1:
        raise _Usage("--compare runs one profile", fix="add --profile NAME")
    if args.html:
        folder = os.path.dirname(os.path.abspath(args.html))
        if not os.path.isdir(folder):
            raise _Usage(f"--html: directory {folder} does not exist")
    probes = select(args.only)
    machine = machine_info()
    results = [_suite(args.backend, p, probes, args.jobs, guard=args.backend == "native", machine=machine)
               for p in profiles]
    if args.compare:
        other = _suite(args.compare, BACKENDS[args.compare].profiles[0], probes, args.jobs, guard=False,
                       machine=machine)
        both = [results[0], other]
        sys.stdout.write(json_report.render_compare(both) if args.json else
                         table.render_compare(both, color=sys.stdout.isatty()))
        pages = [html.render_compare(both)]
    else:
        for res in results:
            sys.stdout.write(json_report.render(res) if args.json else table.render(res, color=sys.stdout.isatty()))
        pages = [html.render(res) for res in results]
    if args.html:
        _write_html(args.html, pages, [r.profile for r in results])
    return max(r.exit_code for r in results)


def _write_html(path: str, pages: list[str], profiles: list[str]) -> None:
    """One page per profile: FILE itself for one, FILE with -PROFILE before the suffix for several."""
    if len(pages) == 1:
        targets = [path]
    else:
        stem, ext = os.path.splitext(path)
        targets = [f"{stem}-{p}{ext or '.html'}" for p in profiles]
    for target, page in zip(targets, pages):
        try:
            with open(target, "w", encoding="utf-8") as f:
                f.write(page)
        except OSError as e:
            raise _Usage(f"cannot write {target}: {e.strerror}") from None
        sys.stderr.write(f"ringfence: verify: HTML report written to {target}\n")
