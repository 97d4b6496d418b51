"""The features benchmark's W1 figure: the seconds of a pass, not its count of households."""

from __future__ import annotations

import pyarrow as pa

from bottomline.bench.features import Pass


def test_w1_is_the_seconds_of_read_features_and_rules_without_the_households_flagged() -> None:
    timed = Pass(pa.table({"household_id": [1]}), read=1.0, features=2.5, rules=0.5, flagged=1_189_096)
    assert timed.seconds == 4.0
