"""manage.py pv_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: synthetic village PV stations, their
months and distributions, and public-welfare posts with holders and pay (pv.synth; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.pv.synth import pv_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write synthetic village PV stations and public-welfare posts for a synthetic county."
    label, key, already = "pv", "stations", "has stations already"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return pv_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['stations']} stations, {made['months']} months, {made['allocations']} allocations, "
            f"{made['posts']} posts ({made['holders']} held), {made['pays']} pays"
        )
