"""A Parquet snapshot carries a household → county index: a run over some households opens only the counties
that hold them (an incremental run or a county's run need not scan the province)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from bottomline.engine.parquet import INDEX, PART, snapshot_read, snapshot_write
from bottomline.engine.snapshot import SCHEMAS, Snapshot


def _snapshot() -> Snapshot:
    households = pa.table(
        {
            "household_id": pa.array([1, 2, 3, 4], pa.int64()),
            "village_code": ["630106100201", "630106100202", "520102100201", "520102100202"],
            "household_type": ["lifted", "ordinary", "lifted", "ordinary"],
            "welfare": ["none"] * 4,
            "housing_grade": ["A", "B", "C", "A"],
            "safe_water": [True, True, False, True],
            "monitored_since": pa.array([None] * 4, pa.date32()),
        }
    )
    members = pa.table(
        {
            "household_id": pa.array([1, 1, 2, 3, 4], pa.int64()),
            "birth_date": pa.array([date(1980, 1, 1)] * 5, pa.date32()),
            "student_status": ["none"] * 5,
            "labour": ["ordinary"] * 5,
            "medical_insurance": [True, False, True, True, True],
        }
    )
    return Snapshot(
        households=households,
        members=members,
        incomes=SCHEMAS["incomes"].empty_table(),
        events=SCHEMAS["events"].empty_table(),
    )


def test_a_read_of_some_households_opens_only_their_counties(tmp_path: Path) -> None:
    snapshot_write(_snapshot(), tmp_path)
    assert (tmp_path / INDEX).is_file()
    for table in ("households", "members"):  # another county's files, unreadable: never opened
        (tmp_path / table / "county=520102" / PART).write_bytes(b"not parquet")
    back = snapshot_read(tmp_path, households=pa.array([2], pa.int64()))
    assert back.households.column("household_id").to_pylist() == [2]
    assert back.members.column("household_id").to_pylist() == [2]
    nowhere = snapshot_read(tmp_path, households=pa.array([99], pa.int64()))
    assert nowhere.households.num_rows == 0 and nowhere.members.num_rows == 0
