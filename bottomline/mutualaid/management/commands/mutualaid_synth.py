"""manage.py mutualaid_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: calibrated village mutual-aid
funds for a synthetic county (mutualaid.synth; docs/synthetic-data.md, "Village mutual-aid funds")."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.mutualaid.synth import mutualaid_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = (
        "Write calibrated mutual-aid associations, capital, members, loans and repayments for a county; once."
    )
    label, key, already = "mutualaid", "associations", "has associations already (or no villages)"
    user_help = None  # the synthetic records name no recorder

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return mutualaid_synth(county=county, seed=seed, on=on, user=None)

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['associations']} associations, {made['members']} members, {made['loans']} loans "
            f"and {made['repayments']} repayments"
        )
