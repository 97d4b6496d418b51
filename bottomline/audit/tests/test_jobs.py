"""Bulk writes leave one audit event each: who, when, the region, the input's hash and the counts."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bottomline.audit.models import Event, EventKind
from bottomline.engine.models import Run
from bottomline.engine.services import screening_start
from bottomline.feeds.tests.conftest import HEAD_ID, NOBODY_ID, filled, home, load  # noqa: F401  (home: a fixture)
from bottomline.monitoring.casework import cases_bulk_step
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.tests.test_import import rows, run, write_csv


def _job(name: str) -> Event:
    return Event.objects.get(kind=EventKind.JOB, target=name)


def _counts(event: Event) -> tuple[int, ...]:
    return tuple(event.detail[k] for k in ("created", "updated", "unchanged", "refused"))


@pytest.mark.django_db
def test_a_committed_registry_import_is_one_job_event_with_the_files_hash(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    path = write_csv(tmp_path / "archive.csv", rows(tree))
    run(path, officer, commit=False)  # a check writes nothing: no event
    assert not Event.objects.filter(kind=EventKind.JOB).exists()
    report = run(path, officer)
    event = _job("registry.import")
    assert (event.actor, event.region) == (officer, tree.township)  # the file names villages of the township
    assert event.detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    created = report.households_created + report.members_created
    assert created > 0 and _counts(event) == (created, 0, 0, 0)


@pytest.mark.django_db
def test_a_committed_feed_load_is_one_job_event(
    home: Any,  # noqa: F811  (the feeds' fixture, imported above)
    tree: Any,
    personas: dict[str, Any],
    tmp_path: Path,
) -> None:
    officer = personas["county_officer"]
    path = filled(
        tmp_path,
        "housing",
        [
            {"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"},
            {"id_number": NOBODY_ID, "grade": "D", "appraised_on": "2026-05-20"},
        ],
    )
    report = load(path, "housing", officer)
    event = _job("feeds.load")
    assert (event.actor, event.region) == (officer, officer.region)
    assert event.detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event.detail["batch"] == report.batch
    assert _counts(event) == (0, 1, 0, 1)


@pytest.mark.django_db
def test_a_bulk_step_is_one_job_event(tree: Any, personas: dict[str, Any]) -> None:
    approval = walk(open_case(personas, tree.village, sequence=1), personas, State.APPROVAL)
    visit = open_case(personas, tree.village, sequence=2)
    officer = personas["county_officer"]
    cases_bulk_step(actor=officer, case_ids=[approval.pk, visit.pk], action="approve")
    event = _job("monitoring.bulk_step")
    assert (event.actor, event.region) == (officer, officer.region)
    assert event.detail["sha256"] == hashlib.sha256(f"approve:{approval.pk},{visit.pk}".encode()).hexdigest()
    assert _counts(event) == (0, 1, 0, 1)


@pytest.mark.django_db
def test_a_screening_run_is_one_job_event(
    tree: Any, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    open_case(personas, tree.village, sequence=1)
    officer = personas["county_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        screening_start(actor=officer, on=date(2026, 6, 1))
    event = _job("engine.screen")
    assert (event.actor, event.region) == (officer, officer.region)
    run = Run.objects.get()
    assert event.detail["run"] == run.pk and _counts(event) == (run.leads, run.households, 0, 0)
