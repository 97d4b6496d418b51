"""Error pages: JSON under /api/, the site's own translated pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


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
