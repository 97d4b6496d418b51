"""API: the feed types, uploading a feed (a job) and reading batches, through the same services as the pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.feeds import selectors, services
from bottomline.feeds.forms import FeedUploadForm
from bottomline.feeds.models import FeedBatch
from bottomline.feeds.schemas import FEED_TYPES
from bottomline.feeds.views import enqueue_load, store_upload

router = Router(tags=["feeds"])


class ColumnOut(Schema):
    """One column of a feed type."""

    key: str
    zh: str
    en: str
    type: str
    required: bool
    allowed: list[str]


class FeedTypeOut(Schema):
    """A declared feed type (docs/feeds.md)."""

    code: str
    department: str
    title_en: str
    title_zh: str
    columns: list[ColumnOut]


class JobRef(Schema):
    """The job that checks or loads the file: poll /api/v1/jobs/{id} for its result."""

    job_id: int


class BatchOut(Schema):
    """A committed feed batch."""

    id: int
    feed_type: str
    department: str
    region_code: str = Field(..., alias="region.code")
    committed_at: datetime
    rows: int
    applied: int
    unchanged: int
    unmatched: int
    leads: int


@router.get("/types", response={200: list[FeedTypeOut], **ERRORS})
def feed_types(request: HttpRequest) -> list[FeedTypeOut]:
    """Every declared feed type with its columns."""
    gate.require(gate.staff_of(request), FeedBatch, "view", request)
    return [
        FeedTypeOut(
            code=t.code,
            department=str(t.department),
            title_en=t.title["en"],
            title_zh=t.title["zh"],
            columns=[
                ColumnOut(
                    key=c.key,
                    zh=c.zh,
                    en=c.en,
                    type=c.type,
                    required=c.required,
                    allowed=[a.code for a in c.allowed],
                )
                for c in t.columns
            ],
        )
        for t in FEED_TYPES
    ]


@router.post("/uploads", response={202: JobRef, **ERRORS})
def feed_upload(
    request: HttpRequest,
    feed_type: Form[str],
    file: File[UploadedFile],
    commit: Form[bool] = False,
) -> Status[JobRef]:
    """Check (and with ``commit`` load) a feed file as a job; department officers send their department's types.

    A multipart form, as the upload page posts: ``feed_type``, ``file`` (.csv or .xlsx, at most 50 MB) and
    ``commit``; the same checks and messages as the page."""
    user = gate.staff_of(request)
    feed = services.feed_type_check(user=user, feed_type=feed_type, request=request)
    form = FeedUploadForm(data={"feed_type": feed.code}, files={"file": file}, feed_types=(feed,))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    upload = form.cleaned_data["file"]
    path = store_upload(upload.chunks(), Path(upload.name).suffix.lower())
    job_id = enqueue_load(
        user=user,
        feed_type=feed.code,
        path=path,
        commit=commit,
        language=get_language() or "zh-hans",
        file_name=Path(upload.name).name[:200],
    )
    return Status(202, JobRef(job_id=job_id))


@router.get("/batches", response={200: list[BatchOut], **ERRORS})
def feed_batch_list(request: HttpRequest) -> list[FeedBatch]:
    """The newest 200 batches of the caller's region (a department officer: their department's)."""
    user = gate.staff_of(request)
    gate.require(user, FeedBatch, "view", request)
    return list(selectors.batch_list(viewer=user)[:200])


@router.get("/batches/{int:batch_id}", response={200: BatchOut, **ERRORS})
def feed_batch_detail(request: HttpRequest, batch_id: int) -> FeedBatch:
    """One batch."""
    return selectors.batch_get(viewer=gate.staff_of(request), batch_id=batch_id)
