"""manage.py insurance_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: the county's anti-poverty
insurance policies and this year's claims, calibrated to seed 001 (insurance.synth; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.insurance.synth import insurance_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write synthetic anti-poverty insurance policies and claims for a synthetic county; once."
    label, key, already = "insurance", "policies", "has policies already"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return insurance_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return f"{made['policies']} policies, {made['claims']} claims ({made['paid']} paid)"
