"""manage.py loans_synth --county 630106 [--seed N] [--on DATE]: calibrated small loans and repayments for a
synthetic county (loans.synth; docs/synthetic-data.md, "Small loans")."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.loans.synth import loans_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write calibrated small loans and their repayments (to today) for a synthetic county; once."
    label, key, already = "loans", "loans", "has loans already (or no lifted-out households)"
    user_help = None  # the loans name their bank, not an officer

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return loans_synth(county=county, seed=seed, on=on)

    def summary(self, made: dict[str, int]) -> str:
        return f"{made['loans']} loans and {made['repayments']} repayments"
