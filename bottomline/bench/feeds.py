"""A department feed applied in sets (issue #16 item 5): the whole feed job for a medical-claims file, on SQLite
and on PostgreSQL, and on SQLite the longest wait of a page view in another process while the feed runs.

Each database runs in a child process on a fresh scratch database: one county of Qinghai, ``BENCH_FEED_ROWS``
claims (default 100,000) over a fifth as many households of two members each, every household with its 2025
income recorded; one claim in ten a serious illness. Timed: ``feeds.jobs.feed_job`` with commit, as the queue
runs it (the file read, every row checked and matched, the chunks written, each changed household screened once,
the leads raised), and the same file loaded again (every row already applied: nothing written).

The concurrent reader (SQLite only, where one writer at a time holds the database) is a second process that,
every 50 ms while the feed runs, does what a page view does to the database: a read of a village's households,
and a short write transaction (a session's save, an audit note). Its longest wait is the figure.

Targets: ≥ 5,000 rows/s for the whole job on each database; no page view waiting more than 1 s.
``BENCH_POSTGRES`` names the server (default ``postgres://postgres@127.0.0.1:5432``; the scratch database
``bottomline_bench_feeds`` is created and dropped).
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROWS = int(os.environ.get("BENCH_FEED_ROWS", "100000"))
COUNTY = "630106"  # Huangzhong
RATE = 5000.0  # rows per second, the whole job
WAIT = 1.0  # seconds a page view may wait during a feed


def _id_numbers(count: int) -> list[str]:
    """``count`` distinct, valid ID numbers of the county (birth dates from 1950, sequences 100–999)."""
    from stdnum.cn import ric

    numbers: list[str] = []
    day = date(1950, 1, 1)
    while len(numbers) < count:
        for sequence in range(100, 1000, 7):
            body = f"{COUNTY}{day:%Y%m%d}{sequence:03d}"
            numbers.append(body + ric.calc_check_digit(body + "0"))
            if len(numbers) == count:
                break
        day += timedelta(days=1)
    return numbers


def _population(households: int, officer: Any) -> list[str]:
    """Households of two members (an ordinary labourer heads each) with their 2025 incomes, written in bulk;
    the members' ID numbers."""
    from django.db import transaction

    from bottomline.privacy.crypto import blind_index, encrypt
    from bottomline.privacy.keys import field_keys
    from bottomline.privacy.masking import mask_id_number
    from bottomline.regions.models import Level, Region
    from bottomline.registry.models import ID_PURPOSE, Household, IncomeRecord, Member

    keys = field_keys()
    villages = list(Region.objects.filter(code__startswith=COUNTY, level=Level.VILLAGE).order_by("code"))
    numbers = _id_numbers(2 * households)
    with transaction.atomic():
        made = Household.objects.bulk_create(
            [
                Household(
                    number=f"{villages[i % len(villages)].code}{i:06d}",
                    village=villages[i % len(villages)],
                    household_type="lifted",
                    housing_grade="B",
                )
                for i in range(households)
            ],
            batch_size=2000,
        )
        members = []
        for i, h in enumerate(made):
            for k, relation in enumerate(("head", "spouse")):
                number = numbers[2 * i + k]
                members.append(
                    Member(
                        household=h,
                        name="王建国",
                        relation=relation,
                        labour="ordinary",
                        education="junior",
                        id_number_enc=encrypt(number, keys=keys, purpose=ID_PURPOSE),
                        id_number_index=blind_index(number, keys=keys, purpose=ID_PURPOSE),
                        id_number_masked=mask_id_number(number),
                        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                        sex="M" if int(number[16]) % 2 else "F",
                    )
                )
        Member.objects.bulk_create(members, batch_size=2000)
        IncomeRecord.objects.bulk_create(
            [
                IncomeRecord(
                    household=h,
                    period_start=date(2025, 1, 1),
                    period_end=date(2025, 12, 31),
                    household_size=2,
                    wage=14000 + (i % 40) * 500,
                    recorded_by=officer,
                )
                for i, h in enumerate(made)
            ],
            batch_size=2000,
        )
    return numbers


def _claims_file(path: Path, numbers: list[str], rows: int) -> None:
    """The medical-claims template's headings and ``rows`` claims of 2025 spread over the members."""
    from bottomline.feeds.schemas import BY_CODE

    feed = BY_CODE["medical_claims"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.zh for c in feed.columns])
        for i in range(rows):
            values = {
                "id_number": numbers[(i * 7919) % len(numbers)],
                "name": "王建国",
                "claim_number": f"YB2025{i:08d}",
                "settled_on": (date(2025, 1, 1) + timedelta(days=i % 360)).isoformat(),
                "out_of_pocket": f"{100 + (i * 37) % 3000}.50",
                "serious_illness": "是" if i % 10 == 0 else "否",
            }
            writer.writerow([values[c.key] for c in feed.columns])


def _reader(url: str, village_code: str, stop: Any, out: Any) -> None:
    """A page view every 50 ms until ``stop``: read a village's households, then write a session in a short
    transaction; puts the longest wait and the count."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from bottomline.registry.models import Household

    longest, views, failed = 0.0, 0, 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            list(Household.objects.filter(village__code=village_code).order_by("number")[:50])
            session = SessionStore()
            session["seen"] = views
            session.save()  # a write: what a sign-in, a session refresh or a saved form does
        except Exception:  # "database is locked": the page failed
            failed += 1
            connection.close()
        longest = max(longest, time.perf_counter() - started)
        views += 1
        stop.wait(0.05)
    out.put({"longest": longest, "views": views, "failed": failed})


def child(url: str, folder: str) -> dict[str, Any]:
    """Everything on one database (a fresh one: migrated here); returns the figures."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bottomline.accounts.models import Department
    from bottomline.accounts.services import user_save
    from bottomline.bench.scratch import database_name
    from bottomline.engine.models import Current
    from bottomline.feeds.jobs import feed_job
    from bottomline.jobs.progress import NullProgress
    from bottomline.regions.models import Region
    from bottomline.regions.services import regions_load

    call_command("migrate", verbosity=0)
    regions_load(provinces=[COUNTY[:2]])
    call_command("policy_seed", verbosity=0)
    figures: dict[str, Any] = {"database": database_name(), "rows": ROWS}
    county = Region.objects.get(code=COUNTY + "000000")
    officer = user_save(
        username="bench-medical",
        role="department_officer",
        region=county,
        department=Department.HEALTH_INSURANCE,
        password="Bench-pass-2026",  # noqa: S106  (a scratch database, dropped afterwards)
    )
    started = time.perf_counter()
    numbers = _population(ROWS // 5, officer)
    path = Path(folder) / "claims.csv"
    _claims_file(path, numbers, ROWS)
    figures["setup"] = time.perf_counter() - started
    figures["households"] = ROWS // 5
    params = {"feed_type": "medical_claims", "path": str(path), "user": officer.pk, "commit": True}
    reader = None
    if connection.vendor == "sqlite":
        village = Region.objects.filter(code__startswith=COUNTY, level=5).order_by("code").first()
        assert village is not None  # noqa: S101  (the county has villages)
        context = multiprocessing.get_context("spawn")
        stop, out = context.Event(), context.Queue()
        reader = context.Process(target=_reader, args=(url, village.code, stop, out))
        reader.start()
        time.sleep(3)  # the reader's Django is up and viewing
    started, cpu = time.perf_counter(), time.process_time()
    result = feed_job(params, NullProgress())
    figures["load"] = time.perf_counter() - started
    figures["cpu"] = time.process_time() - cpu  # this process's (SQLite's work included, a server's not)
    figures["loadavg"] = os.getloadavg()[0]
    if reader is not None:
        stop.set()
        figures["reader"] = out.get(timeout=60)
        reader.join(timeout=60)
    if result["error_count"]:
        raise RuntimeError(f"the feed found problems: {result['errors'][:3]}")
    figures["applied"] = result["applied"]
    figures["leads"] = result["leads"]
    figures["screened"] = Current.objects.count()
    started = time.perf_counter()
    again = feed_job(params, NullProgress())
    figures["reload"] = time.perf_counter() - started
    figures["reload_unchanged"] = again["unchanged"]
    return figures


def _lines(f: dict[str, Any]) -> list[str]:
    from bottomline.bench.report import check

    rate = f["rows"] / f["load"]
    verdict = check(
        "feeds",
        f"medical claims on {f['database']}: ≥ {RATE:,.0f} rows/s",
        f"{rate:,.0f} rows/s",
        rate >= RATE,
    )
    lines = [
        f"| {f['database']} | whole feed job, commit ({f['applied']:,} applied, {f['screened']:,} households "
        f"screened, {f['leads']:,} leads; {f.get('cpu', 0):.1f} s CPU in the job's process, load average "
        f"{f.get('loadavg', 0):.1f}) | {f['load']:.1f} | {rate:,.0f} | {verdict} |",
        f"| {f['database']} | same file again ({f['reload_unchanged']:,} unchanged, nothing written) | "
        f"{f['reload']:.1f} | {f['rows'] / f['reload']:,.0f} | |",
    ]
    reader = f.get("reader")
    if reader:
        met = reader["longest"] <= WAIT and not reader["failed"]
        verdict = check(
            "feeds",
            f"page view during a feed on {f['database']}: waits ≤ {WAIT:.0f} s, none fails",
            f"{reader['longest']:.2f} s, {reader['failed']} failed",
            met,
        )
        lines.append(
            f"| {f['database']} | a page view in another process every 50 ms during the feed: longest of "
            f"{reader['views']:,} ({reader['failed']} failed) | {reader['longest']:.2f} | | {verdict} |"
        )
    return lines


def main() -> None:
    from bottomline.bench.report import append, check, environment_line
    from bottomline.bench.scratch import on_both

    with tempfile.TemporaryDirectory() as tmp:
        sqlite, postgres, missing = on_both(
            "bottomline.bench.feeds", folder=tmp, scratch="bottomline_bench_feeds", args=(tmp,)
        )
        lines = [
            environment_line("SQLite and PostgreSQL (each in a child process)"),
            "",
            f"{ROWS:,} medical claims of 2025 over {sqlite['households']:,} households (two members each, "
            f"their 2025 incomes recorded; setup {sqlite['setup']:.0f} s, not counted).",
            "",
            f"| database | step | seconds | rows/s | target ≥ {RATE:,.0f} rows/s, pages ≤ {WAIT:.0f} s |",
            "|---|---|---:|---:|---|",
            *_lines(sqlite),
            *(
                _lines(postgres)
                if postgres
                else [f"| {missing} | | | | {check('feeds', 'feed on PostgreSQL', missing, False)} |"]
            ),
        ]
        append("A medical-claims feed applied in sets (`make bench` → feeds)", lines)


if __name__ == "__main__":
    from bottomline.bench.scratch import exit_on_term

    exit_on_term()
    print(json.dumps(child(sys.argv[1], sys.argv[2])))
