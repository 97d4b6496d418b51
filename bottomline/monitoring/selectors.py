"""Reading leads and cases, always through the region gate: work queues, deadlines and "as of" states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.audit.reads import read_note
from bottomline.monitoring.models import Case, FollowUp, Lead, LeadStatus, Measure, Step
from bottomline.monitoring.rhythm import followup_months, overdue_if_last_before
from bottomline.monitoring.workflow import ELIMINATION, IDENTIFICATION, IN_NOTICE, State, actor_role
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import ancestor_codes


def lead_list(*, viewer: Any, open_only: bool = True) -> QuerySet[Lead]:
    """The leads of the viewer's region, oldest first."""
    leads = gate.restrict(Lead.objects.select_related("household"), viewer)
    return leads.filter(status=LeadStatus.OPEN) if open_only else leads


def household_leads(*, viewer: Any, household_id: int) -> QuerySet[Lead]:
    """The leads of one household the viewer may see, with their signals."""
    return (
        lead_list(viewer=viewer, open_only=False)
        .filter(household_id=household_id)
        .prefetch_related("signals")
    )


# The work queues (DESIGN.md §6): each is a filter on the cases of the viewer's region.
class Queue(models.TextChoices):
    """A work queue."""

    TO_VISIT = "to_visit", _("To visit (待入户核实)")
    TO_APPRAISE = "to_appraise", _("To appraise (待民主评议)")
    IN_NOTICE = "in_notice", _("In public notice (公示中)")
    TO_REVIEW = "to_review", _("To review (待乡镇审核)")
    TO_APPROVE = "to_approve", _("To approve (待县级审批)")
    TO_ANNOUNCE = "to_announce", _("To announce (待结果公告)")
    OVERDUE = "overdue", _("Overdue (超期)")
    MONITORED = "monitored", _("Monitored (监测帮扶中)")
    MY_ASSISTED = "my_assisted", _("My assisted households (我的帮扶户)")
    FOLLOWUPS_OVERDUE = "followups_overdue", _("Follow-ups overdue (回访超期)")
    MY_FOLLOWUPS_OVERDUE = "my_followups_overdue", _("My follow-ups overdue (我的回访超期)")


ROLE_QUEUES: dict[str, tuple[Queue, ...]] = {
    Role.VILLAGE_CADRE: (
        Queue.TO_VISIT,
        Queue.TO_APPRAISE,
        Queue.IN_NOTICE,
        Queue.OVERDUE,
        Queue.MONITORED,
        Queue.MY_ASSISTED,
        Queue.MY_FOLLOWUPS_OVERDUE,
    ),
    Role.TOWNSHIP_OFFICER: (
        Queue.TO_REVIEW,
        Queue.TO_ANNOUNCE,
        Queue.IN_NOTICE,
        Queue.OVERDUE,
        Queue.FOLLOWUPS_OVERDUE,
        Queue.MONITORED,
        Queue.MY_ASSISTED,
        Queue.MY_FOLLOWUPS_OVERDUE,
    ),
    Role.COUNTY_OFFICER: (
        Queue.TO_APPROVE,
        Queue.OVERDUE,
        Queue.TO_VISIT,
        Queue.MONITORED,
        Queue.MY_ASSISTED,
        Queue.MY_FOLLOWUPS_OVERDUE,
    ),
}
DEFAULT_QUEUES = (Queue.OVERDUE, Queue.MONITORED)

# The state whose next step each queue holds: a role's own work is the queues whose step it takes, as the
# workflow's table says (workflow.actor_role). The other queues (in notice, overdue, follow-ups overdue) are
# oversight: something to watch, not to do.
QUEUE_STEP: dict[Queue, State] = {
    Queue.TO_VISIT: State.VISIT,
    Queue.TO_APPRAISE: State.APPRAISAL,
    Queue.TO_REVIEW: State.NOTICE,
    Queue.TO_APPROVE: State.APPROVAL,
    Queue.TO_ANNOUNCE: State.ANNOUNCEMENT,
    Queue.MONITORED: State.MONITORED,
}
# The households whose measures the viewer is responsible for: their follow-ups are the viewer's to record.
OWN_QUEUES = (Queue.MY_ASSISTED, Queue.MY_FOLLOWUPS_OVERDUE)


def work_queues(*, role: str) -> tuple[Queue, ...]:
    """The queues whose next step ``role`` takes: all a role's home lists as its work."""
    steps = tuple(q for q in Queue if q in QUEUE_STEP and actor_role(QUEUE_STEP[q]) == role)
    return steps + (OWN_QUEUES if role in gate.ARCHIVE_KEEPERS else ())


@dataclass(frozen=True)
class Clock:
    """The identification deadline as a viewer's region sets it: amber from ``warning`` days, red past
    ``limit`` days after the first lead (parameters lead_warning_days and identification_days)."""

    warning: int
    limit: int

    @staticmethod
    def age(case: Case, today: date) -> int:
        """How many days the case has been open on ``today``."""
        return (today - timezone.localtime(case.opened_at).date()).days

    def colour(self, case: Case, today: date) -> str:
        """ "red", "amber" or "" for a case still being identified."""
        if case.state not in IDENTIFICATION:
            return ""
        age = self.age(case, today)
        return "red" if age > self.limit else "amber" if age >= self.warning else ""


def clock_for(*, viewer: User, on: date | None = None) -> Clock:
    """The deadline parameters in force for the viewer's region."""
    params = parameters_for(region=viewer.region, on=on or timezone.localdate())
    return Clock(int(params.get("lead_warning_days", 10)), int(params.get("identification_days", 15)))


def case_list(*, viewer: Any) -> QuerySet[Case]:
    """The cases of the viewer's region, oldest lead first."""
    return gate.restrict(Case.objects.select_related("household", "household__village"), viewer)


def _queue_filter(*, viewer: User, queue: str, today: date) -> models.Q:
    """The condition a case of the viewer's region meets to wait in ``queue``."""
    if queue == Queue.TO_VISIT:
        return models.Q(state=State.VISIT)
    if queue == Queue.TO_APPRAISE:
        return models.Q(state__in=[State.APPRAISAL, State.ELIM_APPRAISAL])
    if queue == Queue.IN_NOTICE:
        return models.Q(state__in=IN_NOTICE, notice_end__gte=today)
    if queue == Queue.TO_REVIEW:
        return models.Q(state__in=IN_NOTICE, notice_end__lt=today)
    if queue == Queue.TO_APPROVE:
        return models.Q(state__in=[State.APPROVAL, State.ELIM_APPROVAL])
    if queue == Queue.TO_ANNOUNCE:
        return models.Q(state=State.ANNOUNCEMENT)
    if queue == Queue.OVERDUE:
        limit = clock_for(viewer=viewer, on=today).limit
        since = timezone.make_aware(datetime.combine(today - timedelta(days=limit), time.min))
        return models.Q(state__in=IDENTIFICATION, opened_at__lt=since)
    if queue == Queue.MONITORED:
        return models.Q(state__in=[State.MONITORED, *ELIMINATION])
    if queue == Queue.MY_ASSISTED:
        return models.Q(closed_at__isnull=True) & models.Q(models.Exists(_measures_of(viewer)))
    if queue == Queue.FOLLOWUPS_OVERDUE:
        return _followups_overdue(viewer, today)
    if queue == Queue.MY_FOLLOWUPS_OVERDUE:
        return _followups_overdue(viewer, today) & models.Q(models.Exists(_measures_of(viewer)))
    raise ValueError(f"unknown queue {queue!r}")


def _measures_of(viewer: User) -> QuerySet[Measure]:
    # EXISTS, not a join: a case with two of the viewer's measures is one case, in a list or in a count.
    return Measure.objects.filter(case=OuterRef("pk"), responsible=viewer)


def _followed_up() -> Greatest:
    """The day a case was last followed up since identification (identification itself when never)."""
    latest = FollowUp.objects.filter(case=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    return Greatest(Coalesce(Subquery(latest), F("identified_on")), F("identified_on"))


def _followups_overdue(viewer: User, today: date) -> models.Q:
    """The monitored cases whose next follow-up (parameter followup_months after the latest one since
    identification, or after identification) was due before ``today``."""
    every = followup_months(parameters_for(region=viewer.region, on=today))
    return models.Q(state__in=[State.MONITORED, *ELIMINATION], identified_on__isnull=False) & models.Q(
        LessThan(_followed_up(), overdue_if_last_before(today, every))
    )


def case_queue(*, viewer: User, queue: str, on: date | None = None) -> QuerySet[Case]:
    """The cases waiting in one work queue."""
    today = on or timezone.localdate()
    cases = case_list(viewer=viewer).filter(_queue_filter(viewer=viewer, queue=queue, today=today))
    if queue in (Queue.FOLLOWUPS_OVERDUE, Queue.MY_FOLLOWUPS_OVERDUE):
        return cases.annotate(followed_up=_followed_up()).order_by(
            "followed_up", "id"
        )  # longest overdue first
    return cases


def notice_ended_ids(*, viewer: User, queue: str, on: date | None = None) -> list[int]:
    """The cases of one work queue whose public notice has ended (a bulk step on all of them)."""
    today = on or timezone.localdate()
    cases = case_queue(viewer=viewer, queue=queue, on=today)
    return list(cases.filter(notice_end__lt=today).values_list("pk", flat=True))


def queue_counts(
    *, viewer: User, on: date | None = None, queues: tuple[Queue, ...] | None = None
) -> list[tuple[Queue, int]]:
    """The number of cases in each queue (by default the viewer's role's queues of the case list)."""
    queues = ROLE_QUEUES.get(viewer.role, DEFAULT_QUEUES) if queues is None else queues
    if not queues:
        return []
    today = on or timezone.localdate()
    # One query over the cases of the viewer's region (not one per queue over every case of a state in the
    # database): a conditional count per queue (issue #16).
    counts = case_list(viewer=viewer).aggregate(
        **{
            q.value: models.Count("pk", filter=_queue_filter(viewer=viewer, queue=q, today=today))
            for q in queues
        }
    )
    return [(q, counts[q.value]) for q in queues]


# Who oversees the villages' overdue work: the staff above the villages who read the archive.
OVERSEERS = gate.ARCHIVE_READERS - {Role.VILLAGE_CADRE}


@dataclass(frozen=True)
class VillageOversight:
    """One village's overdue work, as a township or county oversees it."""

    village: Region
    visits: int  # home visits past the identification deadline
    appraisals: int  # village appraisals past the identification deadline
    followups: int  # monitored households whose follow-up is overdue

    @property
    def total(self) -> int:
        return self.visits + self.appraisals + self.followups


def _oversight_filters(viewer: User, today: date) -> dict[str, models.Q]:
    overdue = _queue_filter(viewer=viewer, queue=Queue.OVERDUE, today=today)
    return {
        "visits": overdue & models.Q(state=State.VISIT),
        "appraisals": overdue & models.Q(state=State.APPRAISAL),
        "followups": _followups_overdue(viewer, today),
    }


def oversight_villages(*, viewer: User, on: date | None = None) -> list[VillageOversight]:
    """The villages of the viewer's region with overdue visits, appraisals or follow-ups, most behind first
    (one query over the cases, one over the villages)."""
    filters = _oversight_filters(viewer, on or timezone.localdate())
    any_overdue = filters["visits"] | filters["appraisals"] | filters["followups"]
    rows = list(
        case_list(viewer=viewer)
        .filter(any_overdue)
        .values("household__village")
        .annotate(
            visits=models.Count("pk", filter=filters["visits"]),
            appraisals=models.Count("pk", filter=filters["appraisals"]),
            followups=models.Count("pk", filter=filters["followups"]),
        )
        .order_by()
    )
    villages = Region.objects.in_bulk([row["household__village"] for row in rows])
    found = [
        VillageOversight(
            villages[row["household__village"]], row["visits"], row["appraisals"], row["followups"]
        )
        for row in rows
    ]
    return sorted(found, key=lambda v: (-v.total, v.village.code))


def oversight_cases(*, viewer: User, village: Region, on: date | None = None) -> dict[str, QuerySet[Case]]:
    """One village's overdue visits, appraisals and follow-ups (``village`` comes through the gate)."""
    filters = _oversight_filters(viewer, on or timezone.localdate())
    cases = case_list(viewer=viewer).filter(household__village=village).order_by("opened_at", "pk")
    read_note(what="monitoring.case", region=village)
    return {name: cases.filter(q) for name, q in filters.items()}


def case_detail(*, viewer: Any, case_id: int) -> Case:
    """One case with its steps, objections, measures and follow-ups (404 outside the viewer's region)."""
    case = gate.access(
        Case.objects.select_related("household", "household__village", "lead").prefetch_related(
            "steps__actor", "objections", "measures__responsible", "follow_ups", "lead__signals"
        ),
        viewer,
        pk=case_id,
    )
    read_note(what="monitoring.case", region=case.household.village, rows=1)
    return case


def _day_after(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))


def case_state_on(*, case: Case, on: date) -> str | None:
    """The state a case had at the end of a past day (None: it had not been opened yet)."""
    step = case.steps.filter(at__lt=_day_after(on)).order_by("-at", "-id").first()
    return step.target if step else None


def cases_as_of(*, viewer: Any, on: date) -> QuerySet[Case]:
    """The viewer's cases as they stood at the end of a past day, each annotated with ``state_then``."""
    then = Step.objects.filter(case=OuterRef("pk"), at__lt=_day_after(on)).order_by("-at", "-id")
    return (
        case_list(viewer=viewer)
        .annotate(state_then=Subquery(then.values("target")[:1]))
        .filter(state_then__isnull=False)
    )


def measure_responsible_choices(*, case: Case) -> QuerySet[User]:
    """The staff who may be a measure's responsible cadre (帮扶责任人): village, township and county staff of
    the household's village (assistance._responsible saves only one of them)."""
    # ancestor_codes runs from the province down: keep the county's, the township's and the village's.
    codes = ancestor_codes(case.household.village)[Level.COUNTY - 1 :]
    return User.objects.filter(
        is_active=True, role__in=gate.ARCHIVE_KEEPERS, region__code__in=codes
    ).order_by("region__code", "username")


def choice_label(choices: Any, value: Any) -> str:
    """The label of a stored choice (the value itself when it is not one of ``choices``)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


@dataclass(frozen=True)
class CaseFilter:
    """What a case list is narrowed to beside its queue; every part is optional."""

    region: Region | None = None  # a region of the viewer's (regions.selectors.region_choose): its subtree
    no_region: bool = False  # a region was asked for and none of the viewer's matched: no case
    category: int | None = None
    risk_type: str = ""
    overdue: bool = False  # identification past its deadline, or a follow-up past due
    responsible: User | None = None  # a measure's responsible cadre (帮扶责任人)


def case_filter(
    cases: QuerySet[Case], *, viewer: User, filters: CaseFilter, on: date | None = None
) -> QuerySet[Case]:
    """``cases`` (of the viewer's region) narrowed by ``filters``."""
    today = on or timezone.localdate()
    if filters.no_region:
        return cases.none()
    if filters.region is not None:
        cases = cases.filter(household__village__code__range=filters.region.bounds)
    if filters.category is not None:
        cases = cases.filter(category=filters.category)
    if filters.risk_type:
        # a JSON list of codes, read as text on either database: the code with its quotes is one whole item
        cases = cases.filter(risk_types__icontains=f'"{filters.risk_type}"')
    if filters.overdue:
        cases = cases.filter(
            _queue_filter(viewer=viewer, queue=Queue.OVERDUE, today=today) | _followups_overdue(viewer, today)
        )
    if filters.responsible is not None:
        cases = cases.filter(
            models.Exists(Measure.objects.filter(case=OuterRef("pk"), responsible=filters.responsible))
        )
    return cases


def responsible_choices(*, viewer: User) -> QuerySet[User]:
    """The responsible cadres (帮扶责任人) of the measures on the cases of the viewer's region."""
    measures = gate.restrict(Measure.objects.all(), viewer).values("responsible_id")
    return User.objects.filter(pk__in=measures).order_by("region__code", "username")
