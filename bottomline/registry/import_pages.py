"""What every import page shares (the archive's incomes and each program's): the upload checked or imported
as a job whose page follows, and the template's download, both for a role that may import the model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bottomline.accounts import gate
from bottomline.jobs.services import upload_enqueue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_page(
    request: HttpRequest, *, model: type[models.Model], kind: str, template: str, columns: Sequence[Any]
) -> HttpResponse:
    """The page: a posted file goes to a job of ``kind`` (to check it, or to import it with ``commit``), and
    the browser to the job's page; a refused upload says why on the page again."""
    user = gate.staff_of(request)
    gate.require(user, model, "import", request)
    if request.method == "POST":
        try:
            job = upload_enqueue(
                kind=kind,
                upload=request.FILES.get("file"),
                user=user,
                commit=request.POST.get("commit") == "1",
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            return redirect("jobs:detail", pk=job.pk)
    return render(request, template, {"columns": columns})


def template_download(
    request: HttpRequest,
    *,
    model: type[models.Model],
    fmt: str,
    csv: Callable[[], bytes],
    xlsx: Callable[[], bytes],
    name: str,
) -> HttpResponse:
    """The import's template as ``name``-template.csv or .xlsx (any other ``fmt`` is XLSX)."""
    gate.require(gate.staff_of(request), model, "import", request)
    if fmt == "csv":
        response = HttpResponse(csv(), content_type="text/csv; charset=utf-8")
    else:
        fmt = "xlsx"
        response = HttpResponse(xlsx(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-template.{fmt}"'
    return response
