"""manage.py points_synth --county 630106 [--seed N] [--on DATE]: calibrated points supermarkets, rules, goods,
point entries and redemptions for a synthetic county (points.synth; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.points.synth import points_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write calibrated points supermarkets and their ledgers (to today) for a synthetic county; once."
    label, key, already = "points", "supermarkets", "has supermarkets already (or no villages)"
    user_help = None  # synthetic entries name no recording cadre

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return points_synth(county=county, seed=seed, on=on)

    def summary(self, made: dict[str, int]) -> str:
        return (
            f"{made['supermarkets']} supermarkets serving {made['villages']} villages, "
            f"{made['entries']} point entries and {made['redemptions']} redemptions"
        )
