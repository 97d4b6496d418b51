"""What a proposed parameter would change: households entering or leaving monitoring, by county and category,
before anything changes. Run by the ``policy.simulate`` job (a worker), over the proposal's region only."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from bottomline.engine.features import batch_features
from bottomline.engine.params import params_by_county
from bottomline.engine.snapshot import read_snapshot
from bottomline.policy.models import Parameter
from bottomline.regions.models import Region
from bottomline.registry.models import Household
from bottomline.rules.screening import compile_category, compile_screening

EXAMPLES = 10


def _categories(features: pa.Table) -> dict[int, int | None]:
    screened = compile_screening(ibis.memtable(features))
    table = screened.select("household_id", category=compile_category(screened))
    return {r["household_id"]: r["category"] for r in ibis.duckdb.connect().to_pyarrow(table).to_pylist()}


def simulate(*, proposal: Parameter, on: date) -> dict[str, Any]:
    """Screen the region's households with the current values and with ``proposal`` (unsaved) in force; only
    the region's households are read."""
    if proposal.region is None:
        raise ValueError("a proposal names the province or county it is for")
    low, high = proposal.region.bounds
    snapshot = read_snapshot(
        Household.objects.filter(village__code__range=(low, high)).values_list("pk", flat=True)
    )
    villages = snapshot.households.column("village_code").to_pylist()
    counties = {code[:6] + "000000" for code in villages if low <= code <= high}
    now = _categories(batch_features(snapshot, params_by_county(counties, on=on), on=on))
    then = _categories(batch_features(snapshot, params_by_county(counties, on=on, extra=[proposal]), on=on))
    county_of = dict(zip(snapshot.households.column("household_id").to_pylist(), villages, strict=True))
    entering: Counter[tuple[str, int]] = Counter()
    leaving: Counter[tuple[str, int]] = Counter()
    examples: dict[str, list[int]] = {"entering": [], "leaving": []}
    for household_id, before in now.items():
        county = county_of[household_id][:6]
        if county + "000000" not in counties:
            continue
        after = then.get(household_id)
        if before is None and after is not None:
            entering[(county, after)] += 1
            if len(examples["entering"]) < EXAMPLES:
                examples["entering"].append(household_id)
        elif before is not None and after is None:
            leaving[(county, before)] += 1
            if len(examples["leaving"]) < EXAMPLES:
                examples["leaving"].append(household_id)
    names = dict(Region.objects.filter(code__in=counties).values_list("code", "name"))

    def rows(counts: Counter[tuple[str, int]]) -> list[dict[str, Any]]:
        return [
            {"county": c, "county_name": names.get(c + "000000", ""), "category": k, "households": n}
            for (c, k), n in sorted(counts.items())
        ]

    return {
        "on": on.isoformat(),
        "households": sum(1 for h in now if county_of[h][:6] + "000000" in counties),
        "entering": rows(entering),
        "leaving": rows(leaving),
        "examples": examples,
    }
