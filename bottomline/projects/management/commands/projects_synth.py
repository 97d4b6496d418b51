"""manage.py projects_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: a synthetic project library
calibrated to the seed (projects.synth; docs/synthetic-data.md, "Project library")."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.projects.synth import projects_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write a calibrated synthetic project library (46 projects of 2021) for a synthetic county; once."
    label, key, already = "projects", "projects", "has projects already (or no villages)"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return projects_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['projects']} projects, {made['disbursements']} disbursements, "
            f"{made['beneficiaries']} beneficiary households, {made['assets']} assets"
        )
