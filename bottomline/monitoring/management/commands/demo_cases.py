"""manage.py demo_cases: walk some of the demo village's cases through the workflow, so every queue has work.

Run after `screen` and `demo_users`: the screening opened a case per flagged household; this takes the steps
the demo users would take (through the same services), a few cases to each state, each on a coherent
timeline that began with a cadre's earlier report. Only cases of households without an earlier case (of the
synthetic history, `history_synth`) are walked. Running it again does nothing once it has walked some.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.monitoring.assistance import followup_record, measure_add, measure_suggestions
from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.models import Case, Channel, Signal
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.workflow import State

# Where each walked case ends, in walking order, with its timeline in days before today: when the first
# signal came (a cadre's report, before the screening's), then the day of each step taken; follow-up visits
# for a monitored case. Each timeline is coherent (a lead before the visit, a notice of five full days after
# the appraisal, identification within fifteen days) and together they show every kind of queue: amber and red
# clocks, notices running and over, a follow-up due and one overdue.
Plan = tuple[State, int, tuple[int, ...], tuple[int, ...]]  # (target, lead, step days, follow-up days)
PLAN: tuple[Plan, ...] = (  # in the order walked: a village with few new cases still shows every kind
    (State.MONITORED, 75, (74, 73, 65, 63, 62), (45,)),  # its next follow-up is overdue
    (State.APPROVAL, 12, (11, 10, 3), ()),  # amber: twelve days since the lead
    (State.APPRAISAL, 17, (5,), ()),  # red: past the fifteen days
    (State.NOTICE, 3, (2, 1), ()),  # the notice runs
    (State.NOTICE, 9, (8, 7), ()),  # the notice has ended: to review
    (State.ANNOUNCEMENT, 14, (13, 12, 5, 2), ()),
    (State.MONITORED, 40, (39, 38, 30, 28, 27), (3,)),
    (State.APPRAISAL, 11, (10,), ()),  # amber
    (State.MONITORED, 30, (29, 28, 20, 18, 17), ()),
    (State.ANNOUNCEMENT, 13, (12, 11, 4, 1), ()),
    (State.APPROVAL, 11, (10, 9, 2), ()),
    (State.NOTICE, 8, (8, 7), ()),
    (State.NOTICE, 2, (1, 0), ()),
)


class Command(BaseCommand):
    help = "Take demo steps on the demo village's cases (after screen and demo_users)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:  # it would reset the system administrator to the README's password
            raise CommandError(
                "demo_cases makes demo data and logins with a published password: "
                "it does not run with BOTTOMLINE_ENV=production"
            )
        users = {u.username: u for u in User.objects.filter(username__in=["cadre", "township", "county"])}
        if len(users) < 3:
            raise CommandError("run `manage.py demo_users` first")
        cadre = users["cadre"]
        cases = Case.objects.filter(household__village=cadre.region, closed_at__isnull=True)
        if Signal.objects.filter(lead__case__in=cases, reference__startswith="demo:").exists():
            self.stdout.write("demo cases: already walked")
            return
        # The screening's new cases, of households without an earlier case (the history's, which ended
        # before): their timelines, up to 75 days back, cannot overlap an earlier case's.
        earlier = Case.objects.filter(household=OuterRef("household"), opened_at__lt=OuterRef("opened_at"))
        waiting = list(cases.filter(state=State.VISIT).exclude(Exists(earlier)).order_by("id"))
        walked = 0
        for plan in PLAN:
            if not waiting:
                break
            self._walk(waiting.pop(0), plan, users)
            walked += 1
        self.stdout.write(f"demo cases: {walked} walked in {cadre.region.name}; {len(waiting)} left to visit")

    def _walk(self, case: Case, plan: Plan, users: dict[str, User]) -> None:
        target, lead_ago, step_days, follow_up_days = plan
        cadre, township, county = users["cadre"], users["township"], users["county"]
        now, today = timezone.now(), timezone.localdate()
        # The cadre heard of the hardship first: a signal that old moves the case's clock back to it.
        lead_raise(
            household_id=case.household_id,
            channel=Channel.CADRE,
            reference=f"demo:{case.pk}",
            detail={"en": ["Reported by the village cadre (demo)"], "zh": ["村干部走访发现（演示）"]},
            at=now - timedelta(days=lead_ago),
        )
        risks = tuple(case.lead.risk_types if case.lead else ()) or ("illness",)
        category = (case.lead.category if case.lead else None) or 2
        actions: tuple[tuple[User, str, dict[str, Any]], ...] = (
            (cadre, "visit", {"consent": "paper"}),
            (
                cadre,
                "appraise",
                {
                    "minutes": "村民代表会议评议，同意纳入监测 (village representatives agreed)",
                    "category": category,
                    "risk_types": risks,
                },
            ),
            (township, "review", {}),
            (county, "approve", {}),
            (township, "announce", {}),
        )
        for (actor, action, given), ago in zip(actions, step_days, strict=False):
            on = today - timedelta(days=ago)
            signed = on if action == "visit" else None
            case = case_step(
                actor=actor,
                case_id=case.pk,
                action=action,
                given=StepIn(on=on, consent_signed_on=signed, **given),
            )
        if case.state != target:  # a plan that does not reach its state is a bug in PLAN
            raise CommandError(f"demo case {case.pk} stopped at {case.state}, not {target}")
        if case.state == State.MONITORED and case.identified_on is not None:
            measure_add(
                actor=cadre,
                case_id=case.pk,
                kind=measure_suggestions(case=case)[0],
                responsible_id=cadre.pk,
                start=case.identified_on,
                end=case.identified_on + timedelta(days=365),
                amount=Decimal(3000),
                status="active",
                note="示范帮扶措施 (demo measure)",
            )
            for ago in follow_up_days:
                followup_record(
                    actor=cadre,
                    case_id=case.pk,
                    visited_on=today - timedelta(days=ago),
                    note="回访：措施落实，生活稳定 (demo follow-up)",
                )
