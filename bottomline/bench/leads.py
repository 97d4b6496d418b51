"""Who the screening sends to a home visit on the synthetic Huangzhong (issue #13, item 4): the share of
households that become leads, by the rule that holds, and how many of them are above 1.5 × the line.

`python -m bottomline.bench leads`. No database: the population comes from the vectorised generator
(`registry/synth_parquet.county_population`, default calibration) and the policy is the seeded one for Qinghai
(line 6,700, drop ratio 0.3, 6 stable months, 12 months of events, no rigid-spending share or amount). The check
is the sourced category-3 rule (domain.md §1.2): every category-3 lead has income after compliant spending below
the line.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

COUNTY = "630106"
ON = date(2026, 11, 1)
LINE = 6700.0
SEEDS = (1, 2)
# Village codes of the county's shape; the generator only spreads households over them.
VILLAGES = [f"{COUNTY}{100 + i // 20:03d}{200 + i % 20:03d}" for i in range(380)]
POLICY = {
    "monitoring_line": LINE,
    "income_drop_ratio": 0.3,
    "stable_months": 6.0,
    "sudden_event_months": 12.0,
    "rigid_spending_share": None,
    "rigid_spending_amount": None,
}


def _params() -> pa.Table:
    """The policy as the batch's per-county parameter table (no database: every rule's parameter is in POLICY)."""
    import pyarrow as pa

    from bottomline.rules.compile import param_column

    columns: dict[str, list[object]] = {"county_code": [f"{COUNTY}000000"]}
    columns.update({param_column(n): [v] for n, v in POLICY.items()})
    schema = pa.schema([("county_code", pa.string())] + [(param_column(n), pa.float64()) for n in POLICY])
    return pa.Table.from_pydict(columns, schema=schema)


@dataclass
class Flagged:
    """What the screening makes of one synthetic county."""

    households: int
    leads: Counter[int]  # by suggested category
    by_rule: Counter[str]  # leads by the rules that hold
    above: int  # leads whose per-capita income is above 1.5 × the line
    unsourced: int  # category-3 leads whose income after spending is not below the line


def flagged(seed: int) -> Flagged:
    """Households, leads, leads by rule, and leads above 1.5 × the line, for one seed."""
    from bottomline.engine.batch import rules_apply
    from bottomline.engine.features import batch_features
    from bottomline.engine.snapshot import Snapshot
    from bottomline.registry.synth_parquet import county_population, population_tables
    from bottomline.rules.screening import from_batch_row

    tables = population_tables(county_population(county=COUNTY, villages=VILLAGES, seed=seed, on=ON))
    features = batch_features(Snapshot(**tables), _params(), on=ON)
    income = dict(
        zip(
            features.column("household_id").to_pylist(),
            zip(
                features.column("per_capita_income").to_pylist(),
                features.column("per_capita_income_after_spending").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )
    f = Flagged(features.num_rows, Counter(), Counter(), 0, 0)
    for row in rules_apply(features).to_pylist():
        s = from_batch_row(row)
        if not s.at_risk:
            continue
        f.leads[s.category or 0] += 1
        f.by_rule.update(s.codes)
        per_capita, after = income[row["household_id"]]
        f.above += per_capita is not None and per_capita > 1.5 * LINE
        f.unsourced += s.category == 3 and not (after is not None and after < LINE)
    return f


def main() -> None:
    import django

    from bottomline.bench.report import check

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    django.setup()  # the generator's module imports the registry's models (no database is opened)

    for seed in SEEDS:
        f = flagged(seed)
        total = sum(f.leads.values())
        print(
            f"seed {seed}: {f.households:,} households, {total:,} leads ({total / f.households:.1%}), by category "
            f"{dict(sorted(f.leads.items()))}, above 1.5 × line {f.above:,} ({f.above / max(total, 1):.0%}); "
            f"leads by rule {dict(f.by_rule.most_common())}"
        )
        check(
            f"leads (seed {seed})",
            "every category-3 lead has income after spending below the line",
            f"{f.unsourced:,} without",
            f.unsourced == 0,
        )
