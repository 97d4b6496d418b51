"""Pages that must not grow with the region's size (issue #16): the real pages, through Django's test Client, for
a village cadre, a county officer and a province officer, at 1× (the demo county, Huangzhong, at its real size)
and at a larger size (more counties of Qinghai beside it, ``BENCH_PAGES_COUNTIES`` in all, default 10).

Timed per viewer: the household list (first page, and a page far in by its keyset cursor), the API list, the
work queues (their counts and the first queue's cases), the home page (the queue counts), one household's and
one case's page, and the viewer's dashboard for the month and as of a past day (a county's and a province's read
from the day's stored row, which the nightly run writes; a village's computed from the records). Cases for 7 % of
every county's households, in every state a queue reads. The village cadre's village and the county officer's
county are the same at both sizes: their pages should take the same time, whatever lies outside. For reference,
not a target: the county's and the province's dashboard as of a day that no county has stored (computed from the
records, as before the nightly run or a backfill reached that day).

On PostgreSQL (``BENCH_POSTGRES``, scratch database ``bottomline_bench_pages``, created and dropped); on a new
SQLite file when there is no server. ``BENCH_PAGES_ROUNDS`` requests per page (default 15, after 2 unmeasured).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any

from bottomline.bench.dashboards import _p, past_day

COUNTY = "630106"
PROVINCE = "63"
TARGET_MS = {"village": 300.0, "county": 300.0, "province": 1000.0}
# Beside the targets: a village's or a county's page at the larger size within this of its time at 1×.
GROWTH = 1.5
GROWTH_SLACK_MS = 20.0
REFERENCE = "dashboard as of a day not stored"  # measured, not a target (the module's docstring)


def unstored_day(today: date) -> date:
    """A past day inside a month other than ``past_day``'s, which the benchmark does not store."""
    return past_day(today - timedelta(days=2))


def _cases(county: str, seed: int, today: date) -> int:
    """Open and closed cases for 7 % of a county's households, in the states the queues read."""
    from datetime import datetime

    from django.utils import timezone

    from bottomline.monitoring.models import Case, Lead
    from bottomline.monitoring.workflow import State
    from bottomline.registry.models import Household

    rng = random.Random(f"{seed}:{county}")  # noqa: S311  (synthetic data)
    homes = list(Household.objects.filter(village__code__startswith=county).values_list("pk", flat=True))
    chosen = rng.sample(homes, len(homes) * 7 // 100)
    tz = timezone.get_current_timezone()
    start = datetime.combine(today - timedelta(days=400), datetime.min.time(), tzinfo=tz)
    states = [State.VISIT, State.APPRAISAL, State.NOTICE, State.APPROVAL, State.ANNOUNCEMENT, State.MONITORED]
    plans = []
    for household in chosen:
        opened = start + timedelta(days=rng.randrange(400), seconds=rng.randrange(86400))
        state = rng.choice([*states, State.REJECTED, State.ELIMINATED])
        plans.append((household, opened, state))
    Lead.objects.bulk_create(
        [
            Lead(
                household_id=h,
                status="closed" if s in (State.REJECTED, State.ELIMINATED) else "open",
                first_at=o,
                last_at=o,
            )
            for h, o, s in plans
        ],
        batch_size=2000,
    )
    leads = dict(Lead.objects.filter(household_id__in=chosen).values_list("household_id", "pk"))
    Case.objects.bulk_create(
        [
            Case(
                household_id=h,
                lead_id=leads[h],
                state=s,
                opened_at=o,
                notice_end=today + timedelta(days=rng.randint(-5, 5)) if s == State.NOTICE else None,
                closed_at=o + timedelta(days=30) if s in (State.REJECTED, State.ELIMINATED) else None,
            )
            for h, o, s in plans
        ],
        batch_size=2000,
    )
    return len(plans)


def _time(client: Any, path: str, headers: dict[str, str], rounds: int) -> list[float]:
    """Milliseconds of ``rounds`` requests of one page (after two unmeasured)."""
    times = []
    for i in range(rounds + 2):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
        if i >= 2:
            times.append(elapsed)
    return times


def _measure(viewers: dict[str, Any], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Per viewer and page: [p50, p95] in milliseconds."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from bottomline.accounts import gate
    from bottomline.accounts.services import token_create
    from bottomline.monitoring.models import Case
    from bottomline.registry.models import Household
    from bottomline.web.worker import worker_settle

    worker_settle()  # as a web worker before its first request (the data loaded so far collected first)
    out: dict[str, dict[str, list[float]]] = {}
    for level, user in viewers.items():
        client = Client()
        client.force_login(user)
        raw = token_create(user=user, name=f"bench-{time.monotonic_ns()}")[1]
        visible = gate.restrict(Household.objects.all(), user).order_by("number")
        far = visible.values_list("pk", flat=True)[
            max(visible.count() // 2, 0) : max(visible.count() // 2, 0) + 1
        ]
        middle = far[0] if far else None
        # one household and one case of the viewer's region, the last by number: the pages a cadre opens most
        household = visible.last()
        case = gate.restrict(Case.objects.order_by("household__number"), user).last()
        dashboard = reverse("dashboards:region", args=[user.region.code])
        pages = {
            "household list": ("/registry/households/", {}),
            "household list, far page": (f"/registry/households/?after={middle}", {}),
            "API list": ("/api/v1/registry/households", {"Authorization": f"Bearer {raw}"}),
            "work queues": ("/cases/", {}),
            "home (queue counts)": ("/", {}),
            "household page": (
                reverse("registry:household_detail", args=[household.pk]) if household else "",
                {},
            ),
            "case page": (reverse("monitoring:case_detail", args=[case.pk]) if case else "", {}),
            "dashboard (month)": (dashboard, {}),
            # a past day inside a month: the stored day's row (a county or above), or computed from the records
            "dashboard as of a day": (f"{dashboard}?on={past_day(timezone.localdate())}", {}),
            # the households behind a figure (always found from the records): by the cases, by the incomes
            "a figure's households (monitoring objects)": (
                reverse("dashboards:drill", args=[user.region.code, "objects_households"]),
                {},
            ),
            "a figure's households (an income bucket)": (
                reverse("dashboards:drill", args=[user.region.code, "income_households"]),
                {},
            ),
        }
        if level != "village":  # a village is always computed from the records: the page above
            pages[REFERENCE] = (f"{dashboard}?on={unstored_day(timezone.localdate())}", {})
        out[level] = {}
        for name, (path, headers) in pages.items():
            if not path:
                raise RuntimeError(f"{level}: no object for the {name}")
            times = _time(client, path, headers, rounds)
            out[level][name] = [_p(times, 0.5), _p(times, 0.95)]
    return out


def _vacuum() -> None:
    """On PostgreSQL, what autovacuum does after bulk inserts: statistics, and the visibility map that lets a
    region's households be read from an index alone."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def child(url: str) -> dict[str, Any]:
    """Every measurement on one fresh database; returns the figures."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from bottomline.accounts.services import user_save
    from bottomline.bench.scratch import database_name
    from bottomline.dashboards.services import figures_refresh_days, figures_refresh_region
    from bottomline.jobs.progress import NullProgress
    from bottomline.regions.models import Level, Region
    from bottomline.regions.services import regions_load
    from bottomline.registry.models import Household, Member
    from bottomline.registry.synth import synth_county

    setup_test_environment()
    settings.DEBUG = False  # no query log growing through the rounds
    rounds = int(os.environ.get("BENCH_PAGES_ROUNDS", "15"))
    size = int(os.environ.get("BENCH_PAGES_COUNTIES", "10"))
    call_command("migrate", verbosity=0)
    regions_load(provinces=[PROVINCE])
    call_command("policy_seed", verbosity=0)
    figures: dict[str, Any] = {"rounds": rounds}
    figures["database"] = database_name()
    today = timezone.localdate()
    county = Region.objects.get(code=COUNTY + "000000")
    village = Region.objects.filter(code__startswith=COUNTY, level=Level.VILLAGE).order_by("code")[0]
    homes = {
        "village": ("village_cadre", village),
        "county": ("county_officer", county),
        "province": ("province_officer", Region.objects.get(code=PROVINCE + "0000000000")),
    }
    viewers = {
        level: user_save(username=f"bench-{level}", role=role, region=region, password="Bench-pass-2026")  # noqa: S106
        for level, (role, region) in homes.items()
    }
    others = [
        r.code
        for r in Region.objects.filter(
            level=Level.COUNTY, code__startswith=PROVINCE, valid_to__isnull=True
        ).order_by("code")
        if r.code != county.code and Region.objects.filter(code__range=r.bounds, level=Level.VILLAGE).exists()
    ][: size - 1]
    started = time.perf_counter()
    synth_county(county=county, seed=1, on=today, progress=NullProgress())
    _cases(COUNTY, 1, today)
    # The month's dashboard, and the past day's (as the nightly run, or a backfill, stores it).
    figures_refresh_region(region_code=county.code, months=[today])
    figures_refresh_days(region_code=None, days=[past_day(today)])
    figures["synth_1"] = time.perf_counter() - started
    _vacuum()
    figures["size_1"] = {"households": Household.objects.count(), "members": Member.objects.count()}
    figures["village_households"] = Household.objects.filter(village=village).count()
    figures["x1"] = _measure(viewers, rounds)
    started = time.perf_counter()
    for code in others:
        synth_county(county=Region.objects.get(code=code), seed=1, on=today, progress=NullProgress())
        _cases(code[:6], 1, today)
        figures_refresh_region(region_code=code, months=[today])
    figures["synth_n"] = time.perf_counter() - started
    started = time.perf_counter()
    figures["day_rows"] = figures_refresh_days(region_code=None, days=[past_day(today)])
    figures["day_n"] = time.perf_counter() - started
    _vacuum()
    figures["counties_n"] = 1 + len(others)
    figures["size_n"] = {"households": Household.objects.count(), "members": Member.objects.count()}
    figures["xn"] = _measure(viewers, rounds)
    return figures


def _lines(f: dict[str, Any]) -> list[str]:
    from bottomline.bench.report import check

    n = f["counties_n"]
    lines = [
        f"**{f['database']}**: 1× = Huangzhong, {f['size_1']['households']:,} households, {f['size_1']['members']:,} "
        f"members (synth and cases {f['synth_1']:.0f} s, not counted); {n}× = {n} counties of Qinghai, "
        f"{f['size_n']['households']:,} households, {f['size_n']['members']:,} members (synth {f['synth_n']:.0f} s). "
        f"The cadre's village has {f['village_households']:,} households. {f['rounds']} requests per page. "
        f"Storing the past day's figures of the {n} counties and the regions above them (what the nightly run "
        f"does for each day): {f['day_n']:.1f} s, {f['day_rows']} rows.",
        "",
        f"| viewer | page | 1× p50 / p95 (ms) | {n}× p50 / p95 (ms) | target p95 at {n}× |",
        "|---|---|---|---|---|",
    ]
    for level, pages in f["xn"].items():
        for page, (p50, p95) in pages.items():
            small = f["x1"][level][page]
            limit = TARGET_MS[level]
            if page == REFERENCE:
                lines.append(
                    f"| {level} | {page} | {small[0]:.0f} / {small[1]:.0f} | {p50:.0f} / {p95:.0f} | none |"
                )
                continue
            verdict = check(
                "pages", f"{level} · {page}: p95 ≤ {limit:.0f} ms at {n}×", f"{p95:.0f} ms", p95 <= limit
            )
            if level != "province":  # the viewer's region did not change: nor should the time
                bound = small[0] * GROWTH + GROWTH_SLACK_MS
                verdict += ", " + check(
                    "pages",
                    f"{level} · {page}: p50 at {n}× ≤ {GROWTH}× of 1× + {GROWTH_SLACK_MS:.0f} ms",
                    f"{small[0]:.0f} → {p50:.0f} ms",
                    p50 <= bound,
                )
            lines.append(
                f"| {level} | {page} | {small[0]:.0f} / {small[1]:.0f} | {p50:.0f} / {p95:.0f} | ≤ {limit:.0f} ms: {verdict} |"
            )
    return [*lines, ""]


def main() -> None:
    import psycopg

    from bottomline.bench.report import append, check, environment_line
    from bottomline.bench.scratch import SERVER, in_child

    scratch = "bottomline_bench_pages"

    def database(action: str) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {scratch}")  # a fixed scratch name, no user input
            if action == "create":
                con.execute(f"CREATE DATABASE {scratch}")

    with tempfile.TemporaryDirectory() as tmp:
        try:
            database("create")
        except Exception as exc:  # no server: SQLite, and say so
            figures = in_child("bottomline.bench.pages", f"sqlite:///{tmp}/bench.sqlite3")
            note = f"PostgreSQL not measured ({exc}); SQLite instead."
            check("pages", "on PostgreSQL", "no server", False)
        else:
            try:
                figures = in_child("bottomline.bench.pages", f"{SERVER}/{scratch}")
            finally:
                database("drop")
            note = ""
    append(
        "Pages at 1× and at a larger size, by viewer (`make bench` → pages)",
        [
            environment_line(figures["database"] + " (in a child process)"),
            "",
            *([note, ""] if note else []),
            *_lines(figures),
            "Targets (issue #16): p95 ≤ 300 ms for a village or county viewer and ≤ 1 s for a province viewer at the "
            "larger size, and a village's or a county's page as fast there as at 1× (its region did not change). "
            "Times through Django's test Client in one process (no network, no server workers); the machine is "
            "shared and loaded, so single figures are noisy.",
        ],
    )


if __name__ == "__main__":
    from bottomline.bench.scratch import exit_on_term

    exit_on_term()
    print(json.dumps(child(sys.argv[1])))
