"""`python -m bottomline.bench [name ...]`: run the named benchmarks (all by default)."""

from __future__ import annotations

import sys

from bottomline.bench import dashboards, features, imports, regions, screening
from bottomline.bench import incremental as incremental_bench

BENCHMARKS = {
    "regions": regions.main,
    "imports": imports.main,
    "incremental": incremental_bench.main,
    "screening": screening.main,
    "features": features.main,
    "dashboards": dashboards.main,
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
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
