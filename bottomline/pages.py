"""Helpers that every app's pages and API use: a service's errors shown on a form, a PDF response.

Imports nothing from the apps (as ``bottomline.widgets``), so that every app can use it without importing the web
app, which imports the apps for its navigation.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's validation errors on the form: on their fields where the form has them, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (inline), under ``filename`` when saved."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
