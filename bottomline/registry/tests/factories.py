"""Valid test data for the registry: ID numbers with correct check digits, and households."""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric

from bottomline.accounts.models import User
from bottomline.registry.models import Household, Member
from bottomline.registry.services import household_register, member_register


def id_number(area: str = "630106", birth: date = date(1985, 6, 15), sequence: int = 1) -> str:
    """An 18-digit ID number with a correct check digit."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def household(actor: User, village: Any, **overrides: Any) -> Household:
    values: dict[str, Any] = {"household_type": "lifted", "housing_grade": "B"}
    values.update(overrides)
    return household_register(actor=actor, village=village, **values)


def member(actor: User, household: Household, number: str, **overrides: Any) -> Any:
    """A member: the head when the household has none yet, else "other" (unless a relation is given)."""
    head = Member.objects.filter(household=household, relation="head").exists()
    values: dict[str, Any] = {
        "name": "王建国",
        "relation": "other" if head else "head",
        "labour": "ordinary",
        "education": "junior",
    }
    values.update(overrides)
    return member_register(actor=actor, household_id=household.pk, id_number=number, **values).member
