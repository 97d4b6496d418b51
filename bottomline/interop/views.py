"""The national exchange pages: import a national list (a job with progress), export one (XLSX or GB18030)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.interop.columns import COLUMNS
from bottomline.interop.exports import ExportRequest, filename, national_export
from bottomline.interop.forms import NationalExportForm
from bottomline.jobs.services import upload_enqueue
from bottomline.registry.models import Household

TYPES = {
    "csv": "text/csv; charset=gb18030",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@require_http_methods(["GET", "POST"])
def national_import_page(request: HttpRequest) -> HttpResponse:
    """Upload a national list to check it, or to import it (as a job with progress)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "import", request)
    if request.method == "POST":
        try:
            job = upload_enqueue(
                kind="interop.import",
                upload=request.FILES.get("file"),
                user=user,
                commit=request.POST.get("commit") == "1",
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "interop/import.html", {"columns": COLUMNS})


@login_required
def national_export_page(request: HttpRequest) -> HttpResponse:
    """Choose region, day, list and format; the download is the list in the national columns (audited)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "export", request)
    form = NationalExportForm(request.GET or None, user=user)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        wanted = ExportRequest(
            region=data["region"], on=data["on"], kind=data["kind"], extended=data["extended"]
        )
        content = national_export(viewer=user, wanted=wanted, fmt=data["format"], request=request)
        response = HttpResponse(content, content_type=TYPES[data["format"]])
        response["Content-Disposition"] = f'attachment; filename="{filename(wanted, data["format"])}"'
        return response
    return render(
        request,
        "interop/export.html",
        {"form": form, "may_import": gate.allowed(user, Household, "import")},
    )
