"""manage.py history_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: a calibrated monitoring
history (2021 to the day) for a synthetic county (monitoring.synth_history; docs/synthetic-data.md)."""

from __future__ import annotations

from datetime import date

from bottomline.accounts.models import User
from bottomline.monitoring.synth_history import history_synth
from bottomline.regions.models import Region
from bottomline.registry.synth_command import CountySynthCommand


class Command(CountySynthCommand):
    help = "Write a calibrated monitoring history (2021 to today) for a synthetic county."
    label, key, already = "history", "cases", "has cases already"
    user_help = "the account named on measures and follow-ups (a county officer)"

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        return history_synth(county=county, seed=seed, on=on, user=self.officer(user))

    def summary(self, made: dict[str, int]) -> str:
        return f"{made['cases']} cases ({made['eliminated']} eliminated, {made['follow_ups']} follow-ups)"
