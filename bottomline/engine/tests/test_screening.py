"""Batch runs, current screenings, incremental runs, leads, Parquet snapshots and the online path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from bottomline.engine import services
from bottomline.engine.models import Current, Result, Run
from bottomline.engine.online import current_refresh
from bottomline.engine.parquet import snapshot_read, snapshot_write
from bottomline.engine.snapshot import read_snapshot
from bottomline.jobs.progress import NullProgress
from bottomline.monitoring.models import Lead, LeadStatus, Signal
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import household_update, income_record
from bottomline.registry.tests.factories import household, id_number, member

ON = date(2026, 11, 1)


def _income(actor: Any, h: Household, wage: str, year: int = 2025, **more: str) -> None:
    amounts: dict[str, Any] = {k: Decimal(v) for k, v in more.items()}
    income_record(
        actor=actor,
        household_id=h.pk,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        wage=Decimal(wage),
        **amounts,
    )


@pytest.fixture
def registry(tree: Any, personas: dict[str, Any]) -> dict[str, Household]:
    """Six households across two townships and a sibling village: at risk, steady, and in between."""
    call_command("policy_seed")
    cadre, county = personas["village_cadre"], personas["county_officer"]
    made: dict[str, Household] = {}
    for n, (name, village, wage) in enumerate(
        [
            ("poor", tree.village, "4000"),
            ("steady", tree.village, "40000"),
            ("sick", tree.other_township_village, "30000"),
            ("steady2", tree.other_township_village, "50000"),
            ("steady3", tree.sibling_village, "45000"),
            ("empty", tree.sibling_village, None),
        ]
    ):
        actor = cadre if village == tree.village else county
        h = household(actor, village, household_type="ordinary" if n % 2 else "lifted")
        if wage is not None:
            member(actor, h, id_number(sequence=n + 1))
            for year in (2024, 2025):
                _income(
                    actor, h, wage, year, **({"medical_out_of_pocket": "25000"} if name == "sick" else {})
                )
        made[name] = h
    return made


def run(**options: Any) -> Run:
    return services.screening_run(on=ON, progress=NullProgress(), **options)


def state() -> dict[int, tuple[Any, ...]]:
    return {
        c.household_id: (c.category, c.codes, c.risk_types, c.explanations, c.score)
        for c in Current.objects.all()
    }


@pytest.mark.django_db(transaction=True)
def test_a_full_run_keeps_every_household_current_and_leads_only_the_new(
    registry: dict[str, Household],
) -> None:
    first = run()
    assert first.households == 6 and not first.incremental
    current = {c.household_id: c for c in Current.objects.all()}
    assert set(current) == {h.pk for h in registry.values()}
    poor, sick = current[registry["poor"].pk], current[registry["sick"].pk]
    assert (poor.run_id, poor.category, "income_below_line" in poor.codes) == (first.pk, 1, True)
    assert sick.category == 3 and "rigid_spending" in sick.codes and sick.score >= 70
    assert "刚性支出" in sick.explanations["zh"][0] and "rigid spending" in sick.explanations["en"][0]
    assert current[registry["steady"].pk].codes == ["ready_for_elimination"]
    assert current[registry["steady"].pk].score == 0
    at_risk = {h for h, c in current.items() if c.category is not None}
    assert first.leads == len(at_risk) >= 2
    leads = Lead.objects.filter(status=LeadStatus.OPEN)
    assert set(leads.values_list("household_id", flat=True)) == at_risk
    signal = Signal.objects.get(lead__household_id=registry["sick"].pk)
    assert (signal.reference, signal.detail) == (f"run:{first.pk}", sick.explanations)

    second = run()  # the same registry: nobody is newly at risk
    assert second.leads == 0
    assert Lead.objects.filter(status=LeadStatus.OPEN).count() == len(at_risk)
    assert Signal.objects.count() == len(at_risk)
    assert Result.objects.filter(run=second).count() == Result.objects.filter(run=first).count()


@pytest.mark.django_db(transaction=True)
def test_a_run_writes_only_the_screenings_that_changed(registry: dict[str, Household]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = run()
    held = state()
    Household.objects.filter(pk=registry["steady"].pk).update(housing_grade="D", updated_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        second = run()
    writes = [q["sql"] for q in captured.captured_queries if "engine_current" in q["sql"]]
    inserts = [sql for sql in writes if sql.lstrip().upper().startswith("INSERT INTO ENGINE_CURRENT")]
    # One household changed (its housing became dangerous): one row written, the others left as they were.
    assert len(inserts) == 1 and inserts[0].count("), (") == 0  # a single row of VALUES
    after = state()
    assert {h for h in held if held[h] != after[h]} == {registry["steady"].pk}
    # Only the changed row is written and stamped with the second run; the others keep the first.
    stamped = dict(Current.objects.values_list("household_id", "run_id"))
    assert stamped == {h: second.pk if h == registry["steady"].pk else first.pk for h in held}
    # Results are kept for the households at risk alone.
    at_risk = {h for h, (category, *_rest) in after.items() if category is not None}
    assert set(Result.objects.filter(run=second).values_list("household_id", flat=True)) == at_risk
    assert first.pk != second.pk


@pytest.mark.django_db(transaction=True)
def test_an_unchanged_household_at_risk_keeps_its_result_when_saved_online_during_the_run(
    registry: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run()
    kept = {r.household_id: (r.category, r.codes, r.explanations) for r in Result.objects.filter(run=first)}
    poor = registry["poor"].pk
    assert poor in kept
    read = services._stored_digests
    inserted: list[list[int]] = []

    def then_saved_online(cursor: Any, chunk: Any) -> Any:
        found = read(cursor, chunk)  # the digests as the run reads them; then a save screens one household
        Current.objects.filter(household_id=poor).update(digest=None, run=None, evaluated_at=timezone.now())
        return found

    def spied(cursor: Any, run_: Run, held: Any, households: list[int]) -> None:
        inserted.append(households)
        insert(cursor, run_, held, households)

    insert = services._results_insert
    with monkeypatch.context() as patched:
        patched.setattr(services, "_stored_digests", then_saved_online)
        patched.setattr(services, "_results_insert", spied)
        second = run()
    # The results of the unchanged rows at risk are copied from the stored rows; the one saved since it was read
    # is built from what the run found, explanations and all.
    assert inserted == [[poor]]
    results = {
        r.household_id: (r.category, r.codes, r.explanations) for r in Result.objects.filter(run=second)
    }
    assert results == kept
    assert Current.objects.get(household_id=poor).run_id is None  # the newer row stays as saved


@pytest.mark.django_db(transaction=True)
def test_a_run_over_an_unchanged_registry_rewrites_no_screening_and_the_page_names_it(
    registry: dict[str, Household], personas: dict[str, Any]
) -> None:
    from bottomline.engine.why import why_of_household
    from bottomline.registry import selectors

    first = run()
    written = dict(Current.objects.values_list("household_id", "evaluated_at"))
    second = run()
    assert second.leads == 0
    # Nothing changed: no row is rewritten, none stamped again (the nightly run's cost at a province's size).
    assert dict(Current.objects.values_list("household_id", "evaluated_at")) == written
    assert set(Current.objects.values_list("run_id", flat=True)) == {first.pk}
    # The household page tells the latest run that saw the household, and since when it holds the same.
    viewer = personas["county_officer"]
    home = selectors.household_get(viewer=viewer, household_id=registry["steady"].pk)
    why = why_of_household(viewer=viewer, household=home, language="en")
    assert why is not None and why.run_id == second.pk
    assert why.unchanged_since == written[registry["steady"].pk]
    # A save screened online has no digest: the next run writes its row again, with its own.
    current_refresh(registry["steady"])
    assert Current.objects.get(household=registry["steady"]).digest is None
    third = run()
    assert Current.objects.get(household=registry["steady"]).run_id == third.pk


@pytest.mark.django_db(transaction=True)
def test_a_run_writes_from_arrow_in_bounded_chunks_without_a_screening_per_household(
    registry: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bottomline.rules.screening

    def per_household(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a Screening object built for one household of a batch run")

    with monkeypatch.context() as patched:
        patched.setattr(bottomline.rules.screening, "conclude", per_household)
        patched.setattr(services, "CHUNK", 2)  # six households: three chunks
        chunked = run()
    assert chunked.households == 6 and chunked.leads >= 2
    held, leads = state(), set(Lead.objects.values_list("household_id", flat=True))
    results = {r.household_id: (r.category, r.explanations) for r in Result.objects.filter(run=chunked)}
    Current.objects.all().delete()
    whole = run()
    assert state() == held and set(Lead.objects.values_list("household_id", flat=True)) == leads
    assert {r.household_id: (r.category, r.explanations) for r in Result.objects.filter(run=whole)} == results


@pytest.mark.django_db(transaction=True)
def test_explanations_are_written_for_households_at_risk_and_built_when_viewed_for_the_others(
    registry: dict[str, Household], personas: dict[str, Any]
) -> None:
    from bottomline.engine.why import why_of_household
    from bottomline.registry import selectors

    run()
    steady = Current.objects.get(household=registry["steady"])
    assert steady.category is None and steady.codes == ["ready_for_elimination"]
    assert steady.explanations == {"en": [], "zh": []}  # not at risk: nothing written
    poor = Current.objects.get(household=registry["poor"])
    assert poor.category is not None and len(poor.explanations["en"]) == len(poor.codes)
    viewer = personas["county_officer"]
    home = selectors.household_get(viewer=viewer, household_id=registry["steady"].pk)
    why = why_of_household(viewer=viewer, household=home, language="zh-hans")
    assert why is not None
    (row,) = [r for r in why.rows if r[0] == "ready_for_elimination"]
    assert (
        row[2] and row[3] and any("\u4e00" <= ch <= "\u9fff" for ch in row[3])
    )  # holds, explained in Chinese


def _change_behind_the_services(registry: dict[str, Household], monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes a bulk import or a feed makes without the online path seeing them."""
    now = timezone.now()
    Household.objects.filter(pk=registry["steady"].pk).update(housing_grade="D", updated_at=now)
    Member.objects.filter(household=registry["steady2"]).update(medical_insurance=False, updated_at=now)
    IncomeRecord.objects.create(
        household=registry["steady3"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        household_size=1,
        wage=Decimal("1000"),
    )
    # A department feed touched "poor" (its income is raised here, as a feed of employment changes might).
    IncomeRecord.objects.filter(household=registry["poor"]).update(
        wage=Decimal("90000"), per_capita_net_income=Decimal("90000"), net_income=Decimal("90000")
    )
    monkeypatch.setattr(services, "TOUCHED_SOURCES", [lambda *, since: {registry["poor"].pk}])


@pytest.mark.django_db(transaction=True)
def test_the_households_touched_since_a_run_are_found_by_index_not_by_reading_every_row(
    registry: dict[str, Household],
) -> None:
    """W2 (issue #16 item 3): an incremental run's first step reads the rows changed since the previous run; with
    10M members and incomes a scan of every row would cost the run seconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    since = timezone.now()
    Household.objects.filter(pk=registry["poor"].pk).update(updated_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        assert services.registry_touched(since) == {registry["poor"].pk}
    tables = ("registry_household", "registry_member", "registry_incomerecord")
    reads = [q["sql"] for q in captured.captured_queries if any(f'FROM "{t}"' in q["sql"] for t in tables)]
    assert len(reads) == 3
    with connection.cursor() as cursor:
        for sql in reads:
            if connection.vendor == "postgresql":
                cursor.execute("SET enable_seqscan = off")  # the tables are tiny here: as a large one is read
                cursor.execute(f"EXPLAIN {sql}")
                plan = " ".join(row[0] for row in cursor.fetchall())
                cursor.execute("RESET enable_seqscan")
                assert "_updated" in plan and "Seq Scan" not in plan, plan
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert "_updated" in plan and "SCAN" not in plan.replace("SCAN CONSTANT", ""), plan


@pytest.mark.django_db(transaction=True)
def test_an_incremental_run_equals_a_full_run(
    registry: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    run()
    before = state()
    _change_behind_the_services(registry, monkeypatch)

    incremental = run(incremental=True)
    assert incremental.incremental
    touched = {registry[n].pk for n in ("steady", "steady2", "steady3", "poor")}
    assert incremental.households == len(touched)
    after_incremental = state()
    assert {h for h in before if before[h] != after_incremental[h]} == touched  # every change seen

    full = run()
    assert not full.incremental and full.households == 6
    assert state() == after_incremental
    assert incremental.leads == 3 and full.leads == 0  # steady, steady2 and steady3 are newly at risk


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_during_its_write_is_not_the_next_ones_baseline(
    registry: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run()
    assert first.finished_at is not None
    _change_behind_the_services(registry, monkeypatch)

    def killed(*args: Any) -> None:  # the process dies with the write half done
        raise SystemExit("kill -9")

    with monkeypatch.context() as cut:
        cut.setattr(services, "NEWLY_AT_RISK", [killed])
        with pytest.raises(SystemExit):
            run(incremental=True)
    dead = Run.objects.latest("id")
    assert dead.pk != first.pk and dead.finished_at is None
    assert services.previous_run(None) == first

    again = run(incremental=True)  # screens what changed since the last finished run, not since the dead one
    assert again.incremental and again.households == 4
    assert again.leads == 3
    assert again.finished_at is not None and services.previous_run(None) == again


@pytest.mark.django_db(transaction=True)
def test_an_incremental_run_without_a_previous_run_or_after_a_policy_change_is_full(
    registry: dict[str, Household], personas: dict[str, Any], tree: Any
) -> None:
    from bottomline.policy.services import parameter_set

    assert not run(incremental=True).incremental
    assert run(incremental=True).households == 0  # nothing touched since
    parameter_set(
        actor=personas["province_officer"],
        name="monitoring_line",
        region=tree.province,
        value=Decimal("50000"),
        effective_from=date(2026, 1, 1),
        source="test",
    )
    again = run(incremental=True)
    assert not again.incremental and again.households == 6


@pytest.mark.django_db
def test_a_save_through_the_services_updates_the_current_screening(
    tree: Any, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    h = household(cadre, tree.village)
    assert Current.objects.get(household=h).run is None  # screened online on registration
    member(cadre, h, id_number(sequence=7))
    _income(cadre, h, "3000")
    current = Current.objects.get(household=h)
    assert (current.category, current.run) == (1, None)
    assert "income_below_line" in current.codes and "3,000" in current.explanations["en"][0]
    household_update(actor=cadre, household_id=h.pk, housing_grade="C")
    assert "dangerous_housing" in Current.objects.get(household=h).codes
    Current.objects.filter(household=h).update(reported=True)
    _income(cadre, h, "60000", year=2026)  # income recovers, but the house is still dangerous
    current = Current.objects.get(household=h)
    assert "income_below_line" not in current.codes
    assert (current.category, current.reported) == (1, True)  # still at risk: the lead stays raised
    fresh = Household.objects.get(pk=h.pk)
    with django_assert_max_num_queries(5):  # members, incomes, events, cases, the upsert (parameters cached)
        current_refresh(fresh)


@pytest.mark.django_db(transaction=True)
def test_parquet_snapshot_round_trip_and_screening_from_it(
    registry: dict[str, Household], tmp_path: Path
) -> None:
    snapshot = read_snapshot()
    counts = snapshot_write(snapshot, tmp_path)
    assert counts["households"] == 6 and counts["members"] == 5 and counts["incomes"] == 10
    assert [p.name for p in (tmp_path / "households").iterdir()] == ["county=630106"]
    back = snapshot_read(tmp_path)
    for name in ("households", "members", "incomes"):
        ours, theirs = getattr(snapshot, name), getattr(back, name)
        key = [(c, "ascending") for c in ours.column_names]
        assert theirs.column_names == ours.column_names
        assert theirs.sort_by(key).equals(ours.cast(theirs.schema).sort_by(key)), name
    call_command("screen", "--on", ON.isoformat())
    from_db = state()
    call_command("snapshot_export", str(tmp_path))
    call_command("screen", "--on", ON.isoformat(), "--snapshot", str(tmp_path))
    parquet_run = Run.objects.first()
    assert parquet_run is not None and parquet_run.source == str(tmp_path.resolve())
    assert state() == from_db


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dense", [True, False], ids=["ids-as-a-range", "ids-one-by-one"])
def test_a_parquet_run_leaves_out_the_households_the_database_no_longer_holds(
    registry: dict[str, Household], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    call_command("snapshot_export", str(tmp_path))
    gone = registry["steady3"].pk
    IncomeRecord.objects.filter(household_id=gone).delete()
    Member.objects.filter(household_id=gone).delete()
    Household.objects.filter(pk=gone).delete()
    monkeypatch.setattr(services, "_dense", lambda *_args: dense)
    from_parquet = run(snapshot_dir=tmp_path)
    assert from_parquet.households == 5
    assert set(Current.objects.values_list("household_id", flat=True)) == {
        h.pk for name, h in registry.items() if name != "steady3"
    }


@pytest.mark.django_db(transaction=True)
def test_a_parquet_run_screens_a_group_of_counties_at_a_time(
    registry: dict[str, Household], tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Memory bounded by a group of counties, not by the snapshot (issue #16 item 2): with a group of one
    household each county is read alone, kept on disk, and the run writes what one run over all would."""
    from bottomline.engine import parquet
    from conftest import user_make

    officer = user_make("county_officer", tree.other_county)
    for n, wage in enumerate(("3000", "60000")):
        h = household(officer, tree.other_county_village)
        member(officer, h, id_number(sequence=20 + n))
        _income(officer, h, wage)
    call_command("snapshot_export", str(tmp_path))
    assert parquet.county_groups(tmp_path, None, 10**6) == [["630106", "630121"]]
    assert parquet.county_groups(tmp_path, None, 1) == [["630106"], ["630121"]]
    assert parquet.county_groups(tmp_path, ["630121"], 1) == [["630121"]]
    read: list[list[str] | None] = []
    table_read = parquet.table_read

    def recorded(path: Path, name: str, **options: Any) -> Any:
        if name == "households":
            counties = options.get("counties")
            read.append(None if counties is None else sorted(counties))
        return table_read(path, name, **options)

    monkeypatch.setattr(parquet, "table_read", recorded)
    settings.SCREEN_GROUP_HOUSEHOLDS = 1
    grouped = run(snapshot_dir=tmp_path)
    assert read == [["630106"], ["630121"]]
    assert grouped.households == 8 and grouped.leads >= 3
    grouped_state = state()
    at_risk = {h for h, values in grouped_state.items() if values[0] is not None}
    assert set(Result.objects.filter(run=grouped).values_list("household_id", flat=True)) == at_risk
    assert set(Lead.objects.values_list("household_id", flat=True)) == at_risk

    whole = run()  # the database at once: the same screenings, nobody newly at risk
    assert (whole.households, whole.flagged, whole.leads) == (8, grouped.flagged, 0)
    assert state() == grouped_state


def _features_on_the_driver_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """``batch_features`` in this process only for an empty snapshot (the columns of the Spark table): on
    Spark the households' features are computed in the executors."""
    from bottomline.engine import features

    original = features.batch_features

    def refuse(snapshot: Any, *args: Any, **kwargs: Any) -> Any:
        assert snapshot.households.num_rows == 0, "features computed on the driver"
        return original(snapshot, *args, **kwargs)

    monkeypatch.setattr(features, "batch_features", refuse)


@pytest.mark.django_db(transaction=True)
def test_the_same_features_and_rules_on_pyspark(
    registry: dict[str, Household], spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("screen", "--on", ON.isoformat())
    duck = state()
    _features_on_the_driver_refused(monkeypatch)
    call_command("screen", "--on", ON.isoformat(), "--engine", "spark")
    spark_run = Run.objects.first()
    assert spark_run is not None and spark_run.engine == "spark" and spark_run.households == 6
    assert state() == duck


@pytest.mark.django_db(transaction=True)
def test_pyspark_reads_a_parquet_snapshot_county_by_county(
    registry: dict[str, Household], spark: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tree: Any
) -> None:
    from bottomline.engine import parquet

    call_command("snapshot_export", str(tmp_path))
    call_command(
        "screen", "--on", ON.isoformat(), "--snapshot", str(tmp_path), "--region", tree.township.code
    )
    duck = state()
    _features_on_the_driver_refused(monkeypatch)

    def whole_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the driver read the whole snapshot")

    monkeypatch.setattr(parquet, "snapshot_read", whole_read)  # the driver reads the households alone
    call_command(
        "screen",
        "--on",
        ON.isoformat(),
        "--engine",
        "spark",
        "--snapshot",
        str(tmp_path),
        "--region",
        tree.township.code,
    )
    spark_run = Run.objects.first()
    assert spark_run is not None and spark_run.engine == "spark" and spark_run.households == 4
    assert state() == duck


@pytest.mark.django_db(transaction=True)
def test_an_incremental_run_on_a_later_date_screens_who_came_of_school_age(
    registry: dict[str, Household], personas: dict[str, Any]
) -> None:
    from datetime import timedelta

    home = registry["steady"]
    child = id_number(birth=date(ON.year - 6, ON.month, ON.day) - timedelta(days=10), sequence=90)
    member(personas["village_cadre"], home, child, relation="son", student_status="none", labour="none")
    services.screening_run(on=ON - timedelta(days=30), progress=NullProgress())
    assert "out_of_school" not in Current.objects.get(household=home).codes  # five years old then

    incremental = run(incremental=True)
    assert incremental.incremental and incremental.households == 1  # nothing changed but the date
    assert "out_of_school" in Current.objects.get(household=home).codes
    after = state()
    run()
    assert state() == after


def test_date_sensitive_households() -> None:
    import pyarrow as pa

    from bottomline.engine.batch import date_sensitive
    from bottomline.engine.snapshot import Snapshot

    members = pa.table(
        {
            "household_id": pa.array([1, 2, 3, 4], pa.int64()),
            "birth_date": pa.array(
                [date(2020, 10, 20), date(2010, 10, 25), date(2015, 1, 1), date(2020, 12, 1)], pa.date32()
            ),
        }
    )
    events = pa.table(
        {
            "household_id": pa.array([5, 6, 7], pa.int64()),
            "occurred_on": pa.array([date(2026, 10, 15), date(2025, 10, 20), date(2025, 1, 1)], pa.date32()),
        }
    )
    empty = pa.table({"household_id": pa.array([], pa.int64())})
    snapshot = Snapshot(households=empty, members=members, incomes=empty, events=events)
    # 1 turns 6, 2 turns 16; 5's event enters the window, 6's leaves it; 3, 4 and 7 stay as they were.
    assert date_sensitive(snapshot, date(2026, 10, 1), ON) == {1, 2, 5, 6}
    assert date_sensitive(snapshot, ON, ON) == set()


@pytest.mark.django_db
def test_the_household_page_says_why_as_of_the_last_evaluation(
    client: Any, tree: Any, personas: dict[str, Any]
) -> None:
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    h = household(cadre, tree.village)
    member(cadre, h, id_number(sequence=8))
    _income(cadre, h, "3000")
    client.force_login(personas["county_officer"])
    page = client.get(f"/registry/households/{h.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "at the last evaluation" in page and "when the household was last saved" in page
    assert "per-capita net income 3,000 &lt; line 6,700" in page
    # What the page shows is the stored evaluation, not a new one.
    Current.objects.filter(household=h).update(explanations={"en": ["as stored"], "zh": ["已存"]})
    page = client.get(f"/registry/households/{h.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "as stored" in page and "3,000 &lt; line" not in page
    zh = client.get(f"/registry/households/{h.pk}/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "最近一次评估" in zh and "已存" in zh
