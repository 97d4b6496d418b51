"""Error pages: JSON under /api/, the site's own translated pages elsewhere; a 500 shows only a reference."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader

from bottomline.logs import error_reference

logger = logging.getLogger(__name__)

# Exceptions Django answers itself (404, 403, 400): not unexpected errors.
ANSWERED = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


API_PREFIX = "/api/"
# The API's error details, as the exception handlers of bottomline/api.py word them.
API_DETAILS = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    500: "Internal server error",
}


def api_detail(status: int) -> str:
    """The ``detail`` of an API error answer for a status."""
    try:
        return API_DETAILS.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ApiErrorsMiddleware:
    """Every answer under /api/ that is an error is the documented JSON (``{"detail": ...}``), whatever raised
    it and with DEBUG on or off (issue #17): the request body is read here first, so that a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 and a malformed or oversized form a 400 before any other middleware
    reads it; an error answered as a page (a 405, Django's debug pages) becomes JSON on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = self._read(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        detail: dict[str, str] = {"detail": api_detail(response.status_code)}
        if response.status_code >= 500:
            reference = getattr(request, "error_reference", "")
            if (
                not reference
            ):  # raised outside a view (Django logged its traceback): this line ties it to the answer
                reference = error_reference()
                logger.error(
                    "unexpected error outside a view", extra={"reference": reference, "path": request.path}
                )
            detail["reference"] = reference
        return JsonResponse(detail, status=response.status_code)

    def _read(self, request: HttpRequest) -> HttpResponse | None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        try:
            if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                request.POST  # noqa: B018  (parsed here: files go to disk, the other fields are counted)
                request.FILES  # noqa: B018
            else:
                request.body  # noqa: B018  (read here, against DATA_UPLOAD_MAX_MEMORY_SIZE)
        except RequestDataTooBig:
            logger.info("refused an API request body over the limit", extra={"path": request.path})
            return JsonResponse({"detail": api_detail(413)}, status=413)
        except (SuspiciousOperation, MultiPartParserError):
            logger.info("refused a malformed API request body", extra={"path": request.path})
            return JsonResponse({"detail": api_detail(400)}, status=400)
        return None


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
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": api_detail(404)}, status=404)
    return render(request, "404.html", status=404)


def denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the user's role may not do this."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": api_detail(403)}, status=403)
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: an unexpected error; the answer gives its reference, the log line with that reference the rest."""
    reference = getattr(request, "error_reference", "")
    if not reference:  # an error the middleware did not see (in another middleware): logged by Django itself
        reference = error_reference()
        logger.error("unexpected error outside a view", extra={"reference": reference, "path": request.path})
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": api_detail(500), "reference": reference}, status=500)
    # Not the site's base template: whatever failed (a context processor, the database) may fail again there.
    return HttpResponseServerError(loader.render_to_string("500.html", {"reference": reference}))
