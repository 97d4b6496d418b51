"""manage.py relocation_synth --county 630106 [--seed N] [--on DATE]: calibrated resettlement sites, relocated
households, stability assessments and follow-up support for a synthetic county (relocation.synth;
docs/synthetic-data.md, "Relocation follow-up")."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand
from bottomline.relocation.synth import relocation_synth


class Command(CountySynthCommand):
    help = "Write calibrated relocation follow-up (sites, relocated households, assessments, support); once."
    label, key, already = "relocation", "relocations", "has sites already (or no households)"
    user_help = None

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return relocation_synth(county=county, seed=seed, on=on)

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['sites']} sites, {made['relocations']} relocated households, "
            f"{made['assessments']} assessments and {made['supports']} support records"
        )
