"""The idle timeout of a signed-in session, kept without writing the session on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SAVED_AT = "web.saved_at"  # when the session was last saved, in whole seconds since the epoch
REFRESH_AFTER = 60  # seconds: the session lapses between 29 and 30 idle minutes, never later


class SessionRefreshMiddleware:
    """Saves a session that a request did not change only when its last save is older than a minute.

    ``SESSION_SAVE_EVERY_REQUEST`` wrote the session row on every GET (issue #16); the expiry still moves with
    activity, a minute at a time. Listed after SessionMiddleware, so that its response hook runs first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        if set(session.keys()) <= {SAVED_AT}:
            return response  # a stale cookie's empty session: nothing to keep alive, no row to create
        now = int(time.time())
        if session.modified or now - int(session.get(SAVED_AT, 0)) >= REFRESH_AFTER:
            session[SAVED_AT] = now  # marks it modified: SessionMiddleware saves it with a new expiry
        return response
