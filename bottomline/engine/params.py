"""Policy parameters in force per county, as an Arrow table the batch joins on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pyarrow as pa

from bottomline.policy.models import Parameter, ParameterName
from bottomline.policy.selectors import in_force
from bottomline.regions.models import CODE_LENGTH
from bottomline.rules.compile import param_column


def params_by_county(county_codes: Iterable[str], *, on: date, extra: Iterable[Parameter] = ()) -> pa.Table:
    """For each county code: every parameter's value in force (county, then prefecture, province, nation).
    ``extra`` adds unsaved values, as if they were in force: a proposal being simulated."""
    rows = list(in_force(on=on).select_related("region").order_by("effective_from"))
    rows += [p for p in extra if p.effective_from <= on and (p.effective_to is None or p.effective_to >= on)]
    names = [n.value for n in ParameterName]
    out: dict[str, list[object]] = {"county_code": [], **{param_column(n): [] for n in names}}
    for county in sorted(set(county_codes)):
        ancestors = {county[:k].ljust(CODE_LENGTH, "0"): k for k in (2, 4, 6)}
        best: dict[str, tuple[tuple[int, date], float]] = {}
        for p in rows:
            depth = 0 if p.region is None else ancestors.get(p.region.code, -1)
            if depth < 0:
                continue
            rank = (depth, p.effective_from)
            if p.name not in best or rank > best[p.name][0]:
                best[p.name] = (rank, float(p.value))
        out["county_code"].append(county)
        for n in names:
            out[param_column(n)].append(best[n][1] if n in best else None)
    schema = pa.schema([("county_code", pa.string())] + [(param_column(n), pa.float64()) for n in names])
    return pa.Table.from_pydict(out, schema=schema)
