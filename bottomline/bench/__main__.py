"""`python -m bottomline.bench [name ...] [--minutes M]`: run the named benchmarks (all by default), then print one
table of target, figure and verdict; exit non-zero when any target is missed, engines disagree or a benchmark fails.
``--minutes`` shortens W6's load (10 minutes by default) for a quick check."""

from __future__ import annotations

import argparse
import sys
import traceback

from bottomline.bench import (
    dashboards,
    everypage,
    features,
    feeds,
    imports,
    leads,
    pages,
    regions,
    screening,
    w6,
    webworker,
    wholerun,
)
from bottomline.bench import incremental as incremental_bench
from bottomline.bench.report import CHECKS, append, check, checks_table, environment_line, peak_reset
from bottomline.bench.scratch import exit_on_term

BENCHMARKS = {
    "regions": regions.main,
    "imports": imports.main,
    "incremental": incremental_bench.main,
    "screening": screening.main,
    "wholerun": wholerun.main,
    "features": features.main,
    "dashboards": dashboards.main,
    "pages": pages.main,
    "everypage": everypage.main,
    "leads": leads.main,
    "webworker": webworker.main,
    "feeds": feeds.main,
    "w6": w6.main,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bottomline.bench")
    parser.add_argument("names", nargs="*", metavar="name")
    parser.add_argument("--minutes", type=float, help="W6: minutes of load (default 10)")
    options = parser.parse_args(argv)
    exit_on_term()  # a stopped run still removes its scratch folders and databases
    names = options.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        peak_reset()
        try:
            if name == "w6" and options.minutes is not None:
                w6.main(options.minutes)
            else:
                BENCHMARKS[name]()
        except Exception as exc:  # a failed benchmark is a miss in the table; the others still run
            traceback.print_exc()
            check(name, "runs to the end", f"failed: {type(exc).__name__}", False)
    append(
        f"Targets of this run (`make bench` → {', '.join(names)})",
        [environment_line("as above"), "", *checks_table(CHECKS), ""],
    )
    missed = [c for c in CHECKS if not c.met]
    if missed:
        print(f"{len(missed)} of {len(CHECKS)} target(s) missed", file=sys.stderr)
    return 1 if missed or not CHECKS else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
