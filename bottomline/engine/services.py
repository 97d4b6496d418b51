"""Batch screening: snapshot (database or Parquet) → features → compiled rules on DuckDB or PySpark → results,
current screenings and leads written in bulk. docs/screening.md describes the runs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.dashboards.services import figures_refresh_region
from bottomline.engine.models import Current, Result, Run
from bottomline.engine.online import UPDATED, current_row
from bottomline.feeds.selectors import households_touched_since
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.jobs.services import job_enqueue
from bottomline.monitoring.models import Channel
from bottomline.monitoring.services import SignalIn, leads_raise
from bottomline.policy.models import Parameter
from bottomline.regions.models import Region
from bottomline.registry.models import Household, IncomeRecord, Member, MemberMove
from bottomline.rules.screening import Screening, from_batch_row

if TYPE_CHECKING:
    from bottomline.engine.snapshot import Snapshot

# The batch engine (pyarrow, DuckDB, Ibis) is imported inside the functions that run it: a web process imports
# this module (to start a run) and must not load it (issue #17).

logger = logging.getLogger(__name__)

BATCH = 5000
CHUNK = 20000  # ids per IN (...) when reading rows of many households


def registry_touched(since: datetime) -> set[int]:
    """Households whose own, members' or income rows were created or changed since then."""
    ids: set[int] = set(
        Household.objects.filter(Q(updated_at__gte=since) | Q(created_at__gte=since)).values_list(
            "pk", flat=True
        )
    )
    ids |= set(
        Member.objects.filter(Q(updated_at__gte=since) | Q(created_at__gte=since), household__isnull=False)
        .values_list("household_id", flat=True)
        .distinct()
    )
    # Income rows carry no updated_at: a correction made outside the services is seen by a full run only.
    ids |= set(
        IncomeRecord.objects.filter(created_at__gte=since).values_list("household_id", flat=True).distinct()
    )
    for before, after in MemberMove.objects.filter(created_at__gte=since).values_list(
        "from_household_id", "to_household_id"
    ):
        ids |= {h for h in (before, after) if h is not None}
    return ids


def previous_run(region: Region | None) -> Run | None:
    """The latest finished run that screened at least the same households."""
    finished = Run.objects.filter(finished_at__isnull=False)
    runs = (
        finished.filter(region__isnull=True)
        if region is None
        else finished.filter(Q(region__isnull=True) | Q(region=region))
    )
    return runs.order_by("-created_at", "-id").first()


def policy_changed(since: datetime, before: date, after: date) -> bool:
    """Whether the parameters in force may differ from those of the previous run (then everyone is screened)."""
    low, high = sorted((before, after))
    return Parameter.objects.filter(
        Q(changed_at__gte=since)
        | Q(superseded_at__gte=since)
        | Q(effective_from__gt=low, effective_from__lte=high)
        | Q(effective_to__gte=low, effective_to__lt=high)
    ).exists()


@dataclass(frozen=True)
class Plan:
    """Which households a run screens: all of its scope, or only the touched ones (incremental)."""

    households: set[int] | None  # None: every household
    since: datetime | None
    previous: Run | None


def run_plan(*, on: date, region: Region | None, incremental: bool) -> Plan:
    """Decide full or incremental: an incremental run falls back to a full one when there is no previous run
    or the policy parameters changed since it."""
    previous = previous_run(region)
    if not incremental or previous is None:
        return Plan(None, None, previous)
    since = previous.started_at or previous.created_at
    if policy_changed(since, previous.on, on):
        return Plan(None, since, previous)
    return Plan(households_touched_since(since=since) | registry_touched(since), since, previous)


def _event_months() -> set[int]:
    """Every look-back window for sudden events a county has had (a superset is safe)."""
    from bottomline.engine.batch import DEFAULT_EVENT_MONTHS

    values = Parameter.objects.filter(name="sudden_event_months").values_list("value", flat=True)
    return {int(v) for v in values} | {DEFAULT_EVENT_MONTHS}


def _existing(ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found |= set(Household.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", flat=True))
    return found


def _read(snapshot_dir: Path | None, region: Region | None, households: set[int] | None) -> Snapshot:
    import pyarrow as pa

    from bottomline.engine.batch import snapshot_in_region
    from bottomline.engine.parquet import snapshot_read as parquet_read
    from bottomline.engine.snapshot import read_snapshot

    ids = None if households is None else pa.array(sorted(households), pa.int64())
    if snapshot_dir is not None:
        snapshot = parquet_read(snapshot_dir, households=ids)
    else:
        snapshot = read_snapshot(households)
    if region is not None:
        snapshot = snapshot_in_region(snapshot, *region.bounds)
    return snapshot


def screening_run(
    *,
    on: date,
    region: Region | None = None,
    progress: Progress,
    engine: str = "duckdb",
    snapshot_dir: Path | None = None,
    incremental: bool = False,
) -> Run:
    """Screen every household (of a region, or all) as of a date, or only those touched since the previous run
    (``incremental``); keep results and current screenings, and raise a lead for each household newly at risk."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from bottomline.engine.batch import date_sensitive, rules_apply, snapshot_restrict
    from bottomline.engine.features import batch_features
    from bottomline.engine.params import params_by_county

    started_at, started = timezone.now(), time.perf_counter()
    progress.start(5, gettext_noop("reading the registry"))
    plan = run_plan(on=on, region=region, incremental=incremental)
    households = plan.households
    date_moved = households is not None and plan.previous is not None and plan.previous.on != on
    snapshot = _read(snapshot_dir, region, None if date_moved else households)
    if households is not None and plan.previous is not None and date_moved:
        # Ages and event windows move with the date: those households are screened too.
        households = households | date_sensitive(snapshot, plan.previous.on, on, _event_months())
        snapshot = snapshot_restrict(snapshot, households)
    progress.advance()
    ids = [int(h) for h in snapshot.households.column("household_id").to_pylist()]
    if snapshot_dir is not None:  # a Parquet snapshot may hold households this database does not
        keep = _existing(ids)
        if len(keep) < len(ids):
            snapshot = snapshot_restrict(snapshot, keep)
            ids = [h for h in ids if h in keep]
    # The counties in Arrow: a Python string per household costs 0.6 s at 10M members (0.14 s here).
    villages = snapshot.households.column("village_code").cast(pa.string())
    counties = {
        f"{code}000000" for code in pc.unique(pc.utf8_slice_codeunits(villages, 0, 6)).drop_null().to_pylist()
    }
    features = batch_features(snapshot, params_by_county(counties, on=on), on=on)
    progress.advance()
    hits = rules_apply(features, engine=engine).to_pylist() if features.num_rows else []
    progress.advance()
    screenings = {int(row["household_id"]): from_batch_row(row) for row in hits}
    run = Run.objects.create(
        on=on,
        region=region,
        engine=engine,
        incremental=households is not None,
        source=str(snapshot_dir) if snapshot_dir is not None else "",
        started_at=started_at,
        households=len(ids),
        flagged=sum(s.at_risk for s in screenings.values()),
    )
    with transaction.atomic():  # the results and the mark that the run finished, together or not at all
        run.leads = _write(run, ids, screenings, full=households is None, started_at=started_at)
        run.seconds, run.finished_at = time.perf_counter() - started, timezone.now()
        run.save(update_fields=["seconds", "leads", "finished_at"])
    progress.advance()
    progress.advance()
    logger.info(
        "screening run finished",
        extra={
            "run": run.pk,
            "region": region.code if region else "",
            "engine": engine,
            "incremental": run.incremental,
            "households": run.households,
            "flagged": run.flagged,
            "leads": run.leads,
            "seconds": round(run.seconds, 2),
        },
    )
    # Dashboards: the leads this run raised show in the region's figures for the current month at once.
    figures_refresh_region(region_code=region.code if region else None, months=[timezone.localdate()])
    return run


# What a current screening holds, in this order; and what it holds when nothing holds.
HELD = ("category", "codes", "risk_types", "explanations", "score", "reported")
NOTHING: tuple[Any, ...] = (None, [], [], {"en": [], "zh": []}, 0, False)
CATEGORY, REPORTED = HELD.index("category"), HELD.index("reported")


def _held(screening: Screening) -> tuple[Any, ...]:
    """What a batch run stores of a screening, in HELD's order (a batch run reports every household at risk)."""
    return (
        screening.category,
        list(screening.codes),
        list(screening.risk_types),
        screening.explanations(),
        screening.score,
        screening.at_risk,
    )


@transaction.atomic
def _write(
    run: Run, ids: list[int], screenings: dict[int, Screening], *, full: bool, started_at: datetime
) -> int:
    """Results of the run, current screenings and leads, written in sets and only where they changed: one
    UPDATE per chunk stamps every screened household with this run, then only the rows whose screening differs
    from what was stored are written (most households' does not change from one run to the next), and results
    are kept for the households at risk alone."""
    scope = Current.objects.all()
    if run.region is not None:
        low, high = run.region.bounds
        scope = scope.filter(household__village__code__gte=low, household__village__code__lte=high)
    chunks = [None] if full else [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]

    def in_chunk(chunk: list[int] | None) -> QuerySet[Current]:
        return scope if chunk is None else Current.objects.filter(household_id__in=chunk)

    before: dict[int, tuple[Any, ...]] = {}
    newer: set[int] = set()
    for chunk in chunks:
        for h, run_id, evaluated_at, *held in in_chunk(chunk).values_list(
            "household_id", "run_id", "evaluated_at", *HELD
        ):
            # A save screened online after this run read the registry is newer than what the run saw: it stays.
            if run_id is None and evaluated_at >= started_at:
                newer.add(h)
            else:
                before[h] = tuple(held)
    for chunk in chunks:
        in_chunk(chunk).exclude(household_id__in=newer).update(
            evaluated_at=run.created_at, on=run.on, run=run
        )
    cleared = [h for h, held in before.items() if h not in screenings and held != NOTHING]
    for start in range(0, len(cleared), CHUNK):
        Current.objects.filter(household_id__in=cleared[start : start + CHUNK]).update(
            **dict(zip(HELD, NOTHING, strict=True))
        )
    fresh = [
        current_row(h, None, evaluated_at=run.created_at, on=run.on, run=run, reported=False)
        for h in ids
        if h not in before and h not in newer and h not in screenings
    ]
    changed = [
        current_row(h, s, evaluated_at=run.created_at, on=run.on, run=run, reported=s.at_risk)
        for h, s in screenings.items()
        if h not in newer and before.get(h) != _held(s)
    ]
    for rows in (fresh, changed):
        for start in range(0, len(rows), BATCH):
            Current.objects.bulk_create(
                rows[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["household"],
                update_fields=[*UPDATED, "reported"],
            )
    results = [
        Result(
            run=run,
            household_id=h,
            category=s.category,
            codes=list(s.codes),
            risk_types=list(s.risk_types),
            explanations=s.explanations(),
        )
        for h, s in screenings.items()
        if s.at_risk
    ]
    for start in range(0, len(results), BATCH):
        Result.objects.bulk_create(results[start : start + BATCH])
    newly = [
        h
        for h, s in screenings.items()
        if s.at_risk
        and h not in newer
        and not (h in before and before[h][CATEGORY] is not None and before[h][REPORTED])
    ]
    if newly:
        leads_raise(
            channel=Channel.SCREENING,
            reference=f"run:{run.pk}",
            signals=[
                SignalIn(
                    household_id=h,
                    detail=screenings[h].explanations(),
                    category=screenings[h].category,
                    risk_types=tuple(screenings[h].risk_types),
                )
                for h in newly
            ],
            at=run.created_at,
        )
    return len(newly)


@result_describer("engine.screen", "run")
def _run_line(value: Any) -> Line:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return Line(_("Screening run"), f"#{value}", reverse("engine:run", args=[value]))


@job_handler("engine.screen")
def screen_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``on`` (ISO date), ``region`` (a code, or null for all), ``engine`` (duckdb or spark),
    ``snapshot`` (a Parquet directory, or null for the database), ``incremental`` (bool)."""
    region = Region.objects.get(code=params["region"]) if params.get("region") else None
    run = screening_run(
        on=date.fromisoformat(params["on"]),
        region=region,
        progress=progress,
        engine=params.get("engine") or "duckdb",
        snapshot_dir=Path(params["snapshot"]) if params.get("snapshot") else None,
        incremental=bool(params.get("incremental")),
    )
    job_record(
        job="engine.screen",
        user=User.objects.filter(pk=params["user"]).first() if params.get("user") else None,
        region=region,
        sha256=input_sha256(params["snapshot"].encode()) if params.get("snapshot") else "",
        created=run.leads,  # leads raised
        updated=run.households,  # households whose current screening was replaced
        detail={"run": run.pk, "households": run.households, "flagged": run.flagged},
    )
    return {
        "run": run.pk,
        "engine": run.engine,
        "incremental": run.incremental,
        "households": run.households,
        "flagged": run.flagged,
        "leads": run.leads,
        "seconds": round(run.seconds, 2),
    }


def screening_start(*, actor: User, on: date, engine: str = "duckdb", incremental: bool = False) -> Job:
    """Queue a screening of the actor's own region as of a date (a job with progress), from a page or the API."""
    gate.require(actor, Run, "add")
    params = {
        "on": on.isoformat(),
        "region": actor.region.code,
        "engine": engine,
        "incremental": incremental,
        "user": actor.pk,  # for the audit trail
    }
    return job_enqueue(kind="engine.screen", params=params, user=actor, region=actor.region)
