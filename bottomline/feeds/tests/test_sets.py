"""Feeds applied in sets (issue #16 item 5): queries that do not grow with the rows, one screening per changed
household, and chunked commits that a second load of the same file finishes after a crash."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bottomline.engine.models import Current
from bottomline.feeds import services
from bottomline.feeds.models import Event, FeedBatch, FeedRecord, UnmatchedRow
from bottomline.feeds.tests.conftest import Home, filled, load
from bottomline.monitoring.models import Channel, Lead
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

NOW = datetime(2026, 4, 1, 9)


def _households(cadre: Any, village: Any, count: int, first: int = 100) -> list[tuple[Household, str]]:
    made = []
    for sequence in range(first, first + count):
        h = household(cadre, village)
        number = id_number(sequence=sequence)
        member(cadre, h, number, labour="ordinary")
        income_record(
            actor=cadre,
            household_id=h.pk,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            wage=Decimal("30000"),
        )
        made.append((h, number))
    return made


def _claims(people: list[tuple[Household, str]], *, prefix: str = "C") -> list[dict[str, str]]:
    """Two claims per person: a serious illness (25,000 yuan, a sudden event) and a small one."""
    rows = []
    for at, (_h, number) in enumerate(people):
        rows.append(
            {
                "id_number": number,
                "claim_number": f"{prefix}{at}a",
                "settled_on": "2025-06-01",
                "out_of_pocket": "25000",
                "serious_illness": "是",
            }
        )
        rows.append(
            {
                "id_number": number,
                "claim_number": f"{prefix}{at}b",
                "settled_on": "2025-07-01",
                "out_of_pocket": "12.50",
            }
        )
    return rows


def _state(ids: list[int]) -> dict[str, Any]:
    """What a load leaves behind, without the batch's ids (a second load has another batch)."""
    return {
        "incomes": sorted(
            IncomeRecord.objects.filter(household_id__in=ids).values_list(
                "household_id", "period_start", "medical_out_of_pocket", "household_size"
            )
        ),
        "events": sorted(Event.objects.values_list("household_id", "kind", "occurred_on")),
        "applied": sorted(FeedRecord.objects.values_list("key", "household_id", "member_id")),
        "unmatched": sorted(UnmatchedRow.objects.values_list("key", "reason")),
        "current": sorted(
            (c.household_id, c.category, tuple(c.codes), c.reported)
            for c in Current.objects.filter(household_id__in=ids)
        ),
        "leads": sorted(
            Lead.objects.filter(signals__channel=Channel.DEPARTMENT).values_list("household_id", "category")
        ),
        "unfinished": FeedBatch.objects.filter(finished_at__isnull=True).count(),
    }


@pytest.mark.django_db
def test_a_load_stopped_half_way_is_finished_by_loading_the_file_again(
    home: Home, personas: dict[str, Any], tree: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """A crash at chunk k keeps chunks 1..k-1; the same file loaded again gives the end state of one whole load:
    each claim counted once, the same events, screenings and leads."""
    officer = personas["department_officer"]
    people = _households(personas["village_cadre"], tree.village, 5)
    ids = [h.pk for h, _n in people]
    path = filled(tmp_path, "medical_claims", _claims(people))
    monkeypatch.setattr(services, "CHUNK", 3)  # 10 rows: 4 chunks
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():  # the whole load, undone afterwards: the end state to reach
            whole = load(path, "medical_claims", officer)
            expected = _state(ids)
            transaction.set_rollback(True)
        assert whole.committed and whole.applied == 10 and expected["leads"], whole.as_dict()

        from bottomline.registry.incomes import incomes_add_write as real

        calls: list[int] = []

        def crash_in_the_second_chunk(**kwargs: Any) -> Any:
            result = real(**kwargs)
            calls.append(1)
            if len(calls) == 2:  # its writes done, the chunk's transaction not committed
                raise RuntimeError("the worker died")
            return result

        monkeypatch.setattr(services, "incomes_add_write", crash_in_the_second_chunk)
        with pytest.raises(RuntimeError):
            load(path, "medical_claims", officer)
        half = _state(ids)
        assert len(half["applied"]) == 3 and half["unfinished"] == 1  # the first chunk only
        monkeypatch.setattr(services, "incomes_add_write", real)
        again = load(path, "medical_claims", officer)
    assert (again.applied, again.unchanged) == (7, 3)
    assert _state(ids) == expected
    assert FeedBatch.objects.filter(finished_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_feeds_queries_do_not_grow_with_its_rows(
    home: Home, personas: dict[str, Any], tree: Any, tmp_path: Path
) -> None:
    """Issue #16: 16–17 queries per row; in sets, a load's queries are per chunk, not per row."""
    officer = personas["department_officer"]
    few = _households(personas["village_cadre"], tree.village, 2, first=200)
    many = _households(personas["village_cadre"], tree.village, 12, first=300)
    counts = []
    with time_machine.travel(NOW, tick=False):
        for people, prefix in ((few, "F"), (many, "M")):
            path = filled(tmp_path, "medical_claims", _claims(people, prefix=prefix), name=f"{prefix}.csv")
            with CaptureQueriesContext(connection) as queries:
                report = load(path, "medical_claims", officer)
            assert report.applied == 2 * len(people)
            counts.append(len(queries))
    assert counts[1] - counts[0] <= 4, counts  # 4 rows against 24 rows


@pytest.mark.django_db
def test_each_changed_household_is_screened_once(
    home: Home, personas: dict[str, Any], tree: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Issue #16: each household was screened twice (online after each row's change, then for the alert)."""
    from bottomline.engine import online
    from bottomline.registry import features

    officer = personas["department_officer"]
    people = _households(personas["village_cadre"], tree.village, 3, first=400)
    screened: list[int] = []
    real, real_many = features.household_screening, features.households_screening

    def counted(**kwargs: Any) -> Any:
        screened.append(kwargs["household"].pk)
        return real(**kwargs)

    def counted_many(**kwargs: Any) -> Any:
        screened.extend(h.pk for h in kwargs["households"])
        return real_many(**kwargs)

    for module in (online, services):
        monkeypatch.setattr(module, "household_screening", counted)
    monkeypatch.setattr(online, "households_screening", counted_many)
    with time_machine.travel(NOW, tick=False):
        report = load(filled(tmp_path, "medical_claims", _claims(people)), "medical_claims", officer)
    assert report.leads == 3
    assert sorted(screened) == sorted(h.pk for h, _n in people)


@pytest.mark.django_db
@pytest.mark.parametrize("feed_type", ["medical_claims", "employment"])
def test_chunks_of_any_size_leave_the_same_state(
    home: Home, personas: dict[str, Any], tree: Any, tmp_path: Path, monkeypatch: Any, feed_type: str
) -> None:
    """The rows of a household spread over the file (and over chunks) add up as in one chunk: amounts of two
    periods, a claim no period contains, the later row of a member winning, the same events and leads."""
    officer = personas["department_officer" if feed_type == "medical_claims" else "county_officer"]
    cadre = personas["village_cadre"]
    people = _households(cadre, tree.village, 4, first=500)
    for h, _n in people[:2]:  # a second period: claims of 2024 go to it
        income_record(
            actor=cadre,
            household_id=h.pk,
            period_start=date(2024, 1, 1),
            period_end=date(2024, 12, 31),
            wage=Decimal("9000"),
        )
    ids = [h.pk for h, _n in people]
    if feed_type == "medical_claims":
        rows = [
            {
                "id_number": people[at % 4][1],
                "claim_number": f"K{at}",
                "settled_on": ("2024-03-01", "2025-05-01", "2023-01-01")[at % 3],  # 2023: no period
                "out_of_pocket": f"{1000 + at * 731}.25",
                "serious_illness": "是" if at % 5 == 0 else "否",
            }
            for at in range(14)
        ]
    else:
        rows = [
            {
                "id_number": people[at % 4][1],
                "months_worked": str(at % 12),
                "status": ("就业", "失业")[at % 2],
                "labour": ("普通劳动力", "弱劳动力或半劳动力", "")[at % 3],
                "changed_on": f"2026-0{1 + at % 3}-15",
            }
            for at in range(14)
        ]
    path = filled(tmp_path, feed_type, rows)
    states = []
    with time_machine.travel(NOW, tick=False):
        for chunk in (1000, 3):
            monkeypatch.setattr(services, "CHUNK", chunk)
            with transaction.atomic():
                report = load(path, feed_type, officer)
                assert report.committed and not report.errors, report.as_dict()
                state = _state(ids)
                state["members"] = sorted(
                    Member.objects.filter(household_id__in=ids).values_list("pk", "months_worked", "labour")
                )
                states.append((report.as_dict() | {"batch": None}, state))
                transaction.set_rollback(True)
    assert states[0] == states[1]


@pytest.mark.django_db
def test_a_feed_leaves_sqlites_write_lock_free_after_holding_it_a_while(monkeypatch: Any) -> None:
    """A page that writes polls for the lock every 100 ms: after HOLD seconds held, a pause longer than that."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    clock = iter([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 1.05])
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    turns = services.Turns()
    for _ in range(4):  # held 0.1, then 0.05 (0.15), then 0.2 (0.35: a pause), then 0.05
        with turns.turn():
            pass
    if connection.vendor == "sqlite":
        assert slept == [services.Turns.PAUSE] and turns.held == pytest.approx(0.05)
        assert services.Turns.PAUSE > 0.1
    else:
        assert slept == []
