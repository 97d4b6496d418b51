"""manage.py demo_cases: walk some of the demo village's cases through the workflow, so every queue has work.

Run after `screen` and `demo_users`: the screening opened a case per flagged household; this takes the steps
the demo users would take (through the same services), a few cases to each state. Running it again does
nothing once the village has cases past the visit.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.monitoring.assistance import measure_add, measure_suggestions
from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import State

# How many cases end in each state, in walking order.
PLAN: tuple[tuple[State, int], ...] = (
    (State.MONITORED, 3),
    (State.ANNOUNCEMENT, 2),
    (State.APPROVAL, 2),
    (State.NOTICE, 4),  # two whose notice has ended (to review), two still running
    (State.APPRAISAL, 2),
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
        if cases.exclude(state=State.VISIT).exists():
            self.stdout.write("demo cases: already walked")
            return
        waiting = list(cases.order_by("id"))
        today = timezone.localdate()
        walked = 0
        for target, count in PLAN:
            for number in range(count):
                if not waiting:
                    break
                case = waiting.pop(0)
                notice_ended = target != State.NOTICE or number < count // 2
                self._walk(case, target, users, today, notice_ended)
                walked += 1
        self.stdout.write(f"demo cases: {walked} walked in {cadre.region.name}; {len(waiting)} left to visit")

    def _walk(self, case: Case, target: State, users: dict[str, User], today: Any, ended: bool) -> None:
        cadre, township, county = users["cadre"], users["township"], users["county"]
        risks = tuple(case.lead.risk_types if case.lead else ()) or ("illness",)
        category = (case.lead.category if case.lead else None) or 2
        steps: list[tuple[User, str, StepIn]] = [
            (cadre, "visit", StepIn(on=today - timedelta(days=8), consent="paper", consent_signed_on=today)),
            (
                cadre,
                "appraise",
                StepIn(
                    on=today - timedelta(days=7 if ended else 1),
                    minutes="村民代表会议评议，同意纳入监测 (village representatives agreed)",
                    category=category,
                    risk_types=risks,
                ),
            ),
            (township, "review", StepIn()),
            (county, "approve", StepIn()),
            (township, "announce", StepIn()),
        ]
        for actor, action, given in steps:
            if case.state == target:
                break
            case = case_step(actor=actor, case_id=case.pk, action=action, given=given)
        if case.state == State.MONITORED:
            measure_add(
                actor=cadre,
                case_id=case.pk,
                kind=measure_suggestions(case=case)[0],
                responsible_id=cadre.pk,
                start=today,
                end=today + timedelta(days=365),
                amount=Decimal(3000),
                status="active",
                note="示范帮扶措施 (demo measure)",
            )
