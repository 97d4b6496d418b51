"""NUL characters refused at the door: PostgreSQL can neither store nor compare text that holds one.

One middleware looks at the query string, a form post and a JSON body before any view runs, so no page, form,
filter or API operation has to remember it. The answer is 422: JSON (the API's validation shape) under the
API, a short page elsewhere.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NUL = "\x00"
API_PREFIX = "/api/"


def _strings(value: Any, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a parsed JSON value, keys included, with where it is."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*where, str(key)), str(key)
            yield from _strings(item, (*where, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*where, str(i)))


def nul_location(request: HttpRequest) -> tuple[str, ...] | None:
    """Where the request carries a NUL character (``("query", "name")``, ``("body", "name")``), or None."""
    if NUL in request.path:
        return ("path",)
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return ("query", key.replace(NUL, ""))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json":
        if b"\x00" in request.body:
            return ("body",)
        try:
            parsed = json.loads(request.body or b"null")
        except ValueError:
            return None  # not JSON: the view answers that
        for where, text in _strings(parsed, ("body",)):
            if NUL in text:
                return tuple(w.replace(NUL, "") for w in where)
        return None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return ("form", key.replace(NUL, ""))
        for key, files in request.FILES.lists():
            if any(NUL in (f.name or "") for f in files):
                return ("form", key)
    return None


class RefuseNulMiddleware:
    """422 for any request with a NUL character in its path, query string, form fields or JSON body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = nul_location(request)
        if where is None:
            return self.get_response(request)
        logger.info("refused a request with a NUL character in %s", where[0])  # never the value itself
        message = _("Text may not contain NUL (0x00) characters.")
        if request.path.startswith(API_PREFIX):
            error = {"type": "nul_character", "loc": list(where), "msg": message}
            return JsonResponse({"detail": [error]}, status=422)
        return HttpResponse(
            f"<!doctype html><title>422</title><p>{message}</p>",
            status=422,
            content_type="text/html; charset=utf-8",
        )
