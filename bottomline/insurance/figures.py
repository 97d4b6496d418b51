"""The insurance dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): the households (and
people) covered as of the period's end, by the policies in force then and their rules applied to the registry as
of that day; the claims paid in the period, their households and people, and the amount paid. Drill-through to
the households."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from bottomline.insurance.models import Claim, ClaimStatus, Policy
from bottomline.insurance.selectors import covered_in
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramFigure, ProgramFigures, Where

SOURCE = "domain.md §3.5; seed 001"


def _yuan(value: Decimal | None) -> int:
    return int(Decimal(value or 0).quantize(Decimal(1), ROUND_HALF_UP))


def _covered(where: Where, end: date) -> dict[int, tuple[str, str, int]]:
    """The households covered on ``end`` by any policy in force then: id → (village, number, people)."""
    found: dict[int, tuple[str, str, int]] = {}
    policies = list(Policy.objects.select_related("region").filter(start__lte=end, end__gte=end))
    for q in where("village__code"):
        scope = Household.objects.filter(q)
        for policy in policies:
            rows = (
                covered_in(policy, scope, end)
                .annotate(people=Count("members", distinct=True))
                .values_list("pk", "village__code", "number", "people")
            )
            for pk, village, number, people in rows:
                found[pk] = (village, number, people)
    return found


def _paid(where: Where, start: date, end: date) -> list[tuple[int, str, str, Decimal, int]]:
    """The claims paid in the period (and still paid): (household id, village, number, amount, members), one
    query per filter."""
    out: list[tuple[int, str, str, Decimal, int]] = []
    for q in where("household__village__code"):
        rows = (
            Claim.objects.filter(q, status=ClaimStatus.PAID, paid_on__range=(start, end))
            .annotate(people=Count("household__members", distinct=True))
            .values_list(
                "household_id", "household__village__code", "household__number", "paid_amount", "people"
            )
        )
        out.extend((h, v, n, a or Decimal(0), p) for h, v, n, a, p in rows)
    return out


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts: covered households and people on ``end``; claims paid from ``start`` to ``end``,
    their households and people, and the amount."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTS, 0))
    for village, _number, people in _covered(where, end).values():
        out[village]["insurance_covered_hh"] += 1
        out[village]["insurance_covered_people"] += people
    paid = _paid(where, start, end)
    households: dict[str, dict[int, int]] = defaultdict(dict)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for household_id, village, _number, amount, people in paid:
        out[village]["insurance_claims_paid"] += 1
        households[village][household_id] = people  # a household paid twice is counted once
        amounts[village] += amount
    for village, members in households.items():
        out[village]["insurance_paid_hh"] = len(members)
        out[village]["insurance_paid_people"] = sum(members.values())
        out[village]["insurance_paid_yuan"] = _yuan(amounts[village])
    return {village: parts for village, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households a household part counts (once each), as (village code, household number, id)."""
    if part == "insurance_covered_hh":
        return sorted((v, n, pk) for pk, (v, n, _p) in _covered(where, end).items())
    if part == "insurance_paid_hh":
        return sorted({(v, n, h) for h, v, n, _a, _p in _paid(where, start, end)})
    raise ValueError(f"no households behind {part!r}")


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            "insurance_covered_hh",
            _("Households covered by anti-poverty insurance"),
            "防返贫保险覆盖户数",
            "households",
            "stock",
            SOURCE,
            "households a policy in force on the period's last day covers then, by its rule applied to the registry",
        ),
        ProgramFigure(
            "insurance_covered_people",
            _("People covered by anti-poverty insurance"),
            "防返贫保险覆盖人数",
            "people",
            "stock",
            SOURCE,
            "a registered member of a covered household",
            households_of="insurance_covered_hh",
        ),
        ProgramFigure(
            "insurance_claims_paid",
            _("Anti-poverty insurance claims paid"),
            "防返贫保险理赔笔数",
            "claims",
            "flow",
            SOURCE,
            "claims paid in the period (not refused or withdrawn since)",
        ),
        ProgramFigure(
            "insurance_paid_hh",
            _("Households paid an anti-poverty insurance claim"),
            "防返贫保险获赔户数",
            "households",
            "flow",
            SOURCE,
            "households with a claim paid in the period",
        ),
        ProgramFigure(
            "insurance_paid_people",
            _("People in households paid a claim"),
            "防返贫保险获赔户人数",
            "people",
            "flow",
            SOURCE,
            "a registered member of a household paid a claim in the period",
            households_of="insurance_paid_hh",
        ),
        ProgramFigure(
            "insurance_paid_yuan",
            _("Anti-poverty insurance paid (yuan)"),
            "防返贫保险赔付金额（元）",
            "yuan",
            "flow",
            SOURCE,
            "payouts of the claims paid in the period, in yuan",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Anti-poverty insurance"),
)
PARTS = tuple(f.part for f in FIGURES.figures)
