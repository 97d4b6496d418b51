"""One web worker's start-up (issue #17): a fresh Python process sets Django up, loads the WSGI application
(which checks the field keys against the database, as a production server does) and imports every URL module;
its resident memory (VmRSS, from /proc) and the seconds from spawning it to ready.

Target: ≤ 100 MiB resident, and none of the batch engine's libraries (ibis, DuckDB, pyarrow, Polars, PySpark),
Faker or WeasyPrint loaded. Baseline in the same run: a bare interpreter that imports Django, the floor that any
worker stands on. ``BENCH_WEBWORKER_ROUNDS`` processes
(default 5): the median time, the largest memory.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MIB = 100.0
# What a web process must not import at start-up: the batch engine and the libraries of rare work.
HEAVY = ("ibis", "duckdb", "pyarrow", "polars", "pyspark", "faker", "weasyprint")

WORKER = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
import django
if sys.argv[1] == "worker":
    django.setup()
    from bottomline.wsgi import application  # noqa: F401
    from django.urls import get_resolver
    get_resolver().reverse_dict  # every URL module imported, every pattern resolved
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
heavy = sys.argv[2].split(",")
print(json.dumps({"rss_kib": rss, "heavy": sorted(m for m in heavy if m in sys.modules)}))
"""


def start(mode: str, env: dict[str, str]) -> tuple[float, float, list[str]]:
    """Spawn one process in ``mode`` (``worker`` or ``floor``); its seconds to ready, MiB resident and the
    heavy modules it loaded."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603  (this interpreter, fixed code)
        [sys.executable, "-c", WORKER, mode, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    seconds = time.perf_counter() - started
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, figures["rss_kib"] / 1024, figures["heavy"]


def main() -> None:
    from bottomline.bench.report import append, check, environment_line

    rounds = int(os.environ.get("BENCH_WEBWORKER_ROUNDS", "5"))
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BOTTOMLINE_ENV": "development",
            "BOTTOMLINE_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "PYTHONPATH": str(root),
        }
        subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
            [sys.executable, str(root / "manage.py"), "migrate", "--verbosity=0"], env=env, check=True
        )
        worker = [start("worker", env) for _ in range(rounds)]
        floor = [start("floor", env) for _ in range(rounds)]
    seconds = statistics.median(w[0] for w in worker)
    mib = max(w[1] for w in worker)
    heavy = sorted({m for w in worker for m in w[2]})
    floor_seconds = statistics.median(f[0] for f in floor)
    floor_mib = max(f[1] for f in floor)
    append(
        "One web worker's start-up (`make bench` → webworker)",
        [
            environment_line("SQLite (migrated, empty)"),
            "",
            "| process | start-up, median of "
            + str(rounds)
            + " (s) | resident (MiB, largest) | heavy modules |",
            "|---|---:|---:|---|",
            f"| web worker: `django.setup()`, the WSGI application, every URL module | {seconds:.2f} | "
            f"{mib:.0f} | {', '.join(heavy) or 'none'} |",
            f"| floor: Python and `import django` | {floor_seconds:.2f} | {floor_mib:.0f} | |",
            "",
            f"Target: ≤ {TARGET_MIB:.0f} MiB resident: "
            f"{check('webworker', f'resident ≤ {TARGET_MIB:.0f} MiB', f'{mib:.0f} MiB', mib <= TARGET_MIB)}; "
            f"none of {', '.join(HEAVY)} loaded: "
            f"{check('webworker', 'no batch, Faker or PDF library at start-up', ', '.join(heavy) or 'none', not heavy)}. "
            f"Start-up {seconds:.2f} s.",
        ],
    )
