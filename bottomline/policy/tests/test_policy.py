"""Parameters in force: the most specific region wins, periods hold, history is kept, only the right officers set them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from bottomline.policy.models import Parameter
from bottomline.policy.selectors import parameters_for
from bottomline.policy.services import parameter_set


@pytest.mark.django_db
def test_lines_in_force_by_year_and_region(tree: Any) -> None:
    call_command("policy_seed")
    call_command("policy_seed")  # re-running adds nothing
    assert Parameter.objects.filter(name="monitoring_line").count() == 2
    assert parameters_for(region=tree.village, on=date(2021, 6, 1))["monitoring_line"] == Decimal("6000")
    assert parameters_for(region=tree.village, on=date(2023, 6, 1))["monitoring_line"] == Decimal("6700")
    assert "monitoring_line" not in parameters_for(region=tree.village, on=date(2020, 6, 1))
    assert parameters_for(region=tree.county, on=date(2024, 1, 1))["notice_days"] == Decimal("5")


@pytest.mark.django_db
def test_a_county_may_raise_its_line_but_not_lower_it(tree: Any, personas: dict[str, Any]) -> None:
    call_command("policy_seed")
    county = personas["county_officer"]
    with pytest.raises(ValidationError):
        parameter_set(
            actor=county,
            name="monitoring_line",
            region=tree.county,
            value=Decimal("6500"),
            effective_from=date(2024, 1, 1),
            source="县文件",
        )
    parameter_set(
        actor=county,
        name="monitoring_line",
        region=tree.county,
        value=Decimal("7200"),
        effective_from=date(2024, 1, 1),
        source="湟中区 2024 文件",
    )
    assert parameters_for(region=tree.village, on=date(2024, 3, 1))["monitoring_line"] == Decimal("7200")
    assert parameters_for(region=tree.other_county_village, on=date(2024, 3, 1))[
        "monitoring_line"
    ] == Decimal("6700")
    with pytest.raises(PermissionDenied):
        parameter_set(
            actor=county,
            name="notice_days",
            region=tree.county,
            value=Decimal("7"),
            effective_from=date(2024, 1, 1),
            source="x",
        )


@pytest.mark.django_db
def test_a_change_supersedes_and_keeps_history(tree: Any, personas: dict[str, Any]) -> None:
    province = personas["province_officer"]
    for value in ("7000", "7100"):
        parameter_set(
            actor=province,
            name="monitoring_line",
            region=tree.province,
            value=Decimal(value),
            effective_from=date(2025, 1, 1),
            source="青海 2025",
        )
    rows = Parameter.objects.filter(region=tree.province).order_by("changed_at", "pk")
    assert [(r.value, r.superseded_at is not None) for r in rows] == [
        (Decimal("7000"), True),
        (Decimal("7100"), False),
    ]
    assert parameters_for(region=tree.county, on=date(2025, 2, 1))["monitoring_line"] == Decimal("7100")
    with pytest.raises(PermissionDenied):
        parameter_set(
            actor=personas["village_cadre"],
            name="monitoring_line",
            region=tree.province,
            value=Decimal("1"),
            effective_from=date(2025, 1, 1),
            source="x",
        )
    with pytest.raises(PermissionDenied):  # another province's officer: not their region
        parameter_set(
            actor=province,
            name="monitoring_line",
            region=tree.county,
            value=Decimal("9000"),
            effective_from=date(2025, 1, 1),
            source="x",
        )


@pytest.mark.django_db(transaction=True)
def test_a_proposal_is_simulated_then_applied_once(client: Any, tree: Any, personas: dict[str, Any]) -> None:
    from bottomline.policy.models import Proposal
    from bottomline.registry.services import income_record
    from bottomline.registry.tests.factories import household, id_number, member

    call_command("policy_seed")
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    member(cadre, home, id_number(sequence=9))
    income_record(
        actor=cadre,
        household_id=home.pk,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        wage=Decimal("7000"),
    )
    client.force_login(personas["province_officer"])
    response = client.post(
        "/policy/",
        {
            "name": "monitoring_line",
            "value": "7500",
            "effective_from": "2026-01-01",
            "source": "青海 2026 文件",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/policy/proposals/{proposal.pk}/"
    assert proposal.simulation["entering"] == [
        {"county": "630106", "county_name": "湟中区", "category": 1, "households": 1}
    ]
    assert parameters_for(region=tree.village, on=date(2026, 6, 1))["monitoring_line"] == Decimal("6700")
    client.post(f"/policy/proposals/{proposal.pk}/decide/", {"decision": "apply"})
    client.post(f"/policy/proposals/{proposal.pk}/decide/", {"decision": "discard"})  # decided already
    proposal.refresh_from_db()
    assert proposal.status == "applied" and proposal.decided_by == personas["province_officer"]
    assert parameters_for(region=tree.village, on=date(2026, 6, 1))["monitoring_line"] == Decimal("7500")


@pytest.mark.django_db
def test_the_unsourced_rigid_spending_defaults_are_superseded_by_migration(
    tree: Any, personas: dict[str, Any]
) -> None:
    """Issue #13: the seeded share 0.5 and amount 10,000 had no source; migration 0005 supersedes them (and only
    them: a value a province entered with its own source stays in force)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("bottomline.policy.migrations.0005_unsourced_rigid_spending")
    seeded = "Assumption: no national figure found; provinces set their own (domain.md §1.2)"
    for name, value in (("rigid_spending_share", "0.5"), ("rigid_spending_amount", "10000")):
        Parameter.objects.create(
            name=name, value=Decimal(value), effective_from=date(2021, 1, 1), source=seeded
        )
    own = Parameter.objects.create(
        name="rigid_spending_amount",
        region=tree.province,
        value=Decimal("30000"),
        effective_from=date(2024, 1, 1),
        source="Province's own rule",
        changed_by=personas["province_officer"],
    )
    assert "rigid_spending_share" in parameters_for(region=tree.village, on=date(2026, 1, 1))
    migration.supersede(apps, None)
    in_force = parameters_for(region=tree.village, on=date(2026, 1, 1))
    assert "rigid_spending_share" not in in_force
    assert in_force["rigid_spending_amount"] == Decimal("30000")
    assert Parameter.objects.filter(superseded_at__isnull=False).count() == 2
    assert Parameter.objects.get(pk=own.pk).superseded_at is None


def test_the_policy_page_names_the_documents_in_chinese(
    client: Any, tree: Any, personas: dict[str, Any]
) -> None:
    """政策依据 shows document numbers and Chinese wording, not the developers' English notes."""
    from django.conf import settings

    call_command("policy_seed", verbosity=0)
    Parameter.objects.update(basis="")  # a database seeded before the basis existed: seeding again fills it
    call_command("policy_seed", verbosity=0)
    client.force_login(personas["county_officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/policy/").text
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "中农组发〔2021〕7号" in table and "原则上不得低于半年" in table
    for note in ("Assumption", "domain.md", "National line"):
        assert note not in table, note
