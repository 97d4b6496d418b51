"""The audit trail page, for auditors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bottomline.accounts import gate
from bottomline.audit import selectors
from bottomline.audit.models import Event
from bottomline.audit.reads import read_note


@login_required
def trail(request: HttpRequest) -> HttpResponse:
    """Security events and model changes in the auditor's region."""
    user = gate.staff_of(request)
    gate.require(user, Event, "view", request)
    read_note(what="audit.trail", region=user.region)  # the changes shown hold personal data
    return render(
        request,
        "audit/trail.html",
        {
            "events": selectors.event_list(viewer=user)[:200],
            "changes": selectors.change_list_shown(viewer=user, limit=200),
        },
    )
