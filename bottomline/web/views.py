"""The shell: each role's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bottomline.accounts import gate
from bottomline.regions import selectors as region_selectors


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
            # The queues fill as the monitoring workflow arrives; each is a (label, count, url) row.
            "queue": [],
        },
    )
