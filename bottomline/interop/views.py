"""The national exchange pages: import a national list (a job with progress), export one (XLSX or GB18030)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.interop.columns import COLUMNS
from bottomline.interop.exports import ExportRequest, filename, national_export
from bottomline.interop.forms import NationalExportForm
from bottomline.jobs.services import job_enqueue
from bottomline.registry.models import Household

UPLOAD_LIMIT = 50 * 1024 * 1024
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
        upload = request.FILES.get("file")
        suffix = Path(upload.name or "").suffix.lower() if upload else ""
        if upload is None or suffix not in {".csv", ".xlsx"}:
            messages.error(request, _("Upload a .csv or .xlsx file."))
        elif upload.size is not None and upload.size > UPLOAD_LIMIT:
            messages.error(request, _("The file is larger than 50 MB."))
        else:
            folder = Path(settings.MEDIA_ROOT) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            job = job_enqueue(
                kind="interop.import",
                params={
                    "path": str(path),
                    "user": user.pk,
                    "commit": request.POST.get("commit") == "1",
                    "language": request.LANGUAGE_CODE,
                    "uploaded": True,
                },
                user=user,
                region=user.region,
            )
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
