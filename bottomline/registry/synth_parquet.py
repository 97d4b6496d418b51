"""The synthetic population straight to Parquet, for benchmarks at scale (10M members and more).

The same calibration and demography as the database synth (``synth.py``: ``Calibration`` and the tables beside
it), drawn with numpy a county at a time, so memory holds one county however many are written. Output: the
snapshot layout the engine reads, one directory per table, hive-partitioned by county
(``members/county=630106/part-0.parquet``). Deterministic for a seed and a date. Docs: docs/synthetic-data.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from django.utils import timezone

from bottomline.engine.parquet import SCHEMAS, TABLES, county_write, index_write, table_read
from bottomline.jobs.progress import Progress
from bottomline.regions.models import Level, Region
from bottomline.registry.synth import (
    CHILD_AGE,
    DISABLED,
    EDUCATION_ADULT,
    EDUCATION_OLD,
    EDUCATION_TEEN,
    EVENT_SHOCKS,
    GRANDCHILD_SHARE,
    HEAD_AGE,
    HEAD_MALE,
    HOUSING_AB,
    LOSE_LABOUR,
    MEDICAL_SPENDING,
    PARENT_AGE,
    PARENT_SHARE,
    PRESCHOOL,
    SERIOUS,
    SPOUSE_AGE,
    SPOUSE_SHARE,
    TERTIARY,
    TERTIARY_FEES,
    UPPER_SECONDARY,
    WORKING,
    Calibration,
    base_income,
    size_weights,
)
from bottomline.rules.periods import divide_half_away, fen

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# A county's households are numbered from its six-digit code times this: unique across any set of counties.
ID_STRIDE = 10_000_000
# Weights of the ID number's first 17 digits for the check digit (GB 11643-1999, ISO 7064 MOD 11-2).
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))


@dataclass(frozen=True)
class Population:
    """One county's generated people as columns (numpy), before they are written anywhere."""

    county: str  # six digits
    household_id: Ints
    village_code: npt.NDArray[np.str_]
    lifted: Bools
    welfare: npt.NDArray[np.str_]
    housing_grade: npt.NDArray[np.str_]
    safe_water: Bools
    size: Ints
    # members, grouped by household in household order
    member_household: Ints  # index into the household columns
    relation: npt.NDArray[np.str_]
    male: Bools
    age: Ints
    birth_date: npt.NDArray[np.datetime64]
    student_status: npt.NDArray[np.str_]
    education: npt.NDArray[np.str_]
    labour: npt.NDArray[np.str_]
    medical_insurance: Bools
    # incomes: two periods per household, the older first
    income_years: tuple[int, int]
    net: tuple[Floats, Floats]  # household net income of each period
    per_capita: tuple[Floats, Floats]  # per-capita net income, as the database computes it (2 decimals)
    rigid: tuple[Floats, Floats]
    medical_spending: tuple[Floats, Floats]
    education_spending: tuple[Floats, Floats]
    # events: (household index, kind, date)
    event_household: Ints
    event_kind: npt.NDArray[np.str_]
    event_date: npt.NDArray[np.datetime64]


def _choose(rng: np.random.Generator, table: tuple[tuple[str, int], ...], n: int) -> npt.NDArray[np.str_]:
    keys = np.array([k for k, _ in table])
    weights = np.array([w for _, w in table], dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=weights / weights.sum())]


def _sizes(rng: np.random.Generator, mean: float, n: int) -> Ints:
    weights = np.array(size_weights(mean))
    return (rng.choice(9, size=n, p=weights / weights.sum()) + 1).astype(np.int64)


def county_population(
    *,
    county: str,
    villages: list[str],
    seed: int,
    on: date,
    scale: float = 1.0,
    calibration: Calibration | None = None,
) -> Population:
    """Households, members, two income periods and sudden events for one county, vectorised."""
    c = calibration or Calibration()
    rng = np.random.default_rng([seed, int(county)])
    lifted_n = round(c.lifted_households * scale)
    n = lifted_n + int(lifted_n * c.ordinary_per_lifted)
    if n >= ID_STRIDE:
        raise ValueError(f"at most {ID_STRIDE - 1:,} households per county")
    lifted = np.arange(n) < lifted_n
    village_code = np.array(villages)[rng.integers(0, len(villages), n)]
    roll = rng.random(n)
    welfare = np.where(
        lifted,
        np.where(
            roll < c.dibao_lifted, "dibao", np.where(roll < c.dibao_lifted + c.tekun_lifted, "tekun", "none")
        ),
        np.where(roll < c.dibao_ordinary, "dibao", "none"),
    )
    dangerous = rng.random(n) < c.dangerous_housing
    housing = np.where(
        dangerous,
        np.where(rng.random(n) < 0.5, "C", "D"),
        np.where(rng.random(n) < HOUSING_AB[0] / sum(HOUSING_AB), "A", "B"),
    )
    safe_water = rng.random(n) >= c.unsafe_water
    size = np.where(
        lifted,
        _sizes(rng, c.lifted_people / c.lifted_households, n),
        _sizes(rng, c.ordinary_size, n),
    )
    shocks = {name: rng.random(n) < getattr(c, name) for _kind, name in EVENT_SHOCKS}

    # Members: the head first, then perhaps a spouse, then parents, grandchildren or children.
    mean, sd, low, high = HEAD_AGE
    head_age = np.clip(np.trunc(rng.normal(mean, sd, n)), low, high).astype(np.int64)
    head_male = rng.random(n) < HEAD_MALE
    spouse = (size >= 2) & (rng.random(n) < SPOUSE_SHARE)
    m = int(size.sum())
    hh = np.repeat(np.arange(n), size)
    position = np.arange(m) - np.repeat(np.cumsum(size) - size, size)
    ha = head_age[hh]
    is_head = position == 0
    is_spouse = (position == 1) & spouse[hh]
    other = ~is_head & ~is_spouse
    is_parent = other & (ha < 60) & (rng.random(m) < PARENT_SHARE)
    is_grandchild = other & ~is_parent & (ha >= 55) & (rng.random(m) < GRANDCHILD_SHARE)
    age = np.select(
        [is_head, is_spouse, is_parent, is_grandchild],
        [
            ha,
            np.maximum(20, ha + rng.integers(SPOUSE_AGE[0], SPOUSE_AGE[1] + 1, m)),
            np.minimum(95, ha + rng.integers(PARENT_AGE[0], PARENT_AGE[1] + 1, m)),
            rng.integers(0, 17, m),
        ],
        np.maximum(0, ha - rng.integers(CHILD_AGE[0], CHILD_AGE[1] + 1, m)),
    ).astype(np.int64)
    coin = rng.random(m) < 0.5
    male = np.select([is_head, is_spouse], [head_male[hh], ~head_male[hh]], coin)
    relation = np.select(
        [is_head, is_spouse, is_parent, is_grandchild],
        ["head", "spouse", "parent", "grandchild"],
        np.where(male, "son", "daughter"),
    )
    days = age * 365 + rng.integers(0, 365, m)
    birth_date = np.datetime64(on, "D") - days.astype("timedelta64[D]")

    health_roll = rng.random(m)
    ill = health_roll < DISABLED + SERIOUS
    labour = np.where(
        (age < 16) | (age > 70),
        "none",
        np.where(
            ill & (rng.random(m) < LOSE_LABOUR),
            "lost",
            np.where(age > 60, "weak", _choose(rng, WORKING, m)),
        ),
    )
    school_roll = rng.random(m)
    dropped = (age >= 6) & (age <= 15) & (rng.random(m) < c.dropout)
    student = np.select(
        [
            dropped,
            (age >= 3) & (age <= 5),
            (age >= 6) & (age <= 11),
            (age >= 12) & (age <= 14),
            (age >= 15) & (age <= 17),
            (age >= 18) & (age <= 21) & (school_roll < TERTIARY),
        ],
        [
            "dropped_out",
            np.where(school_roll < PRESCHOOL, "preschool", "none"),
            "primary",
            "junior",
            _choose(rng, UPPER_SECONDARY, m),
            "tertiary",
        ],
        "none",
    )
    education = np.select(
        [age < 6, age < 12, age < 15, age < 18, age >= 60],
        [
            "preschool",
            "primary",
            "junior",
            _choose(rng, EDUCATION_TEEN, m),
            _choose(rng, EDUCATION_OLD, m),
        ],
        _choose(rng, EDUCATION_ADULT, m),
    )
    medical_insurance = rng.random(m) >= c.uninsured

    # Incomes: a lognormal per-capita income around the type's median, the latest year halved on a drop.
    years = (on.year - 2, on.year - 1)
    base = np.where(lifted, base_income(c, years[1], "lifted"), base_income(c, years[1], "ordinary"))
    per_capita = rng.lognormal(0, c.income_sigma, n) * base
    students = np.bincount(hh, weights=(student == "tertiary"), minlength=n)
    education_fees = (students * TERTIARY_FEES).astype(np.float64)
    medical = np.where(shocks["illness_shock"], np.round(rng.lognormal(*MEDICAL_SPENDING, n), 2), 0.0)
    periods = []
    for year in years:
        factor = (1 + c.income_growth) ** (year - years[1])
        latest = year == years[1]
        total = np.round(
            per_capita * factor * np.where(latest & shocks["income_drop_shock"], 0.5, 1.0) * size, 2
        )
        # Per capita as the registry stores it and the rules read it: to the fen, half away from zero.
        per_capita_fen = divide_half_away(fen(total), size)
        periods.append((total, per_capita_fen / 100, education_fees + (medical if latest else 0.0)))

    # Sudden events in the 12 months before the date, one per shocked household and kind.
    event_household = np.concatenate([np.flatnonzero(shocks[name]) for _kind, name in EVENT_SHOCKS])
    event_kind = np.concatenate([np.full(int(shocks[name].sum()), kind) for kind, name in EVENT_SHOCKS])
    event_date = np.datetime64(on, "D") - rng.integers(1, 366, len(event_household)).astype("timedelta64[D]")
    order = np.argsort(event_household, kind="stable")
    return Population(
        county=county,
        household_id=int(county) * ID_STRIDE + np.arange(1, n + 1, dtype=np.int64),
        village_code=village_code,
        lifted=lifted,
        welfare=welfare,
        housing_grade=housing,
        safe_water=safe_water,
        size=size,
        member_household=hh,
        relation=relation,
        male=male,
        age=age,
        birth_date=birth_date,
        student_status=student,
        education=education,
        labour=labour,
        medical_insurance=medical_insurance,
        income_years=years,
        net=(periods[0][0], periods[1][0]),
        per_capita=(periods[0][1], periods[1][1]),
        rigid=(periods[0][2], periods[1][2]),
        medical_spending=(np.zeros(n), medical),
        education_spending=(education_fees, education_fees),
        event_household=event_household[order],
        event_kind=event_kind[order],
        event_date=event_date[order],
    )


def id_numbers(area: str, birth_date: npt.NDArray[np.datetime64], male: Bools) -> npt.NDArray[np.str_]:
    """Valid, distinct 18-digit ID numbers for people of one area: birth date, sex digit and check digit."""
    days = birth_date.astype("datetime64[D]").astype(np.int64)
    key = days * 2 + male
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    if len(rank) and rank.max() >= 500:
        raise ValueError("more than 500 people of one sex born on one day in one county")
    sequence = rank * 2 + male  # the 17th digit is odd for men
    ymd = np.char.replace(np.datetime_as_string(birth_date.astype("datetime64[D]")), "-", "")
    body = np.char.add(np.char.add(area, ymd), np.char.zfill(sequence.astype(str), 3))
    digits = body.astype("S17").view(np.uint8).reshape(-1, 17).astype(np.int64) - ord("0")
    check = _CHECK[(digits @ _ID_WEIGHTS) % 11]
    return np.char.add(body, check)


def _strings(values: npt.NDArray[np.str_]) -> pa.Array:
    # Through a dictionary: the few distinct values are converted once, not once per row.
    uniques, codes = np.unique(values, return_inverse=True)
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(uniques.tolist())).cast(
        pa.string()
    )


def _dates(values: npt.NDArray[np.datetime64]) -> pa.Array:
    return pa.array(values.astype("datetime64[D]").astype(np.int32), pa.int32()).cast(pa.date32())


def population_tables(p: Population) -> dict[str, pa.Table]:
    """The four snapshot tables of a county's population, with exactly the layout's columns."""
    ids = p.household_id
    n = len(ids)
    periods = [
        (np.datetime64(f"{year}-01-01", "D"), np.datetime64(f"{year}-12-31", "D")) for year in p.income_years
    ]
    tables = {
        "households": [
            ids,
            _strings(p.village_code),
            _strings(np.where(p.lifted, "lifted", "ordinary")),
            _strings(p.welfare),
            _strings(p.housing_grade),
            p.safe_water,
            pa.nulls(n, pa.date32()),  # monitored_since: the generator opens no cases
        ],
        "members": [
            ids[p.member_household],
            _dates(p.birth_date),
            _strings(p.student_status),
            _strings(p.labour),
            p.medical_insurance,
        ],
        "incomes": [
            np.repeat(ids, 2),
            _dates(np.repeat(np.array([s for s, _ in periods]), n).reshape(2, n).T.ravel()),
            _dates(np.repeat(np.array([e for _, e in periods]), n).reshape(2, n).T.ravel()),
            np.repeat(p.size, 2).astype(np.int64),
            np.column_stack(p.per_capita).ravel(),
            np.column_stack(p.net).ravel(),
            np.column_stack(p.rigid).ravel(),
            np.column_stack(p.medical_spending).ravel(),
            np.column_stack(p.education_spending).ravel(),
        ],
        "events": [ids[p.event_household], _strings(p.event_kind), _dates(p.event_date)],
    }
    return {
        name: pa.Table.from_arrays(
            [pa.array(c) if isinstance(c, np.ndarray) else c for c in columns], schema=SCHEMAS[name]
        )
        for name, columns in tables.items()
    }


def county_villages(code: str) -> list[str]:
    """The current village codes of a county (6- or 12-digit code), in code order."""
    county = Region.objects.get(code=code.ljust(12, "0"), level=Level.COUNTY)
    return list(
        Region.objects.filter(code__range=county.bounds, level=Level.VILLAGE, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def read_tables(out: Path) -> dict[str, pa.Table]:
    """The four tables of a Parquet snapshot, every county together, with the layout's columns."""
    return {name: table_read(out, name) for name in TABLES}


def synth_parquet(
    *,
    counties: list[str],
    out: Path,
    seed: int,
    progress: Progress,
    scale: float = 1.0,
    on: date | None = None,
    calibration: Calibration | None = None,
) -> dict[str, int]:
    """Write the population of each county (a county at a time) as a Parquet snapshot under ``out``.

    ``scale`` multiplies every county's households (1.0: Huangzhong's 8,954 lifted-out households and 1.5 times
    as many ordinary ones). Counties without villages are skipped. Returns the rows written per table.
    """
    on = on or timezone.localdate()
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    counts = dict.fromkeys(TABLES, 0)
    progress.start(len(counties))
    for code in counties:
        villages = county_villages(code)
        if villages:
            six = code[:6]
            population = county_population(
                county=six, villages=villages, seed=seed, on=on, scale=scale, calibration=calibration
            )
            for name, written in county_write(out, six, population_tables(population)).items():
                counts[name] += written
        progress.advance()
    index_write(out)
    return counts
