"""Reads of personal data and attempts outside the region: noted while a request runs, one event at its end.

Selectors that hand out personal data call ``read_note``; the region gate calls ``outside_note`` when it
answers 404 for an object outside the user's region. ``AuditReadsMiddleware`` then records one event for the
request (a list of 22,000 households is one event, not 22,000), unless the request recorded its own (an
export, a reveal, a denial). Outside a request (jobs, commands) the notes are ignored: those record their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from bottomline.accounts.models import User
from bottomline.regions.models import Region


@dataclass
class Reads:
    """What one request read of personal data, and whether it asked for something outside the region."""

    what: dict[str, int] = field(default_factory=dict)  # model label -> rows (0: a list, not counted)
    regions: list[Region | str] = field(default_factory=list)  # the regions of the data read
    search: set[str] = field(default_factory=set)  # the fields searched by (never the values)
    outside: bool = False
    outside_region: str | None = None  # the code of the region of the object asked for, when it exists
    recorded: bool = False  # the request recorded an event of its own
    # Denials raised inside a transaction, written when the request ends (the rollback would take them away).
    denials: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[Reads | None] = ContextVar("audit_reads", default=None)


def read_note(
    *, what: str, region: Region | str | None = None, rows: int = 0, search: Iterable[str] = ()
) -> None:
    """Note that the request reads personal data: ``what`` (a model label) in ``region`` (a region or code)."""
    reads = _current.get()
    if reads is None:
        return
    reads.what[what] = reads.what.get(what, 0) + rows
    if region is not None:
        reads.regions.append(region)
    reads.search.update(search)


def outside_note(*, model: type[models.Model], lookup: dict[str, Any]) -> None:
    """Note that the request asked for an object the user's region does not contain (or that does not exist)."""
    from bottomline.audit.scope import region_path  # the gate's rules, read when needed

    reads = _current.get()
    if reads is None:
        return
    reads.outside = True
    path = region_path(model)
    if path is not None and reads.outside_region is None:
        try:
            code = model._default_manager.filter(**lookup).values_list(path, flat=True).first()
        except (ValueError, TypeError):  # a key of the wrong type: nothing there
            code = None
        reads.outside_region = str(code) if code else None


def denial_defer(**event: Any) -> bool:
    """Keep a denial event raised inside a transaction until the request ends, when the transaction is over
    (committed or rolled back); False outside a request, where the caller records it at once."""
    reads = _current.get()
    if reads is None:
        return False
    reads.denials.append(event)
    reads.recorded = True
    return True


def event_noted() -> None:
    """The request recorded an event of its own, which says what it did: no separate read event."""
    reads = _current.get()
    if reads is not None:
        reads.recorded = True


def _region(reads: Reads) -> Region | str | None:
    from bottomline.audit.scope import spanning_region

    if not reads.regions:
        return None
    objects = [r for r in reads.regions if isinstance(r, Region)]
    if len(objects) == len(reads.regions) and len({r.pk for r in objects}) == 1:
        return objects[0]
    return spanning_region([r.code if isinstance(r, Region) else r for r in reads.regions])


class AuditReadsMiddleware:
    """One audit event per request that read personal data or asked for something outside the region."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = Reads()
        token = _current.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if reads.denials:
            from bottomline.audit.services import event_record

            for event in reads.denials:
                event_record(**event)
        user = getattr(request, "user", None)  # set by the session, or by the API's bearer token
        if isinstance(user, User) and user.pk and not reads.recorded:
            self._record(request, response, reads, user)
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, reads: Reads, user: User) -> None:
        from bottomline.audit.models import EventKind
        from bottomline.audit.services import event_record

        match = request.resolver_match
        target = match.view_name if match else ""
        # The route's ids and codes (no personal data in URLs); cut short, as a catch-all route takes any text.
        arguments = {k: str(v)[:40] for k, v in (match.kwargs if match else {}).items()}
        if response.status_code == 404 and (reads.outside or arguments):
            event_record(
                kind=EventKind.OUT_OF_SCOPE,
                user=user,
                request=request,
                target=target,
                detail={"arguments": arguments},
                region=reads.outside_region or arguments.get("code") or None,
            )
        elif reads.what and response.status_code < 400:
            event_record(
                kind=EventKind.READ,
                user=user,
                request=request,
                target=target,
                detail={"arguments": arguments, "read": reads.what, "search": sorted(reads.search)},
                region=_region(reads),
            )
