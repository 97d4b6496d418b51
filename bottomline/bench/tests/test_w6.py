"""W6's load mix: what it sends must be what a county's users would, or the benchmark measures its own errors."""

from __future__ import annotations

import json

from bottomline.bench.w6 import Mix


def test_no_two_declarations_of_a_run_share_a_phone_or_an_address() -> None:
    """Each window drew from a new Mix whose count started over: the window while W1 ran sent the quiet window's
    phone numbers again and the portal's per-phone limit answered 429 (2026-12-07 09:11)."""
    data = {"villages": ["630106100201"], "risk_types": ["illness"]}
    calls = [Mix(data, seed=window).declaration() for window in range(3) for _ in range(4)]
    phones = [json.loads(call.body or b"{}")["phone"] for call in calls]
    assert len(set(phones)) == len(phones) == 12
    assert len({call.source for call in calls}) == 12
