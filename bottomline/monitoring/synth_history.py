"""A calibrated multi-year monitoring history for a synthetic county (issue 14, item 9).

From 2021 to the given day, households of the county are identified as monitoring objects year by year, by
category and risk type, assisted, followed up monthly with their income recorded, and most of them have their
risk eliminated once their income has stayed above the line for the required months while monitored; a few
stay monitored on the safety net, a few re-enter later. Every case walks the workflow's steps in order with
the policy's deadlines (docs/workflow.md): a lead, the visit within days, the appraisal, a public notice of
``notice_days`` full days, the township's review after it, the county's approval within
``identification_days`` of the lead, the announcement; follow-ups at the ``followup_months`` rhythm; the
elimination proposed on a follow-up that finds the household ready and approved after its own notice, both
judged by the rule evaluator the workflow uses (``readiness.readiness_of``). ``timeline_problems`` checks a
written case against the same rules. Deterministic from the seed; written in bulk (a few seconds for
Huangzhong). Every figure is a field of ``HistoryCalibration``; docs/synthetic-data.md gives the sources.
"""

from __future__ import annotations

import logging
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, cast

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.monitoring.assistance import BY_RISK
from bottomline.monitoring.models import (
    DEVELOPMENT,
    SAFETY_NET,
    Case,
    Channel,
    FollowUp,
    Lead,
    LeadStatus,
    Measure,
    MeasureKind,
    MeasureStatus,
    Signal,
    Step,
)
from bottomline.monitoring.readiness import (
    Readiness,
    _rhythm_kept,
    case_readiness,
    readiness_of,
)
from bottomline.monitoring.rhythm import followup_months, months_after
from bottomline.monitoring.workflow import Action, State, transition_for
from bottomline.policy.models import Parameter
from bottomline.policy.selectors import parameters_cached, parameters_for
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import ancestor_codes
from bottomline.registry.choices import LABOUR_CAPABLE, HouseholdType
from bottomline.registry.features import NOT_IN_SCHOOL, _income_facts, household_facts
from bottomline.registry.models import Household, IncomeRecord, Member, age_on
from bottomline.rules.nodes import Value

logger = logging.getLogger(__name__)

REFERENCE = "history"  # signals of the history: "history:<seed>:<n>"
CROSS_CHECKED = {
    "explanations": {
        "en": ["Compared with the departments' data at the time (synthetic history)"],
        "zh": ["当时已与部门数据比对（模拟历史）"],
    }
}


@dataclass(frozen=True)
class HistoryCalibration:
    """The figures the history is drawn from (docs/synthetic-data.md names the source of each)."""

    start_year: int = 2021
    # Monitoring objects ever identified, in people, per lifted-out person: Guizhou 423,200 / 9.23 M = 4.6 %.
    objects_share: float = 0.046
    # Households by category: Guizhou's 脱贫不稳定 : 边缘易致贫 = 54 : 46 (seed 001), 突发严重困难 15 % (assumption).
    categories: tuple[tuple[int, float], ...] = ((1, 0.46), (2, 0.39), (3, 0.15))
    # Identifications by year from start_year (later years take the last weight): 2023 is 56 % of those up to
    # 2023 as in Qinghai 2023-11 (0.66 of 1.18 万户); the rest an assumption.
    year_weights: tuple[float, ...] = (0.16, 0.15, 0.39, 0.14, 0.10, 0.06)
    safety_net_share: float = (
        0.05  # assumption: no labour capacity, on 低保/特困: monitored on (domain.md §1.7)
    )
    reentry_share: float = 0.03  # assumption: of the eliminated households, re-identified later
    below_months: tuple[int, int] = (0, 2)  # months of income still below the line after identification
    extra_months: tuple[int, int] = (0, 3)  # months above the line beyond stable_months before the proposal
    # Households still at risk today stay monitored; a case younger than this is left to the screening.
    recent_days: int = 20
    channels: tuple[tuple[str, float], ...] = (
        (Channel.SCREENING, 0.35),
        (Channel.CADRE, 0.30),
        (Channel.DEPARTMENT, 0.25),
        (Channel.SELF_DECLARATION, 0.10),
    )
    # Risk types by category (assumption, in the order of the picklist and the causes of poverty).
    risks: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = (
        (
            1,
            (
                ("illness", 0.30),
                ("unstable_employment", 0.20),
                ("disability", 0.10),
                ("schooling", 0.08),
                ("failed_industry", 0.10),
                ("income_drop", 0.12),
                ("disaster", 0.05),
                ("housing_safety", 0.05),
            ),
        ),
        (
            2,
            (
                ("illness", 0.30),
                ("unstable_employment", 0.25),
                ("disability", 0.08),
                ("schooling", 0.10),
                ("failed_industry", 0.10),
                ("income_drop", 0.12),
                ("disaster", 0.05),
            ),
        ),
        (3, (("illness", 0.45), ("accident", 0.25), ("disaster", 0.20), ("income_drop", 0.10))),
    )
    # Yuan per measure (assumption; 民和 gives 15,000 for household industry, 雨露计划 about 3,000 a year).
    amounts: tuple[tuple[str, int, int], ...] = (
        (MeasureKind.INDUSTRY, 3000, 15000),
        (MeasureKind.EMPLOYMENT, 1000, 3000),
        (MeasureKind.PUBLIC_WELFARE_POST, 4800, 9600),
        (MeasureKind.HEALTH, 2000, 20000),
        (MeasureKind.EDUCATION, 2000, 3000),
        (MeasureKind.HOUSING, 15000, 35000),
        (MeasureKind.DIBAO, 3000, 6000),
        (MeasureKind.TEKUN, 6000, 9000),
        (MeasureKind.DISABILITY, 1000, 2400),
        (MeasureKind.INSURANCE, 5000, 20000),
    )


@dataclass
class _Household:
    """A household of the county as the history sees it now."""

    obj: Household
    lifted: bool
    people: int
    capable: bool
    pool: str  # "ready" (could be eliminated), "at_risk", "safety_net"


@dataclass
class _Case:
    """One case to write, with everything that belongs to it."""

    household: _Household
    category: int
    risks: list[str]
    channel: str
    opened: datetime
    state: State = State.VISIT
    steps: list[tuple[str, str, str, date, dict[str, Any], bool]] = field(default_factory=list)
    notice: tuple[date, date] | None = None
    identified_on: date | None = None
    eliminated_on: date | None = None
    decided_on: date | None = None
    safety_net: bool = False
    visits: list[tuple[date, IncomeRecord]] = field(default_factory=list)
    measures: list[tuple[str, date, date | None, str, int]] = field(default_factory=list)
    below: int = 0  # follow-ups with income still below the line
    stable: int = 6  # the months above the line the rules ask for (stable_months)
    extra: int = 0  # months more above the line, once ready, before the cadre proposes elimination


def _pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    roll, total = rng.random() * sum(w for _v, w in table), 0.0
    for value, weight in table:
        total += weight
        if roll < total:
            return value
    return table[-1][0]


def _moment(day: date, minutes: int) -> datetime:
    """A time on a day (its local morning, ``minutes`` on), for a step recorded that day."""
    return timezone.make_aware(datetime.combine(day, time(9, 0)) + timedelta(minutes=minutes))


class _Generator:
    def __init__(self, *, county: Region, seed: int, on: date, user: User, c: HistoryCalibration) -> None:
        self.county, self.on, self.user, self.c = county, on, user, c
        self.rng = random.Random(f"history:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
        self.seed = seed
        # The parameters in force change only on the days some row of the county's (or above) starts or ends:
        # read once per span between those days (a village's own rows, if any, are read per village).
        rows = Parameter.objects.filter(superseded_at__isnull=True).filter(
            Q(region__isnull=True) | Q(region__code__in=ancestor_codes(county))
        )
        self.changes = sorted(
            {r.effective_from for r in rows}
            | {r.effective_to + timedelta(days=1) for r in rows if r.effective_to is not None}
        )
        self.own = Parameter.objects.filter(
            region__code__startswith=county.code[:6], region__level__gt=Level.COUNTY
        ).exists()
        self.spans: dict[int, dict[str, float]] = {}

    def params(self, village_id: int, day: date) -> dict[str, float]:
        """The parameters in force for a village on a day (parameters_cached's values)."""
        if self.own:
            return parameters_cached(village_id=village_id, on=day)
        span = bisect_right(self.changes, day)
        if span not in self.spans:
            self.spans[span] = {k: float(v) for k, v in parameters_for(region=self.county, on=day).items()}
        return self.spans[span]

    # -- the households ---------------------------------------------------------------------------------

    def pools(self) -> None:
        """The county's households without a case, in a seeded order, judged lazily (``draw``); those that
        may live on the safety net (低保/特困, no member able to work) are found by query and judged at once."""
        households = Household.objects.filter(
            village__code__startswith=self.county.code[:6], cases__isnull=True
        ).order_by("pk")
        self.order = list(households.values_list("pk", flat=True))
        self.rng.shuffle(self.order)
        self.pool: dict[tuple[str, bool], list[_Household]] = {}
        capable = Member.objects.filter(household=OuterRef("pk"), labour__in=LABOUR_CAPABLE)
        candidates = households.filter(welfare__in=("dibao", "tekun")).exclude(Exists(capable))
        net = set(candidates.values_list("pk", flat=True))
        self.order = [pk for pk in self.order if pk not in net]
        self._judge([pk for pk in self.order if pk in net] or sorted(net))

    def _judge(self, ids: list[int]) -> None:
        """Judge these households now (ready, at risk, on the safety net) and add them to the pools."""
        chunk = Household.objects.filter(pk__in=ids).prefetch_related("members", "incomes", "feed_events")
        judged_by = {h.pk: h for h in chunk}
        for pk in ids:
            h = judged_by[pk]
            judged = readiness_of(*self._facts(h, self.on, since=None, planned=()))
            members = list(h.members.all())
            start = date(self.c.start_year, 1, 1)
            # A member out of school now who was of school age some time since the start: the history's days
            # would find a child out of school (the archive keeps no schooling history), so not eliminated.
            schooled = any(
                m.student_status in NOT_IN_SCHOOL
                and age_on(m.birth_date, start) <= 15
                and age_on(m.birth_date, self.on) >= 6
                for m in members
            )
            found = _Household(
                obj=h,
                lifted=h.household_type == HouseholdType.LIFTED,
                people=len(members),
                capable=any(m.labour in LABOUR_CAPABLE for m in members),
                pool="safety_net" if judged.safety_net else "ready" if judged.ready else "at_risk",
            )
            if found.pool == "ready" and schooled:
                continue
            self.pool.setdefault((found.pool, found.lifted), []).append(found)

    def draw(self, pool: str, lifted: bool) -> _Household | None:
        """The next household of a pool, judging more of the county's households while it is empty."""
        key = (pool, lifted)
        while not self.pool.get(key) and self.order and pool != "safety_net":
            batch, self.order = self.order[:200], self.order[200:]
            self._judge(batch)
        found = self.pool.get(key)
        return found.pop(0) if found else None

    def _facts(
        self, h: Household, on: date, *, since: date | None, planned: Iterable[IncomeRecord]
    ) -> tuple[dict[str, Value], dict[str, float]]:
        """The household's facts on a day with the incomes known by then (its records and the planned ones
        ended by that day), and the parameters in force: what the workflow's readiness reads."""
        params = self.params(h.village_id, on)
        line = params.get("monitoring_line")
        line_d = Decimal(str(line)) if line is not None else None
        months = params.get("sudden_event_months")
        facts = household_facts(
            h, line=line_d, on=on, event_months=int(months) if months is not None else 12, since=since
        )
        planned = list(planned)
        if planned or any(r.period_end > on for r in h.incomes.all()):  # else household_facts read the same
            known = [r for r in [*h.incomes.all(), *planned] if r.period_end <= on]
            facts.update(_income_facts(known, line_d, since=since))
        return facts, params

    def readiness(self, case: _Case, on: date) -> Readiness:
        """The household criteria on a day with the case's incomes recorded by then (assistance and the
        follow-up rhythm hold by construction; ``timeline_problems`` checks them on the written case)."""
        planned = [income for _day, income in case.visits]
        facts, params = self._facts(case.household.obj, on, since=case.identified_on, planned=planned)
        return readiness_of(facts, params)

    # -- one case ---------------------------------------------------------------------------------------

    def identify(self, case: _Case, lead_day: date) -> bool:
        """The identification steps from the lead; False when they would not be over by today."""
        rng, village = self.rng, case.household.obj.village_id
        visit = lead_day + timedelta(days=rng.randint(0, 2))
        appraise = visit + timedelta(days=rng.randint(1, 3))
        notice_days = int(self.params(village, appraise).get("notice_days", 5))
        notice = (appraise + timedelta(days=1), appraise + timedelta(days=notice_days))
        review = notice[1] + timedelta(days=rng.randint(1, 2))
        approve = review + timedelta(days=rng.randint(0, 2))
        announce = approve + timedelta(days=rng.randint(0, 3))
        if announce > self.on:
            return False
        category = {"category": case.category, "risk_types": case.risks}
        case.steps = [
            (Action.OPEN, "", State.VISIT, lead_day, {}, False),
            (
                Action.VISIT,
                State.VISIT,
                State.APPRAISAL,
                visit,
                {"consent": {"kind": "paper", "signed_on": visit.isoformat()}},
                True,
            ),
            (Action.CROSS_CHECK, State.APPRAISAL, State.APPRAISAL, visit, CROSS_CHECKED, False),
            (
                Action.APPRAISE,
                State.APPRAISAL,
                State.NOTICE,
                appraise,
                {"minutes": "村民代表会议评议，同意纳入监测", **category},
                True,
            ),
            (Action.REVIEW, State.NOTICE, State.APPROVAL, review, {}, True),
            (Action.APPROVE, State.APPROVAL, State.ANNOUNCEMENT, approve, dict(category), True),
            (Action.ANNOUNCE, State.ANNOUNCEMENT, State.MONITORED, announce, {}, True),
        ]
        case.notice, case.identified_on, case.decided_on = notice, approve, approve
        case.state = State.MONITORED
        return True

    def follow(self, case: _Case, *, below: int, shares: Sequence[tuple[str, float]]) -> None:
        """Monthly follow-ups from identification while they fall by today, each recording the income since
        the one before: below the line for the first ``below`` (all, if negative), above it after."""
        rng, h = self.rng, case.household
        assert case.identified_on is not None  # noqa: S101  (identified first)
        every = followup_months(self.params(h.obj.village_id, case.identified_on))
        previous = case.identified_on
        while True:
            visit = months_after(previous, every) - timedelta(days=rng.randint(0, 5))
            visit = max(visit, previous + timedelta(days=7))
            if visit > self.on:
                return
            self.visit(case, previous, visit, low=below < 0 or len(case.visits) < below, shares=shares)
            previous = visit
            if case.eliminated_on is None and self.try_eliminate(case, shares):
                return

    def visit(
        self, case: _Case, start: date, visit: date, *, low: bool, shares: Sequence[tuple[str, float]]
    ) -> None:
        h = case.household
        line = self.params(h.obj.village_id, visit).get("monitoring_line") or 6000.0
        per_capita = line * (self.rng.uniform(0.6, 0.95) if low else self.rng.uniform(1.2, 1.7))
        days = (visit - start).days
        total = per_capita * h.people * days / 365
        income = IncomeRecord(
            household=h.obj,
            period_start=start,
            period_end=visit - timedelta(days=1),
            household_size=h.people,
            **{name: Decimal(round(total * share, 2)) for name, share in shares},
        )
        income.net_income = sum(
            (getattr(income, name) for name, _s in shares), Decimal(0)
        )  # what the database computes, for the readiness judged before the write
        case.visits.append((visit, income))

    def try_eliminate(self, case: _Case, shares: Sequence[tuple[str, float]]) -> bool:
        """On the latest follow-up: if the household is ready and stays so through the procedure, take the
        elimination steps (proposal that day, appraisal, notice, review, approval)."""
        if case.household.pool != "ready" or not case.visits:
            return False
        above = len(case.visits) - case.below
        if above < case.stable + case.extra:  # not yet: whole months above the line are judged below
            return False
        propose = case.visits[-1][0]
        judged = self.readiness(case, propose)
        if not judged.ready:
            return False
        rng, village = self.rng, case.household.obj.village_id
        appraise = propose + timedelta(days=rng.randint(1, 3))
        notice_days = int(self.params(village, appraise).get("notice_days", 5))
        notice = (appraise + timedelta(days=1), appraise + timedelta(days=notice_days))
        review = notice[1] + timedelta(days=rng.randint(1, 2))
        approve = review + timedelta(days=rng.randint(0, 3))
        every = followup_months(self.params(village, propose))
        if approve >= self.on or approve > months_after(propose, every):
            return False
        final = self.readiness(case, approve)
        if not final.ready:
            return False
        case.steps += [
            (
                Action.PROPOSE_ELIMINATION,
                State.MONITORED,
                State.ELIM_APPRAISAL,
                propose,
                {"readiness": judged.as_detail()},
                True,
            ),
            (
                Action.APPRAISE,
                State.ELIM_APPRAISAL,
                State.ELIM_NOTICE,
                appraise,
                {"minutes": "村民代表会议评议，同意风险消除"},
                True,
            ),
            (Action.REVIEW, State.ELIM_NOTICE, State.ELIM_APPROVAL, review, {}, True),
            (
                Action.APPROVE,
                State.ELIM_APPROVAL,
                State.ELIMINATED,
                approve,
                {"readiness": final.as_detail()},
                True,
            ),
        ]
        case.notice, case.eliminated_on, case.state = notice, approve, State.ELIMINATED
        return True

    def assist(self, case: _Case) -> None:
        """One or two measures from identification: development first where a member can work, safety net
        where none can, then one that answers the first risk type."""
        assert case.identified_on is not None  # noqa: S101
        rng, c = self.rng, self.c
        first = rng.choice(DEVELOPMENT) if case.household.capable else rng.choice(SAFETY_NET[:2])
        if case.safety_net:
            first = MeasureKind.DIBAO
        kinds = [first, *[k for k in BY_RISK.get(case.risks[0], ())[:1] if k != first]]
        bounds = {kind: (low, high) for kind, low, high in c.amounts}
        for kind in kinds:
            low, high = bounds.get(kind, (1000, 5000))
            amount = rng.randint(low // 100, high // 100) * 100
            if case.eliminated_on is not None:
                span = max((case.eliminated_on - case.identified_on).days, 1)
                end = case.identified_on + timedelta(days=rng.randint(min(60, span), span))
                case.measures.append((kind, case.identified_on, end, MeasureStatus.DONE, amount))
            else:
                case.measures.append((kind, case.identified_on, None, MeasureStatus.ACTIVE, amount))

    # -- the county -------------------------------------------------------------------------------------

    def plan(self) -> list[_Case]:
        from bottomline.registry.synth import INCOME_SHARES  # Faker comes with it: only when generating

        c, rng, on = self.c, self.rng, self.on
        lifted_people = Member.objects.filter(
            household__village__code__startswith=self.county.code[:6],
            household__household_type=HouseholdType.LIFTED,
        ).count()
        target = lifted_people * c.objects_share / (1 + c.reentry_share * 0.8)
        self.pools()
        years = list(range(c.start_year, on.year + 1))
        weights = [c.year_weights[min(i, len(c.year_weights) - 1)] for i in range(len(years))]
        risks_by = dict(c.risks)
        cases: list[_Case] = []
        people = 0
        while people < target:
            category = _pick(rng, c.categories)
            lifted = {1: True, 2: False}.get(category, rng.random() < 0.5)
            year = _pick(rng, list(zip(years, weights, strict=True)))
            last = min(date(year, 12, 31), on - timedelta(days=c.recent_days))
            if last < date(year, 1, 1):
                continue
            lead_day = date(year, 1, 1) + timedelta(days=rng.randint(0, (last - date(year, 1, 1)).days))
            pool = "ready"
            if rng.random() < c.safety_net_share:
                pool = "safety_net"
            elif rng.random() < self._at_risk_share(lead_day):
                pool = "at_risk"
            case = None
            for _attempt in range(30):  # the same category and day with another household, if need be
                household = self.draw(pool, lifted) or self.draw("ready", lifted)
                if household is None:
                    break
                case = self._case(household, category, lead_day, risks_by[category], INCOME_SHARES)
                stuck = (
                    case is not None
                    and case.identified_on is not None
                    and (on - case.identified_on).days > 540
                )
                if case is not None and not (
                    household.pool == "ready" and case.state != State.ELIMINATED and stuck
                ):
                    break
                case = None  # ready now but not on the days it was judged (a child then of school age)
            if case is None:
                if not self.order:
                    break  # the county has run out of households
                continue
            cases.append(case)
            people += case.household.people
        cases += self._reentries(cases, risks_by, INCOME_SHARES)
        return cases

    def _at_risk_share(self, lead_day: date) -> float:
        """How likely a case opened that day is one of a household still at risk today: the longer ago, the
        less (those identified years ago have mostly had their risk eliminated)."""
        years = (self.on - lead_day).days / 365
        return max(0.0, 0.6 - 0.3 * years)

    def _case(
        self,
        household: _Household,
        category: int,
        lead_day: date,
        risks: Sequence[tuple[str, float]],
        shares: Sequence[tuple[str, float]],
    ) -> _Case | None:
        rng, c = self.rng, self.c
        chosen = sorted({_pick(rng, risks) for _ in range(rng.choice((1, 1, 2)))})
        if not household.capable and "lack_of_labour" not in chosen:
            chosen = sorted([*chosen, "lack_of_labour"])
        opened = _moment(lead_day, rng.randint(0, 480))
        case = _Case(household, category, chosen, _pick(rng, c.channels), opened)
        if not self.identify(case, lead_day):
            return None
        assert case.identified_on is not None  # noqa: S101
        # The announcement labels a household that stays monitored on the safety net: the criterion reads only
        # what does not change with the day (labour capacity, 低保/特困), so as judged today.
        case.safety_net = household.pool == "safety_net"
        below = rng.randint(*c.below_months) if household.pool == "ready" else -1
        case.below, case.extra = max(below, 0), rng.randint(*c.extra_months)
        case.stable = int(self.params(household.obj.village_id, case.identified_on).get("stable_months", 6))
        self.follow(case, below=below, shares=shares)
        self.assist(case)
        return case

    def _reentries(
        self,
        cases: list[_Case],
        risks_by: dict[int, tuple[tuple[str, float], ...]],
        shares: Sequence[tuple[str, float]],
    ) -> list[_Case]:
        """A few eliminated households identified again, months after their elimination."""
        rng, c = self.rng, self.c
        eliminated = [x for x in cases if x.eliminated_on is not None]
        again: list[_Case] = []
        for first in rng.sample(eliminated, round(len(eliminated) * c.reentry_share)):
            assert first.eliminated_on is not None  # noqa: S101
            lead_day = first.eliminated_on + timedelta(days=rng.randint(90, 400))
            if lead_day > self.on - timedelta(days=c.recent_days + 30):
                continue
            household = _Household(
                first.household.obj,
                first.household.lifted,
                first.household.people,
                first.household.capable,
                "at_risk",
            )
            category = 1 if household.lifted else rng.choice((2, 3))
            case = self._case(household, category, lead_day, risks_by[category], shares)
            if case is not None:
                again.append(case)
        return again

    # -- the write --------------------------------------------------------------------------------------

    def write(self, cases: list[_Case]) -> dict[str, int]:
        user, now = self.user, timezone.now()
        with transaction.atomic():
            leads = [
                Lead(
                    household=x.household.obj,
                    status=LeadStatus.CLOSED if x.state == State.ELIMINATED else LeadStatus.OPEN,
                    first_at=x.opened,
                    last_at=x.opened,
                    category=x.category,
                    risk_types=x.risks,
                )
                for x in cases
            ]
            # A re-entered household's first lead is closed before its second opens: write in time order.
            order = sorted(range(len(cases)), key=lambda i: cases[i].opened)
            Lead.objects.bulk_create([leads[i] for i in order])
            rows = []
            for i in order:
                x = cases[i]
                closed = _moment(x.eliminated_on, 400) if x.eliminated_on else None
                rows.append(
                    Case(
                        household=x.household.obj,
                        lead=leads[i],
                        state=x.state,
                        version=sum(1 for s in x.steps if s[5]),
                        opened_at=x.opened,
                        category=x.category,
                        risk_types=x.risks,
                        notice_start=x.notice[0] if x.notice else None,
                        notice_end=x.notice[1] if x.notice else None,
                        decided_at=_moment(x.decided_on, 300) if x.decided_on else None,
                        identified_on=x.identified_on,
                        eliminated_on=x.eliminated_on,
                        safety_net=x.safety_net,
                        closed_at=closed,
                    )
                )
            Case.objects.bulk_create(rows)
            by_case = dict(zip(order, rows, strict=True))
            Signal.objects.bulk_create(
                Signal(
                    lead=leads[i],
                    channel=x.channel,
                    at=x.opened,
                    reference=f"{REFERENCE}:{self.seed}:{i}",
                    detail={"en": ["Risk found (synthetic history)"], "zh": ["发现风险（模拟历史）"]},
                )
                for i, x in enumerate(cases)
            )
            steps = []
            for i, x in enumerate(cases):
                at = x.opened
                for n, (action, source, target, day, detail, _person) in enumerate(x.steps):
                    if action != Action.OPEN:  # later the same day, or that day's morning
                        at = max(_moment(day, 60 + 20 * n), at + timedelta(minutes=1))
                    # No actor: like history brought in from the national system, who took it is not known.
                    steps.append(
                        Step(
                            case=by_case[i],
                            action=action,
                            source=source,
                            target=target,
                            actor=None,
                            at=at,
                            on=day,
                            detail={**detail, "history": True},
                        )
                    )
            Step.objects.bulk_create(steps, batch_size=2000)
            incomes = [income for x in cases for _day, income in x.visits]
            for income in incomes:
                income.recorded_by = user
            IncomeRecord.objects.bulk_create(incomes, batch_size=2000)
            FollowUp.objects.bulk_create(
                (
                    FollowUp(
                        case=by_case[i],
                        visited_on=day,
                        visited_by=user,
                        income=income,
                        note="回访：收入已记录 (synthetic history)",
                    )
                    for i, x in enumerate(cases)
                    for day, income in x.visits
                ),
                batch_size=2000,
            )
            Measure.objects.bulk_create(
                (
                    Measure(
                        case=by_case[i],
                        kind=kind,
                        responsible=user,
                        created_by=user,
                        amount=amount,
                        start=start,
                        end=end,
                        status=status,
                        note="模拟历史帮扶措施 (synthetic history)",
                    )
                    for i, x in enumerate(cases)
                    for kind, start, end, status, amount in x.measures
                ),
                batch_size=2000,
            )
        logger.info("history written", extra={"county": self.county.code, "cases": len(cases), "at": now})
        return {
            "cases": len(cases),
            "eliminated": sum(x.state == State.ELIMINATED for x in cases),
            "follow_ups": len(incomes),
            "steps": len(steps),
        }


def history_synth(
    *,
    county: Region,
    seed: int,
    on: date,
    user: User,
    calibration: HistoryCalibration | None = None,
) -> dict[str, int]:
    """Write the county's monitoring history from ``calibration.start_year`` to ``on``; nothing when the
    county has any case already (running it again adds nothing). Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("history_synth takes a county")
    if Case.objects.filter(household__village__code__startswith=county.code[:6]).exists():
        return {"cases": 0, "eliminated": 0, "follow_ups": 0, "steps": 0}
    generator = _Generator(county=county, seed=seed, on=on, user=user, c=calibration or HistoryCalibration())
    return generator.write(generator.plan())


# -- checking a written case with the workflow's rules --------------------------------------------------


def readiness_as_of(case: Case, on: date) -> Readiness:
    """The workflow's readiness of a case on a past day, from what was on record by then: incomes ended by
    that day, follow-ups up to it (``case_readiness`` on the household's records as they stood)."""
    case.household = Household.objects.prefetch_related(
        "members", "feed_events", Prefetch("incomes", IncomeRecord.objects.filter(period_end__lte=on))
    ).get(pk=case.household_id)
    return case_readiness(case=case, on=on, refetch=False)


def timeline_problems(case: Case) -> list[str]:
    """What in a written case breaks the workflow's rules: steps out of order or not in the transition table,
    a notice too short or reviewed before its end, identification past its deadline, follow-ups off the
    rhythm, an elimination the readiness rules would not have allowed on its days."""
    problems: list[str] = []
    steps = list(case.steps.order_by("at", "id"))
    params = parameters_cached(
        village_id=case.household.village_id, on=timezone.localtime(case.opened_at).date()
    )
    if not steps or steps[0].action != Action.OPEN or steps[0].at != case.opened_at:
        problems.append("the first step is not the lead at the case's opening")
    state = State.VISIT
    for previous, step in pairwise(steps):
        if step.on < previous.on or step.at < previous.at:
            problems.append(f"{step.action} on {step.on} before the step before it")
        if step.action == Action.CROSS_CHECK:
            continue
        t = transition_for(state, step.action)
        if t is None or t.target != step.target or step.source != state:
            problems.append(f"{step.action} from {state} is not a transition")
            continue
        if step.actor is not None and step.actor.role != t.role:
            problems.append(f"{step.action} by the wrong role")
        if "notice_over" in t.needs:
            appraisal = max(s.on for s in steps if s.action == Action.APPRAISE and s.at < step.at)
            days = int(parameters_cached(village_id=case.household.village_id, on=appraisal)["notice_days"])
            if step.on <= appraisal + timedelta(days=days):
                problems.append(f"{step.action} on {step.on} before the notice of {days} days ended")
        if "ready" in t.needs and not readiness_as_of(case, step.on).ready:
            problems.append(f"{step.action} on {step.on} when the household was not ready")
        state = State(step.target)
    if state != case.state:
        problems.append(f"the steps end at {state}, the case at {case.state}")
    announced = [s.on for s in steps if s.action == Action.ANNOUNCE]
    if announced and readiness_as_of(case, announced[0]).safety_net != case.safety_net:
        problems.append("labelled on the safety net otherwise than the rules say")
    if case.decided_at is not None:
        limit = int(params.get("identification_days", 15))
        if (
            timezone.localtime(case.decided_at).date() - timezone.localtime(case.opened_at).date()
        ).days > limit:
            problems.append("identified after the deadline")
    if case.identified_on is not None:
        end = case.eliminated_on or timezone.localdate()
        every = followup_months(params)
        visits = [f.visited_on for f in case.follow_ups.all()]
        if any(v < case.identified_on for v in visits):
            problems.append("a follow-up before identification")
        last = max(visits, default=None)
        if last is not None and not _rhythm_kept(case, last, every):
            problems.append("follow-ups off the rhythm")
        if case.eliminated_on is not None and any(v > end for v in visits):
            problems.append("a follow-up after the elimination")
    return problems


def history_households(county: Region) -> Iterable[Household]:
    """The households of the county with a case of the history (for the tests and the docs' figures)."""
    return cast(
        Iterable[Household],
        Household.objects.filter(
            village__code__startswith=county.code[:6], leads__signals__reference__startswith=REFERENCE
        ).distinct(),
    )
