"""`python -m bottomline.bench [name ...]`: run the named benchmarks (all by default), then print one table of
target, figure and verdict; exit non-zero when any target is missed, engines disagree or a benchmark fails."""

from __future__ import annotations

import sys
import traceback

from bottomline.bench import dashboards, features, feeds, imports, leads, pages, regions, screening, webworker
from bottomline.bench import incremental as incremental_bench
from bottomline.bench.report import CHECKS, append, check, checks_table, environment_line, peak_reset

BENCHMARKS = {
    "regions": regions.main,
    "imports": imports.main,
    "incremental": incremental_bench.main,
    "screening": screening.main,
    "features": features.main,
    "dashboards": dashboards.main,
    "pages": pages.main,
    "leads": leads.main,
    "webworker": webworker.main,
    "feeds": feeds.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
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
