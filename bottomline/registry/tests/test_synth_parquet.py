"""The Parquet synth: the snapshot layout, deterministic, calibrated, and readable by the batch engine."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from bottomline.engine.features import batch_features
from bottomline.engine.params import params_by_county
from bottomline.engine.parquet import SCHEMAS, TABLES
from bottomline.engine.snapshot import Snapshot
from bottomline.jobs.progress import NullProgress
from bottomline.privacy.ids import parse_resident_id
from bottomline.registry.services import area_info
from bottomline.registry.synth import Calibration, base_income
from bottomline.registry.synth_parquet import (
    county_population,
    id_numbers,
    read_tables,
    synth_parquet,
)

ON = date(2026, 11, 1)


def write(tree: Any, out: Path, seed: int = 1, scale: float = 0.2) -> dict[str, int]:
    return synth_parquet(
        counties=[tree.county.code, tree.other_county.code],
        out=out,
        seed=seed,
        progress=NullProgress(),
        scale=scale,
        on=ON,
    )


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


@pytest.mark.django_db
def test_layout_is_one_directory_per_table_partitioned_by_county(tree: Any, tmp_path: Path) -> None:
    counts = write(tree, tmp_path / "snap")
    assert sorted(files(tmp_path / "snap")) == sorted(
        [
            *(
                f"{table}/county={county}/part-0.parquet"
                for table in TABLES
                for county in ("630106", "630121")
            ),
            "index/households.parquet",  # household → county, for reads of some households
        ]
    )
    for table in TABLES:
        for county in ("630106", "630121"):
            schema = pq.read_schema(tmp_path / "snap" / table / f"county={county}" / "part-0.parquet")
            assert schema.remove_metadata() == SCHEMAS[table]
    tables = read_tables(tmp_path / "snap")
    assert {name: t.num_rows for name, t in tables.items()} == counts
    ids = tables["households"].column("household_id")
    assert pc.count_distinct(ids).as_py() == len(ids)
    assert set(tables["members"].column("household_id").to_pylist()) <= set(ids.to_pylist())
    codes = tables["households"].column("village_code").to_pylist()
    assert {c[:6] for c in codes} == {"630106", "630121"} and all(len(c) == 12 for c in codes)
    with pytest.raises(FileExistsError):
        write(tree, tmp_path / "snap")


@pytest.mark.django_db
def test_same_seed_same_files_other_seed_other_files(tree: Any, tmp_path: Path) -> None:
    write(tree, tmp_path / "a", seed=5)
    write(tree, tmp_path / "b", seed=5)
    write(tree, tmp_path / "c", seed=6)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")


@pytest.mark.django_db
def test_distributions_are_the_calibrated_ones(tree: Any, tmp_path: Path) -> None:
    c = Calibration()
    write(tree, tmp_path / "snap", scale=1.0)
    t = {name: table.to_pydict() for name, table in read_tables(tmp_path / "snap").items()}
    kind = dict(zip(t["households"]["household_id"], t["households"]["household_type"], strict=True))
    sizes: dict[int, int] = {}
    for h in t["members"]["household_id"]:
        sizes[h] = sizes.get(h, 0) + 1
    lifted = [sizes[h] for h, k in kind.items() if k == "lifted"]
    ordinary = [sizes[h] for h, k in kind.items() if k == "ordinary"]
    assert len(lifted) == 2 * c.lifted_households and len(ordinary) == 2 * int(c.lifted_households * 1.5)
    assert abs(np.mean(lifted) - c.lifted_people / c.lifted_households) < 0.05  # 3.19, Huangzhong
    assert abs(np.mean(ordinary) - c.ordinary_size) < 0.05  # 3.96, Guizhou
    n = len(kind)
    grades = t["households"]["housing_grade"]
    assert abs(sum(g in ("C", "D") for g in grades) / n - c.dangerous_housing) < 0.004
    assert abs(t["households"]["safe_water"].count(False) / n - c.unsafe_water) < 0.003
    welfare = [
        w
        for w, k in zip(t["households"]["welfare"], t["households"]["household_type"], strict=True)
        if k == "lifted"
    ]
    assert abs(welfare.count("dibao") / len(welfare) - c.dibao_lifted) < 0.01
    for event, rate in (
        ("severe_illness", c.illness_shock),
        ("accident", c.income_drop_shock),
        ("disaster", c.disaster_shock),
        ("death", c.death_shock),
    ):
        assert abs(t["events"]["kind"].count(event) / n - rate) < 0.004, event
    assert all(ON.replace(year=ON.year - 1) <= d < ON for d in t["events"]["occurred_on"])
    uninsured = t["members"]["medical_insurance"].count(False) / len(t["members"]["medical_insurance"])
    assert abs(uninsured - c.uninsured) < 0.002
    latest = [
        pcap
        for h, start, pcap in zip(
            t["incomes"]["household_id"],
            t["incomes"]["period_start"],
            t["incomes"]["per_capita_income"],
            strict=True,
        )
        if start.year == ON.year - 1 and kind[h] == "lifted"
    ]
    assert abs(median(latest) / base_income(c, ON.year - 1, "lifted") - 1) < 0.03


@pytest.mark.django_db
def test_the_engine_computes_batch_features_from_the_snapshot(tree: Any, tmp_path: Path) -> None:
    call_command("policy_seed")
    counts = write(tree, tmp_path / "snap")
    tables = read_tables(tmp_path / "snap")
    names = {f.name for f in dataclasses.fields(Snapshot)}
    snapshot = Snapshot(**{k: v for k, v in tables.items() if k in names})
    features = batch_features(
        snapshot, params_by_county(["630106000000", "630121000000"], on=ON), on=ON
    ).to_pydict()
    assert len(features["household_id"]) == counts["households"]
    assert sum(features["members"]) == counts["members"]
    assert all(v is not None for v in features["per_capita_income"])
    assert 0 < sum(n > 0 for n in features["school_age_out_of_school"]) < counts["households"] * 0.05
    assert any(g in ("C", "D") for g in features["housing_grade"])


@pytest.mark.django_db
def test_id_numbers_are_valid_distinct_and_consistent(tree: Any) -> None:
    population = county_population(county="630106", villages=["630106100201"], seed=3, on=ON, scale=0.05)
    numbers = id_numbers("630106", population.birth_date, population.male)
    assert len(set(numbers.tolist())) == len(numbers)
    for number, birth, male in zip(
        numbers.tolist(), population.birth_date.tolist(), population.male.tolist(), strict=True
    ):
        parsed = parse_resident_id(number, area=area_info, today=ON)
        assert (parsed.birth_date, parsed.sex) == (birth, "M" if male else "F")


@pytest.mark.django_db
def test_the_command_writes_parquet_for_every_county_under_a_prefecture(tree: Any, tmp_path: Path) -> None:
    call_command(
        "synth",
        "--counties",
        "6301",
        "--parquet",
        str(tmp_path / "snap"),
        "--scale",
        "0.01",
        "--on",
        "2026-11-01",
    )
    assert {p.name for p in (tmp_path / "snap" / "members").iterdir()} == {"county=630106", "county=630121"}
    with pytest.raises(CommandError):
        call_command("synth", "--counties", "6301", "--parquet", str(tmp_path / "snap"))
    with pytest.raises(CommandError):
        call_command("synth", "--counties", "640000", "--parquet", str(tmp_path / "other"))
