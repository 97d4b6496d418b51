"""manage.py industry_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: synthetic business entities,
projects and benefit linkages for a synthetic county (industry.synth; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.industry.synth import industry_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write calibrated synthetic industries and benefit linkages for a synthetic county."
    label, key, already = "industry", "entities", "has entities already (or no villages)"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return industry_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['entities']} entities, {made['projects']} projects, {made['linkages']} linkages of "
            f"{made['households']} households"
        )
