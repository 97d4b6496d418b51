"""Error pages: JSON under /api/, the site's own translated pages elsewhere; a 500 shows only a reference."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from bottomline.logs import error_reference

logger = logging.getLogger(__name__)

# Exceptions Django answers itself (404, 403, 400): not unexpected errors.
ANSWERED = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


class ErrorReferenceMiddleware:
    """Log an unexpected error once, with its traceback and a short reference that the 500 answer shows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, ANSWERED):
            return
        reference = error_reference()
        request.error_reference = reference  # type: ignore[attr-defined]  # read by server_error below
        # The path names no person (DESIGN §4: no personal data in URLs); the query string is left out.
        logger.error(
            "unexpected error",
            exc_info=exception,
            extra={"reference": reference, "method": request.method, "path": request.path},
        )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: an address no URL pattern matches (or an object outside the user's region)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found"}, status=404)
    return render(request, "404.html", status=404)


def denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the user's role may not do this."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Permission denied"}, status=403)
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: an unexpected error; the answer gives its reference, the log line with that reference the rest."""
    reference = getattr(request, "error_reference", "")
    if not reference:  # an error the middleware did not see (in another middleware): logged by Django itself
        reference = error_reference()
        logger.error("unexpected error outside a view", extra={"reference": reference, "path": request.path})
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error", "reference": reference}, status=500)
    # Not the site's base template: whatever failed (a context processor, the database) may fail again there.
    return HttpResponseServerError(loader.render_to_string("500.html", {"reference": reference}))
