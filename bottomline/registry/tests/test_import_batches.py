"""An import checks batch by batch, then writes in one transaction: a problem in a later batch leaves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bottomline.registry import importing
from bottomline.registry.models import Household, Member
from bottomline.registry.tests.test_import import rows, run, write_csv


@pytest.fixture
def one_row_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "POOL_BATCH", 1)  # every row its own batch


@pytest.mark.django_db
@pytest.mark.usefixtures("one_row_batches")
def test_a_bad_row_in_the_last_batch_leaves_nothing_written(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data[2][2] = "富裕户"  # the last row's household type
    report = run(write_csv(tmp_path / "late.csv", data), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(4, "户类型")]
    assert (report.households_created, report.members_created) == (0, 0)
    assert Household.objects.count() == Member.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("one_row_batches")
def test_a_person_repeated_in_a_later_batch_is_a_repeat_not_a_registered_person(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data.append(list(data[0]))
    report = run(write_csv(tmp_path / "twice.csv", data), personas["county_officer"])
    assert [(e.row, e.message) for e in report.errors] == [(5, "The same person is on row 2 too.")]
    assert (report.unchanged, Member.objects.count()) == (0, 0)


@pytest.mark.django_db
@pytest.mark.usefixtures("one_row_batches")
def test_batches_import_the_same_and_a_reupload_changes_nothing(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    path = write_csv(tmp_path / "archive.csv", rows(tree))
    officer = personas["county_officer"]
    assert run(path, officer, commit=False).errors == []
    assert Household.objects.count() == 0  # a check writes nothing
    first = run(path, officer)
    assert (first.errors, first.households_created, first.members_created) == ([], 2, 3)
    assert sorted(Member.objects.values_list("household__number", "name")) == [
        ("H001", "李秀英"),
        ("H001", "王建国"),
        ("H002", "马海燕"),
    ]
    again = run(path, officer)
    assert (again.households_created, again.members_created, again.unchanged) == (0, 0, 3)
