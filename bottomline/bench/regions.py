"""Loading the whole division tree (about 665,000 regions) into a fresh SQLite file.

Baseline in the same run: the same rows inserted with plain ``sqlite3.executemany`` into a table with the
same unique index, the floor that any loader through Django stands on.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
import time
from pathlib import Path


def _raw_floor(data_dir: Path, path: Path) -> tuple[int, float]:
    """Insert every row with sqlite3 alone (rows repeating a code are skipped); returns (rows, seconds)."""
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE region (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT, level INT, parent TEXT)"
    )
    rows = 0
    for level, name in enumerate(["provinces", "cities", "areas", "streets", "villages"], start=1):
        with (data_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            batch = [(r[0].ljust(12, "0"), r[1], level, r[2] if len(r) > 2 else "") for r in reader]
        db.executemany("INSERT OR IGNORE INTO region (code, name, level, parent) VALUES (?, ?, ?, ?)", batch)
        rows += len(batch)
    db.commit()
    db.close()
    return rows, time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from bottomline.bench.report import append, check, environment_line
        from bottomline.regions.services import division_data_dir, regions_load

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        first = regions_load(provinces=None)
        load = time.perf_counter() - started
        started = time.perf_counter()
        again = regions_load(provinces=None)
        rerun = time.perf_counter() - started
        rows, floor = _raw_floor(division_data_dir(), Path(tmp) / "floor.sqlite3")
        append(
            "Region tree, all provinces (`make bench` → regions)",
            [
                environment_line("SQLite"),
                "",
                "| step | rows | seconds | vs. sqlite3 floor |",
                "|---|---:|---:|---:|",
                f"| `regions_load --all`, empty database | {first.created:,} | {load:.1f} | {load / floor:.1f}× |",
                f"| re-run (nothing changes: {again.unchanged:,} unchanged) | {again.unchanged:,} | {rerun:.1f} | "
                f"{rerun / floor:.1f}× |",
                f"| floor: plain `sqlite3.executemany`, same rows and unique index | {rows:,} | {floor:.1f} | 1.0× |",
                "",
                f"Target: under 2 minutes for the full load: "
                f"{check('regions', 'full tree load ≤ 120 s', f'{load:.1f} s', load <= 120)}.",
            ],
        )
