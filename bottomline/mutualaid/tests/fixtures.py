"""A fund to test with: an association in 永丰村 with fiscal capital and two member households."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bottomline.mutualaid import services
from bottomline.mutualaid.models import Association, Loan
from bottomline.registry.tests.factories import household


def fund(actor: Any, village: Any, *, fiscal: Decimal = Decimal(150000), members: int = 2) -> dict[str, Any]:
    association = services.association_create(
        actor=actor,
        village_code=village.code,
        name=f"{village.name}互助资金协会",
        founded_on=date(2024, 1, 1),
    )
    services.contribution_record(
        actor=actor, association_id=association.pk, source="fiscal", amount=fiscal, on=date(2024, 1, 5)
    )
    homes = [household(actor, village) for _n in range(members)]
    for home in homes:
        services.member_join(
            actor=actor, association_id=association.pk, household_id=home.pk, share=Decimal(200),
            joined_on=date(2024, 1, 10),
        )  # fmt: skip
    return {"association": association, "homes": homes}


def lend(actor: Any, association: Association, home: Any, **overrides: Any) -> Loan:
    values: dict[str, Any] = {
        "association_id": association.pk,
        "household_id": home.pk,
        "number": f"HZ-{association.pk}-{Loan.objects.count() + 1}",
        "amount": Decimal(5000),
        "term_months": 12,
        "fee_rate": Decimal(6),
        "purpose": "livestock",
        "disbursed_on": date(2025, 3, 1),
    }
    values.update(overrides)
    return services.loan_record(actor=actor, **values)
