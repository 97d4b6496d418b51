"""Importing 1M member rows from CSV (DESIGN.md §8 W5) on SQLite and on PostgreSQL.

The file comes from the synthetic population (valid ID numbers, Faker zh_CN names, one county at the scale
that gives the rows), in the template's Chinese headings and terms. Each database runs in a child process
(Django binds its database at start-up) on a fresh scratch database, and measures in the same run:

- ``registry_import`` with commit (every row checked, then written in one transaction);
- the same file uploaded again (everything unchanged: nothing written);
- the floor: the same rows as ready model instances (ID numbers encrypted, indexed and masked) written with
  plain ``bulk_create`` in one transaction;
- row-by-row ``save()`` of a sample, each in its own transaction, extrapolated to the whole file.

``BENCH_IMPORT_ROWS`` changes the size (default 1,000,000); ``BENCH_POSTGRES`` the server
(default ``postgres://postgres@127.0.0.1:5432``; the scratch database ``bottomline_bench_import`` is created
and dropped).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bottomline.bench.scratch import database_name, on_both

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
SAMPLE = 5000
COUNTY = "630106"  # Huangzhong, at the scale that gives the rows
ON = date(2026, 11, 1)
TARGET = 60.0  # seconds per 1M rows


def _terms(enum: Any) -> dict[str, str]:
    """Code → the Chinese term an office writes (the part in brackets of the label), else the code."""
    out = {}
    for value, label in enum.choices:
        inner = re.search(r"[（(]([^（）()]+)[）)]\s*$", str(label))
        out[str(value)] = re.split(r"[/、]", inner.group(1))[0].strip() if inner else str(value)
    return out


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` member rows of one county in the import template, with valid, distinct ID numbers."""
    import numpy as np
    from faker.providers.person.zh_CN import Provider as Names

    from bottomline.registry import choices
    from bottomline.registry.importing import COLUMNS
    from bottomline.registry.synth import Calibration
    from bottomline.registry.synth_parquet import county_population, county_villages, id_numbers

    members_per_scale = Calibration().lifted_people * (1 + 1.5 * 3.96 / 3.19)
    p = county_population(
        county=COUNTY,
        villages=county_villages(COUNTY),
        seed=seed,
        on=ON,
        scale=rows / members_per_scale * 1.05,
    )
    if len(p.member_household) < rows:
        raise RuntimeError("the synthetic county is smaller than the rows asked for")
    rng = np.random.default_rng(seed)
    n = rows
    hh = p.member_household[:n]
    surnames = list(Names.last_names)
    weights = np.array(list(Names.last_names.values()), dtype=np.float64)
    surname = np.array(surnames)[rng.choice(len(surnames), size=n, p=weights / weights.sum())]
    male_names, female_names = np.array(Names.first_names_male), np.array(Names.first_names_female)
    given = np.where(
        p.male[:n],
        male_names[rng.integers(0, len(male_names), n)],
        female_names[rng.integers(0, len(female_names), n)],
    )
    names = np.char.add(surname, given)
    numbers = id_numbers(COUNTY, p.birth_date, p.male)[:n]
    phones = np.char.add(
        "13", np.char.zfill(rng.integers(0, 999_999_999, len(p.household_id)).astype(str), 9)
    )
    terms = {
        "relation": _terms(choices.Relation),
        "education": _terms(choices.Education),
        "student_status": _terms(choices.StudentStatus),
        "labour": _terms(choices.Labour),
        "welfare": _terms(choices.Welfare),
    }
    yes_no = np.array(["否", "是"])
    columns: dict[str, Any] = {
        "number": p.household_id[hh].astype(str),
        "village_code": p.village_code[hh],
        "village_group": np.char.add((p.household_id[hh] % 8 + 1).astype(str), "社"),
        "household_type": np.where(p.lifted[hh], "脱贫户", "一般农户"),
        "welfare": np.vectorize(terms["welfare"].__getitem__)(p.welfare[hh]),
        "housing_grade": p.housing_grade[hh],
        "safe_water": yes_no[p.safe_water[hh].astype(int)],
        "phone": phones[hh],
        "name": names,
        "id_number": numbers,
        "relation": np.vectorize(terms["relation"].__getitem__)(p.relation[:n]),
        "education": np.vectorize(terms["education"].__getitem__)(p.education[:n]),
        "student_status": np.vectorize(terms["student_status"].__getitem__)(p.student_status[:n]),
        "labour": np.vectorize(terms["labour"].__getitem__)(p.labour[:n]),
        "medical_insurance": yes_no[p.medical_insurance[:n].astype(int)],
    }
    used = [c for c in COLUMNS if c.target in columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.heading for c in used])
        writer.writerows(zip(*(columns[c.target].tolist() for c in used), strict=True))


def _clear() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_member")
        cursor.execute("DELETE FROM registry_household")


def _bulk_floor(path: Path) -> tuple[float, float]:
    """Seconds to build the rows as model instances (crypto included) and to bulk_create them."""
    from django.db import transaction

    from bottomline.privacy.crypto import blind_index, encrypt
    from bottomline.privacy.keys import field_keys
    from bottomline.privacy.masking import mask_id_number, mask_number
    from bottomline.regions.models import Region
    from bottomline.registry.importing import COLUMNS, _choice_lookup, read_rows
    from bottomline.registry.models import Household, Member
    from bottomline.registry.services import ID_PURPOSE, PHONE_PURPOSE

    started = time.perf_counter()
    keys = field_keys()
    headings, rows = read_rows(path)
    at = {c.target: headings.index(c.heading) for c in COLUMNS if c.heading in headings}
    lookups = {c.target: _choice_lookup(c.choices) for c in COLUMNS if c.choices}
    villages = {r.code: r for r in Region.objects.filter(code__startswith=COUNTY, level=5)}
    households: dict[str, Household] = {}
    members: list[tuple[str, Member]] = []
    for row in rows:
        number = str(row[at["number"]])
        if number not in households:
            phone = str(row[at["phone"]])
            households[number] = Household(
                number=number,
                village=villages[str(row[at["village_code"]])],
                household_type=lookups["household_type"][str(row[at["household_type"]])],
                welfare=lookups["welfare"][str(row[at["welfare"]])],
                housing_grade=str(row[at["housing_grade"]]),
                safe_water=row[at["safe_water"]] == "是",
                phone_enc=encrypt(phone, keys=keys, purpose=PHONE_PURPOSE),
                phone_index=blind_index(phone, keys=keys, purpose=PHONE_PURPOSE),
                phone_masked=mask_number(phone),
            )
        id_number = str(row[at["id_number"]])
        members.append(
            (
                number,
                Member(
                    name=str(row[at["name"]]),
                    relation=lookups["relation"][str(row[at["relation"]])],
                    education=lookups["education"][str(row[at["education"]])],
                    student_status=lookups["student_status"][str(row[at["student_status"]])],
                    labour=lookups["labour"][str(row[at["labour"]])],
                    medical_insurance=row[at["medical_insurance"]] == "是",
                    id_number_enc=encrypt(id_number, keys=keys, purpose=ID_PURPOSE),
                    id_number_index=blind_index(id_number, keys=keys, purpose=ID_PURPOSE),
                    id_number_masked=mask_id_number(id_number),
                    birth_date=date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                    sex="M" if int(id_number[16]) % 2 else "F",
                ),
            )
        )
    built = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        Household.objects.bulk_create(list(households.values()), batch_size=2000)
        for number, member in members:
            member.household = households[number]
        Member.objects.bulk_create([m for _n, m in members], batch_size=2000)
    return built, time.perf_counter() - started


def _row_by_row(path: Path, sample: int) -> float:
    """Seconds to save ``sample`` rows one by one (a household when new, then the member), autocommit."""
    from bottomline.privacy.crypto import blind_index, encrypt
    from bottomline.privacy.keys import field_keys
    from bottomline.privacy.masking import mask_id_number
    from bottomline.regions.models import Region
    from bottomline.registry.importing import COLUMNS, _choice_lookup
    from bottomline.registry.models import Household, Member
    from bottomline.registry.services import ID_PURPOSE

    keys = field_keys()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headings = next(reader)
        rows = [row for _i, row in zip(range(sample), reader, strict=False)]
    at = {c.target: headings.index(c.heading) for c in COLUMNS if c.heading in headings}
    lookups = {c.target: _choice_lookup(c.choices) for c in COLUMNS if c.choices}
    villages = {r.code: r for r in Region.objects.filter(code__startswith=COUNTY, level=5)}
    started = time.perf_counter()
    households: dict[str, Household] = {}
    for row in rows:
        number = row[at["number"]]
        if number not in households:
            household = Household(
                number=number,
                village=villages[row[at["village_code"]]],
                household_type=lookups["household_type"][row[at["household_type"]]],
                housing_grade=row[at["housing_grade"]],
            )
            household.save()
            households[number] = household
        id_number = row[at["id_number"]]
        Member(
            household=households[number],
            name=row[at["name"]],
            relation=lookups["relation"][row[at["relation"]]],
            education=lookups["education"][row[at["education"]]],
            labour=lookups["labour"][row[at["labour"]]],
            id_number_enc=encrypt(id_number, keys=keys, purpose=ID_PURPOSE),
            id_number_index=blind_index(id_number, keys=keys, purpose=ID_PURPOSE),
            id_number_masked=mask_id_number(id_number),
            birth_date=date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
            sex="M" if int(id_number[16]) % 2 else "F",
        ).save()
    return time.perf_counter() - started


def child(url: str, path: Path) -> dict[str, Any]:
    """Run every measurement on one database (a fresh one: migrated here); returns the figures."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bottomline.accounts.services import user_save
    from bottomline.jobs.progress import NullProgress
    from bottomline.regions.models import Region
    from bottomline.regions.services import regions_load
    from bottomline.registry.importing import registry_import
    from bottomline.registry.models import Member

    call_command("migrate", verbosity=0)
    regions_load(provinces=[COUNTY[:2]])
    figures: dict[str, Any] = {}
    figures["database"] = database_name()
    if not path.exists():
        started = time.perf_counter()
        write_csv(path, ROWS)
        figures["generate"] = time.perf_counter() - started
    officer = user_save(
        username="bench-officer",
        role="county_officer",
        region=Region.objects.get(code=COUNTY + "000000"),
        password="Bench-pass-2026",  # noqa: S106  (a scratch database, dropped afterwards)
    )
    started = time.perf_counter()
    report = registry_import(path=path, user=officer, commit=True, progress=NullProgress())
    figures["import"] = time.perf_counter() - started
    if report.errors:
        raise RuntimeError(f"the import found {len(report.errors)} problems, first: {report.errors[:3]}")
    figures["rows"] = report.rows
    figures["households"] = report.households_created
    figures["members"] = Member.objects.count()
    started = time.perf_counter()
    again = registry_import(path=path, user=officer, commit=True, progress=NullProgress())
    figures["reupload"] = time.perf_counter() - started
    figures["reupload_unchanged"] = again.unchanged
    _clear()
    figures["bulk_build"], figures["bulk_create"] = _bulk_floor(path)
    _clear()
    figures["row_by_row_sample"] = _row_by_row(path, SAMPLE)
    figures["sample"] = SAMPLE
    return figures


def _lines(f: dict[str, Any]) -> list[str]:
    from bottomline.bench.report import check

    scale = 1_000_000 / f["rows"]
    per_million = f["import"] * scale
    row_by_row = f["row_by_row_sample"] * f["rows"] / f["sample"]
    bulk = f["bulk_build"] + f["bulk_create"]
    verdict = check(
        "imports",
        f"W5 on {f['database']}: 1M rows ≤ {TARGET:.0f} s",
        f"{per_million:.1f} s",
        per_million <= TARGET,
    )
    return [
        f"| {f['database']} | `registry_import`, commit | {f['import']:.1f} | {per_million:.1f} | "
        f"{f['import'] / bulk:.1f}× | {verdict} |",
        f"| {f['database']} | same file again ({f['reupload_unchanged']:,} unchanged, nothing written) | "
        f"{f['reupload']:.1f} | {f['reupload'] * scale:.1f} | {f['reupload'] / bulk:.1f}× | |",
        f"| {f['database']} | floor: ready instances (crypto {f['bulk_build']:.1f} s) + plain `bulk_create` "
        f"({f['bulk_create']:.1f} s) | {bulk:.1f} | {bulk * scale:.1f} | 1.0× | |",
        f"| {f['database']} | row-by-row `save()`, {f['sample']:,} rows extrapolated | {row_by_row:.0f} | "
        f"{row_by_row * scale:.0f} | {row_by_row / bulk:.0f}× | |",
    ]


def main() -> None:
    from bottomline.bench.report import append, check, environment_line

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.csv"
        sqlite, postgres, missing = on_both(
            "bottomline.bench.imports", folder=tmp, scratch="bottomline_bench_import", args=(str(path),)
        )
        lines = [
            environment_line("SQLite and PostgreSQL (each in a child process)"),
            "",
            f"{sqlite['rows']:,} member rows in {sqlite['households']:,} households of one county "
            f"(CSV of {path.stat().st_size / 2**20:.0f} MiB, generated by the synth in {sqlite['generate']:.1f} s).",
            "",
            "| database | step | seconds | per 1M rows | vs. floor | target ≤ 60 s per 1M |",
            "|---|---|---:|---:|---:|---|",
            *_lines(sqlite),
            *(
                _lines(postgres)
                if postgres
                else [f"| {missing} | | | | | {check('imports', 'W5 on PostgreSQL', missing, False)} |"]
            ),
        ]
        append("Import of member rows from CSV (`make bench` → imports)", lines)


if __name__ == "__main__":
    from bottomline.bench.scratch import exit_on_term

    exit_on_term()
    print(json.dumps(child(sys.argv[1], Path(sys.argv[2]))))
