"""Feed pages: upload (as a job), templates, the batches of the user's region and their unmatched reports."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.feeds import selectors, services, workbooks
from bottomline.feeds.forms import FeedUploadForm
from bottomline.feeds.jobs import KIND
from bottomline.feeds.models import FeedBatch
from bottomline.feeds.schemas import BY_CODE, feed_types_for
from bottomline.jobs.services import job_enqueue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def store_upload(chunks: Any, suffix: str) -> Path:
    """Keep an upload under MEDIA_ROOT/feeds/ with a random name (never the user's file name)."""
    folder = Path(settings.MEDIA_ROOT) / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def enqueue_load(
    *, user: User, feed_type: str, path: Path, commit: bool, language: str, file_name: str
) -> int:
    """Queue the load of a stored upload as a job; its id."""
    job = job_enqueue(
        kind=KIND,
        params={
            "feed_type": feed_type,
            "path": str(path),
            "user": user.pk,
            "commit": commit,
            "language": language,
            "file_name": file_name,
            "uploaded": True,  # a copy kept for the job alone: it holds ID numbers in the clear
        },
        user=user,
        region=user.region,
    )
    return job.pk


def _types_of(user: User) -> Any:
    return feed_types_for(user.department if user.role == "department_officer" else "")


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """The committed feeds of the user's region."""
    user = gate.staff_of(request)
    gate.require(user, FeedBatch, "view", request)
    page = Paginator(selectors.batch_list(viewer=user), 50).get_page(request.GET.get("page"))
    zh = request.LANGUAGE_CODE.startswith("zh")
    # Each batch's feed by its title in the user's language, never its code (issue 15 item 5).
    rows = [(batch, _feed_title(batch.feed_type, zh=zh)) for batch in page]
    return render(
        request,
        "feeds/batch_list.html",
        {"page": page, "rows": rows, "can_upload": gate.allowed(user, FeedBatch, "add"), "types": BY_CODE},
    )


def _feed_title(code: str, *, zh: bool) -> str:
    feed = BY_CODE.get(code)
    if feed is None:
        return code
    return feed.title["zh" if zh else "en"]


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Download a template; upload a file to check it, or to load it (a job with progress)."""
    user = gate.staff_of(request)
    gate.require(user, FeedBatch, "add", request)
    types = _types_of(user)
    form = FeedUploadForm(request.POST or None, request.FILES or None, feed_types=types)
    if request.method == "POST" and form.is_valid():
        feed = services.feed_type_check(user=user, feed_type=form.cleaned_data["feed_type"], request=request)
        upload_file = form.cleaned_data["file"]
        path = store_upload(upload_file.chunks(), Path(upload_file.name).suffix.lower())
        job_id = enqueue_load(
            user=user,
            feed_type=feed.code,
            path=path,
            commit=request.POST.get("commit") == "1",
            language=request.LANGUAGE_CODE,
            file_name=upload_file.name,
        )
        return redirect("jobs:detail", pk=job_id)
    lang = "zh" if request.LANGUAGE_CODE.startswith("zh") else "en"
    return render(request, "feeds/upload.html", {"form": form, "types": types, "lang": lang})


@login_required
def template(request: HttpRequest, feed_type: str, fmt: str) -> HttpResponse:
    """A feed type's template, XLSX or CSV."""
    try:
        feed = services.feed_type_check(user=gate.staff_of(request), feed_type=feed_type, request=request)
    except ValidationError:
        raise Http404 from None  # no such feed type
    if fmt == "csv":
        response = HttpResponse(workbooks.template_csv(feed), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(workbooks.template_xlsx(feed), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="feed-{feed.code}.{fmt}"'
    return response


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its counts, its unmatched rows (masked) and the sudden events it reported."""
    batch = selectors.batch_get(viewer=gate.staff_of(request), batch_id=pk)
    context = {
        "batch": batch,
        "feed": BY_CODE.get(batch.feed_type),
        "unmatched": selectors.batch_unmatched(batch=batch)[:200],
        "events": selectors.batch_events(batch=batch)[:200],
        "lang": "zh" if request.LANGUAGE_CODE.startswith("zh") else "en",
    }
    return render(request, "feeds/batch_detail.html", context)


@login_required
def batch_unmatched(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's unmatched report as CSV, ID numbers masked."""
    batch = selectors.batch_get(viewer=gate.staff_of(request), batch_id=pk)
    response = HttpResponse(
        workbooks.unmatched_csv(selectors.batch_unmatched(batch=batch)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="feed-{batch.pk}-unmatched.csv"'
    return response
