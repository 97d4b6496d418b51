"""manage.py employment_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: calibrated workshops, jobs,
courses and Rain and Dew grants for a synthetic county (employment.synth; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.employment.synth import employment_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write calibrated workshops, jobs, courses and Rain and Dew grants for a synthetic county."
    label, key, already = "employment", "workshops", "has workshops already (or no villages)"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return employment_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['workshops']} workshops, {made['jobs']} jobs, {made['courses']} courses with "
            f"{made['trainees']} trainees, {made['grants']} grants"
        )
