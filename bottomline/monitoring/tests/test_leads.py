"""Leads merge per household, keep every signal once, and are read through the region gate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bottomline.monitoring.models import Channel, Lead, LeadStatus, Signal
from bottomline.monitoring.selectors import lead_list
from bottomline.monitoring.services import SignalIn, lead_raise, leads_raise
from bottomline.registry.tests.factories import household

FIRST = datetime(2026, 3, 1, 9, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 9, tzinfo=UTC)


def test_signals_from_two_channels_merge_into_one_lead(tree: Any, personas: dict[str, Any]) -> None:
    home = household(personas["village_cadre"], tree.village)
    lead = lead_raise(
        household_id=home.pk,
        channel=Channel.SCREENING,
        reference="run:1",
        category=2,
        risk_types=["illness"],
        at=FIRST,
    )
    again = lead_raise(
        household_id=home.pk,
        channel=Channel.DEPARTMENT,
        reference="feed:7",
        risk_types=["disaster"],
        at=LATER,
    )
    assert again.pk == lead.pk
    assert again.first_at == FIRST and again.last_at == LATER  # the deadline clock keeps the first signal
    assert again.category == 2
    assert again.risk_types == ["disaster", "illness"]
    assert list(again.signals.values_list("channel", flat=True)) == ["screening", "department"]


def test_the_same_signal_twice_is_kept_once(tree: Any, personas: dict[str, Any]) -> None:
    homes = [household(personas["village_cadre"], tree.village) for _ in range(3)]
    signals = [SignalIn(h.pk, {"en": ["x"], "zh": ["x"]}, 3, ("accident",)) for h in homes]
    first = leads_raise(channel=Channel.SCREENING, reference="run:2", signals=signals, at=FIRST)
    second = leads_raise(channel=Channel.SCREENING, reference="run:2", signals=signals, at=LATER)
    assert first == {"opened": 3, "signals": 3}
    assert second == {"opened": 0, "signals": 0}
    assert Lead.objects.count() == 3 and Signal.objects.count() == 3


def test_a_closed_lead_is_not_reopened_by_a_new_signal(tree: Any, personas: dict[str, Any]) -> None:
    home = household(personas["village_cadre"], tree.village)
    old = lead_raise(household_id=home.pk, channel=Channel.CADRE, reference="visit:1", at=FIRST)
    Lead.objects.filter(pk=old.pk).update(status=LeadStatus.CLOSED)
    new = lead_raise(household_id=home.pk, channel=Channel.CADRE, reference="visit:2", at=LATER)
    assert new.pk != old.pk and new.first_at == LATER


def test_leads_are_seen_only_inside_the_viewer_region(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    mine = household(personas["village_cadre"], tree.village)
    other_cadre = make_user("village_cadre", tree.other_county_village, username="other")
    theirs = household(other_cadre, tree.other_county_village)
    for h in (mine, theirs):
        lead_raise(household_id=h.pk, channel=Channel.SCREENING, reference="run:3", at=FIRST)
    assert [lead.household_id for lead in lead_list(viewer=personas["village_cadre"])] == [mine.pk]
    assert lead_list(viewer=personas["province_officer"]).count() == 2
    assert lead_list(viewer=personas["sysadmin"]).count() == 0


def test_a_lead_after_midnight_in_china_opens_its_case_on_that_day(
    tree: Any, personas: dict[str, Any]
) -> None:
    """17:30 UTC is 01:30 the next day in China: the case's first step is dated by the local day, so that the
    visit on that day is not refused as before the lead (it was, every night from 00:00 to 08:00)."""
    from datetime import date

    from bottomline.monitoring.models import Case

    home = household(personas["village_cadre"], tree.village)
    lead = lead_raise(
        household_id=home.pk,
        channel=Channel.CADRE,
        reference="visit",
        at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
    )
    case = Case.objects.get(lead=lead)
    assert list(case.steps.values_list("on", flat=True)) == [date(2026, 3, 2)]
