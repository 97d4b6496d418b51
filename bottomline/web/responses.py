"""Responses shared by the pages and the API."""

from __future__ import annotations

from django.http import HttpResponse


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (inline), under ``filename`` when saved."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
