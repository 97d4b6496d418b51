"""The audit trail page, for auditors: the security events and the model changes of their region, filtered,
paged by key, and exported."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from auditlog.registry import auditlog
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.audit import selectors
from bottomline.audit.models import Event, EventKind
from bottomline.audit.reads import read_note
from bottomline.audit.services import event_record

EVENTS_SHOWN = 50


def _object_types() -> list[tuple[str, str]]:
    """The tracked models, as (app_label.model, verbose name) for the filter's choices (no query: the content
    types are cached)."""
    hidden = set(selectors.UNTRACKED_MODELS)
    found = [
        (f"{m._meta.app_label}.{m._meta.model_name}", selectors.model_label(m))
        for m in auditlog.get_models()
        if (m._meta.app_label, m._meta.model_name) not in hidden and not m._meta.auto_created
    ]
    return sorted(found, key=lambda pair: pair[1])


def _before(request: HttpRequest) -> int | None:
    return selectors.query_int(request.GET.get("before", ""))


@login_required
def trail(request: HttpRequest) -> HttpResponse:
    """Security events and model changes in the auditor's region, narrowed by the filters, a page at a time."""
    user = gate.staff_of(request)
    gate.require(user, Event, "view", request)
    read_note(what="audit.trail", region=user.region)  # the changes shown hold personal data
    filters = selectors.ChangeFilters.from_query(request.GET)
    changes, next_before = selectors.change_page(viewer=user, filters=filters, before=_before(request))
    return render(
        request,
        "audit/trail.html",
        {
            "events": selectors.event_filtered(viewer=user, filters=filters)[:EVENTS_SHOWN],
            "changes": changes,
            "next_before": next_before,
            "filters": filters,
            "query_string": urlencode(filters.as_query()),
            "actions": [(code, str(label)) for code, label in selectors.ACTION_LABELS.items()],
            "object_types": _object_types(),
            "export_limit": selectors.EXPORT_LIMIT,
        },
    )


class _Echo:
    """A file-like object whose writes return the line, for a streamed CSV."""

    def write(self, value: str) -> str:
        return value


@login_required
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered changes as CSV (at most ``EXPORT_LIMIT`` rows, newest first), streamed; the export is
    recorded as an audit event."""
    user = gate.staff_of(request)
    gate.require(user, Event, "view", request)
    filters = selectors.ChangeFilters.from_query(request.GET)
    event_record(
        kind=EventKind.EXPORT,
        user=user,
        request=request,
        target="audit.changes",
        region=user.region,
        detail={"filters": filters.as_query(), "limit": selectors.EXPORT_LIMIT},
    )
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel opens UTF-8 CSV with Chinese text correctly only with the BOM
        yield writer.writerow(
            [_("time"), _("user"), _("IP address"), _("object type"), _("object"), _("action"), _("changes")]
        )
        for row in selectors.change_export_rows(viewer=user, filters=filters):
            yield writer.writerow(
                [
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor,
                    row.ip,
                    row.object_type,
                    row.object_repr,
                    row.action,
                    row.fields_text,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-changes.csv"'
    return response
