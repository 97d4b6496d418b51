"""One web worker's start-up (issue #17): a fresh Python process sets Django up, loads the WSGI application
(which checks the field keys against the database, as a production server does) and imports every URL module;
its resident memory (VmRSS, from /proc) and the seconds from spawning it to ready.

Target: ≤ 100 MiB resident, and none of the batch engine's libraries (ibis, DuckDB, pyarrow, Polars, PySpark),
Faker or WeasyPrint loaded. Baselines in the same run: a bare interpreter that imports Django, the floor that any
worker stands on; and, with ``BENCH_WEBWORKER_BEFORE=<commit>``, the same worker from that commit's tree
(``git archive``), e.g. the commit before the start-up was made light. ``BENCH_WEBWORKER_ROUNDS`` processes
(default 5): the median wall and CPU time (CPU seconds hold on a busy machine, wall seconds do not), the
largest memory.
"""

from __future__ import annotations

import json
import os
import resource
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start(mode: str, env: dict[str, str], root: Path) -> tuple[float, float, float, list[str]]:
    """Spawn one process in ``mode`` (``worker`` or ``floor``) on the tree at ``root``; its wall and CPU seconds
    to ready, MiB resident and the heavy modules it loaded."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(  # noqa: S603  (this interpreter, fixed code)
        [sys.executable, "-c", WORKER, mode, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(root)},
        check=True,
        cwd=root,
    )
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, cpu, figures["rss_kib"] / 1024, figures["heavy"]


def _rounds(mode: str, env: dict[str, str], root: Path, rounds: int) -> tuple[float, float, float, list[str]]:
    """Median wall and CPU seconds, largest MiB, every heavy module of ``rounds`` processes."""
    runs = [start(mode, env, root) for _ in range(rounds)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
        sorted({m for r in runs for m in r[3]}),
    )


def _migrated(root: Path, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603  (that tree's own manage.py, fixed arguments)
        [sys.executable, str(root / "manage.py"), "migrate", "--verbosity=0"],
        env={**env, "PYTHONPATH": str(root)},
        check=True,
        cwd=root,
    )


def _tree_of(commit: str, folder: Path) -> Path:
    """The files of ``commit`` (git archive) in ``folder``, with this tree's node_modules beside them."""
    here = Path(__file__).resolve().parents[2]
    folder.mkdir()
    archive = subprocess.run(  # noqa: S603  (git from PATH, a commit named by the operator)
        ["git", "archive", "--format=tar", commit],  # noqa: S607
        cwd=here,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)  # noqa: S603, S607
    if (here / "node_modules").exists():
        (folder / "node_modules").symlink_to((here / "node_modules").resolve())
    return folder


def main() -> None:
    from bottomline.bench.report import append, check, environment_line

    rounds = int(os.environ.get("BENCH_WEBWORKER_ROUNDS", "5"))
    before_commit = os.environ.get("BENCH_WEBWORKER_BEFORE", "")
    root = Path(__file__).resolve().parents[2]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BOTTOMLINE_ENV": "development",
            "BOTTOMLINE_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        }
        _migrated(root, env)
        seconds, cpu, mib, heavy = _rounds("worker", env, root, rounds)
        if before_commit:
            before_env = {**env, "DATABASE_URL": f"sqlite:///{tmp}/before.sqlite3"}
            before_root = _tree_of(before_commit, Path(tmp) / "before")
            _migrated(before_root, before_env)
            b = _rounds("worker", before_env, before_root, rounds)
            rows.append(
                f"| before: the same worker at commit {before_commit} | {b[0]:.2f} | {b[1]:.2f} | {b[2]:.0f} | "
                f"{', '.join(b[3]) or 'none'} |"
            )
        f = _rounds("floor", env, root, rounds)
    append(
        "One web worker's start-up (`make bench` → webworker)",
        [
            environment_line("SQLite (migrated, empty)"),
            "",
            f"| process | wall s (median of {rounds}) | CPU s | resident MiB (largest) | heavy modules |",
            "|---|---:|---:|---:|---|",
            f"| web worker: `django.setup()`, the WSGI application, every URL module | {seconds:.2f} | {cpu:.2f} | "
            f"{mib:.0f} | {', '.join(heavy) or 'none'} |",
            *rows,
            f"| floor: Python and `import django` | {f[0]:.2f} | {f[1]:.2f} | {f[2]:.0f} | |",
            "",
            f"Target: ≤ {TARGET_MIB:.0f} MiB resident: "
            f"{check('webworker', f'resident ≤ {TARGET_MIB:.0f} MiB', f'{mib:.0f} MiB', mib <= TARGET_MIB)}; "
            f"none of {', '.join(HEAVY)} loaded: "
            f"{check('webworker', 'no batch, Faker or PDF library at start-up', ', '.join(heavy) or 'none', not heavy)}. "
            f"Start-up {seconds:.2f} s wall, {cpu:.2f} s CPU.",
        ],
    )
