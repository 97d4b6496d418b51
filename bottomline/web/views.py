"""The shell: each role's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.monitoring import selectors as monitoring_selectors
from bottomline.monitoring.models import Case
from bottomline.regions import selectors as region_selectors


def _queue_rows(user: User) -> list[tuple[str, int, str]]:
    """The user's work queues with their counts, for roles that see cases."""
    if not gate.allowed(user, Case, "view"):
        return []
    cases = reverse("monitoring:case_list")
    queues = monitoring_selectors.work_queues(role=user.role)
    return [
        (str(queue.label), count, f"{cases}?queue={queue.value}")
        for queue, count in monitoring_selectors.queue_counts(viewer=user, queues=queues)
    ]


def _oversight(user: User) -> list[monitoring_selectors.VillageOversight] | None:
    """The villages most behind (None: the user oversees no villages)."""
    if user.role not in monitoring_selectors.OVERSEERS:
        return None
    return monitoring_selectors.oversight_villages(viewer=user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's region, where it sits in the tree, and their work queue."""
    user = gate.staff_of(request)
    return render(
        request,
        "web/home.html",
        {
            "path": region_selectors.region_path(viewer=user, region=user.region),
            "children": region_selectors.region_children(viewer=user)[:50],
            # Each is a (label, count, url) row: the role's work queues (DESIGN.md §6).
            "queue": _queue_rows(user),
            # Apart from the user's own work: the villages with overdue visits, appraisals and follow-ups.
            "oversight": _oversight(user),
        },
    )
