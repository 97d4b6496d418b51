"""Raising leads for many households at once (a screening run, a feed) gives the same leads, cases, steps and
signals as raising them one household at a time (issue #16: the first screening run's leads as a set)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from bottomline.monitoring import services
from bottomline.monitoring.models import Case, Channel, Lead, LeadStatus
from bottomline.monitoring.services import SignalIn, lead_raise, leads_raise
from bottomline.registry.services import rows_insert
from bottomline.registry.tests.factories import household

FIRST = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT = datetime(2026, 3, 3, 9, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 9, tzinfo=UTC)


def _scenario(personas: dict[str, Any], tree: Any) -> tuple[list[int], list[SignalIn]]:
    """Households in every state a signal can meet, and the signals of one run about them."""
    cadre = personas["village_cadre"]
    homes = [household(cadre, tree.village).pk for _ in range(7)]
    # 0: nothing yet. 1: an open lead with its case, from an earlier run.
    lead_raise(household_id=homes[1], channel=Channel.SCREENING, reference="run:1", category=3, at=FIRST)
    # 2: a closed lead and its closed case: a new lead and a new case.
    old = lead_raise(household_id=homes[2], channel=Channel.CADRE, reference="visit:1", at=FIRST)
    Lead.objects.filter(pk=old.pk).update(status=LeadStatus.CLOSED)
    Case.objects.filter(lead=old).update(closed_at=FIRST)
    # 3: an open lead whose first signal came after this run's: its clock moves back.
    lead_raise(
        household_id=homes[3],
        channel=Channel.DEPARTMENT,
        reference="feed:1",
        risk_types=["illness"],
        at=LATER,
    )
    # 4: this very signal kept already: nothing added.
    lead_raise(household_id=homes[4], channel=Channel.SCREENING, reference="run:9", category=2, at=FIRST)
    # 5: a closed lead whose case is still open: a new lead, no second case.
    busy = lead_raise(household_id=homes[5], channel=Channel.CADRE, reference="visit:2", at=FIRST)
    Lead.objects.filter(pk=busy.pk).update(status=LeadStatus.CLOSED)
    detail = {"en": ["Income below the line"], "zh": ["收入低于监测线"]}
    signals = [
        SignalIn(homes[0], detail, 2, ("disaster",)),
        SignalIn(homes[1], detail, 1, ("income", "illness")),
        SignalIn(homes[2], detail, None, ()),
        SignalIn(homes[3], detail, 2, ("accident",)),
        SignalIn(homes[4], detail, 2, ()),
        SignalIn(homes[5], detail, 3, ("education",)),
        SignalIn(homes[6], {"en": ["first"], "zh": ["first"]}, 1, ("income",)),
        SignalIn(homes[6], detail, 2, ("illness",)),  # twice in one run: the last one counts
    ]
    return homes, signals


def _state(homes: list[int]) -> list[Any]:
    """Every lead of the households, by household position: its values, signals, cases and their steps."""
    found = []
    for position, home in enumerate(homes):
        for lead in Lead.objects.filter(household_id=home).order_by("id"):
            found.append(
                (
                    position,
                    lead.status,
                    lead.category,
                    lead.risk_types,
                    lead.first_at,
                    lead.last_at,
                    [
                        (s.channel, s.reference, s.at, s.detail)
                        for s in lead.signals.order_by("channel", "reference")
                    ],
                    [
                        (
                            c.opened_at,
                            c.closed_at,
                            c.state,
                            [(p.action, p.target, p.at, p.on) for p in c.steps.order_by("id")],
                        )
                        for c in Case.objects.filter(lead=lead).order_by("id")
                    ],
                )
            )
    return found


def _raised(personas: dict[str, Any], tree: Any, *, one_by_one: bool) -> tuple[dict[str, int], list[Any]]:
    """The scenario's run raised as a set or a signal at a time; what it returned and left (then undone)."""
    with transaction.atomic():
        homes, signals = _scenario(personas, tree)
        if one_by_one:
            counts = {"opened": 0, "signals": 0}
            for signal in signals:
                got = leads_raise(channel=Channel.SCREENING, reference="run:9", signals=[signal], at=AT)
                counts = {k: counts[k] + got[k] for k in counts}
        else:
            counts = leads_raise(channel=Channel.SCREENING, reference="run:9", signals=signals, at=AT)
        state = _state(homes)
        transaction.set_rollback(True)
    return counts, state


def test_a_set_of_signals_leaves_what_one_signal_at_a_time_leaves(
    tree: Any, personas: dict[str, Any]
) -> None:
    as_set, after_set = _raised(personas, tree, one_by_one=False)
    one_by_one, after_each = _raised(personas, tree, one_by_one=True)
    # The duplicate signal of household 6 opens its lead once either way; one at a time, its second signal
    # (same channel and reference) joins the lead already raised and is kept once.
    assert as_set == {"opened": 4, "signals": 6}
    assert one_by_one == {"opened": 4, "signals": 6}
    # One at a time the first signal of household 6 counts too (it came first): its risk types are merged.
    assert [s for s in after_set if s[0] != 6] == [s for s in after_each if s[0] != 6]


def test_the_set_path_merges_each_lead_as_expected(tree: Any, personas: dict[str, Any]) -> None:
    _, state = _raised(personas, tree, one_by_one=False)
    by_position: dict[int, list[Any]] = {}
    for row in state:
        by_position.setdefault(row[0], []).append(row)
    fresh = by_position[0][0]
    assert fresh[1:6] == ("open", 2, ["disaster"], AT, AT)
    assert len(fresh[7]) == 1 and fresh[7][0][0] == AT and len(fresh[7][0][3]) == 1  # a case, its first step
    joined = by_position[1][0]
    assert joined[1:6] == ("open", 3, ["illness", "income"], FIRST, AT)
    assert [s[1] for s in joined[6]] == ["run:1", "run:9"]
    assert [lead[1] for lead in by_position[2]] == ["closed", "open"] and len(by_position[2][1][7]) == 1
    moved = by_position[3][0]
    assert (
        moved[4:6] == (AT, LATER) and moved[7][0][0] == AT and moved[7][0][3][0][2] == AT
    )  # clock moved back
    kept = by_position[4][0]
    assert kept[2] == 2 and [s[2] for s in kept[6]] == [FIRST]  # the signal kept once, as first raised
    assert [lead[1] for lead in by_position[5]] == ["closed", "open"] and by_position[5][1][7] == []
    last = by_position[6][0]
    assert last[2:4] == (2, ["illness"]) and last[6][0][3] == {
        "en": ["Income below the line"],
        "zh": ["收入低于监测线"],
    }


def test_a_lead_opened_meanwhile_is_joined_and_merged(
    tree: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = household(personas["village_cadre"], tree.village).pk

    def another_first(model: Any, *args: Any, **kwargs: Any) -> None:
        if model is Lead:  # another process opens the household's lead after this call looked for one
            Lead.objects.create(
                household_id=home, first_at=FIRST, last_at=FIRST, category=3, risk_types=["illness"]
            )
        rows_insert(model, *args, **kwargs)

    monkeypatch.setattr(services, "rows_insert", another_first)
    detail = {"en": ["Income below the line"], "zh": ["收入低于监测线"]}
    leads_raise(
        channel=Channel.SCREENING,
        reference="run:9",
        signals=[SignalIn(home, detail, 2, ("disaster",))],
        at=AT,
    )
    lead = Lead.objects.get(household_id=home)
    assert (lead.category, lead.risk_types, lead.first_at, lead.last_at) == (
        3,
        ["disaster", "illness"],
        FIRST,
        AT,
    )
    assert [(s.reference, s.detail) for s in lead.signals.all()] == [("run:9", detail)]
    assert Case.objects.filter(household_id=home, lead=lead).count() == 1


def test_rows_insert_fills_defaults_and_leaves_out_conflicts(tree: Any, personas: dict[str, Any]) -> None:
    home = household(personas["village_cadre"], tree.village).pk
    rows_insert(Lead, ["household", "first_at", "last_at"], [(home, FIRST, FIRST)])
    # A second open lead of the household breaks the partial unique index: left out, not an error.
    rows_insert(Lead, ["household", "first_at", "last_at"], [(home, AT, AT)], ignore_conflicts=True)
    lead = Lead.objects.get(household_id=home)
    assert (lead.status, lead.risk_types, lead.category, lead.first_at) == ("open", [], None, FIRST)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(Lead, ["household", "first_at", "last_at"], [(home, AT, AT)])
