"""The feed load as a job: the page and the API queue it, the command runs it with a progress bar."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts.models import User
from bottomline.feeds.schemas import BY_CODE
from bottomline.feeds.services import FeedReport, feed_load
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.jobs.services import upload_remove
from bottomline.registry.importing import ImportFileError

logger = logging.getLogger(__name__)

KIND = "feeds.load"
KIND_NAME = gettext_noop("feeds.load")  # the job pages show the kind in the user's language


@result_describer(KIND, "feed_type")
def _feed_line(value: Any) -> Line:
    found = BY_CODE.get(str(value))
    zh = (translation.get_language() or "").lower().startswith("zh")
    name = found.title["zh" if zh else "en"] if found is not None else str(value)
    return Line(_("Feed"), name)


@result_describer(KIND, "batch")
def _batch_line(value: Any) -> Line | None:
    if not value:  # a check without writing leaves no load behind
        return None
    return Line(_("Feed load"), f"#{value}", reverse("feeds:batch_detail", args=[value]))


@job_handler(KIND)
def feed_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``feed_type``, ``path`` of the stored upload, ``user`` (id), ``commit``, ``language``,
    ``file_name``, and ``uploaded`` when the file is a stored upload to delete afterwards."""
    user = User.objects.select_related("region").get(pk=params["user"])
    with translation.override(params.get("language") or "zh-hans"):
        failed = FeedReport(feed_type=str(params["feed_type"]))
        try:
            report = feed_load(
                feed_type=str(params["feed_type"]),
                path=Path(params["path"]),
                user=user,
                commit=bool(params["commit"]),
                progress=progress,
                file_name=str(params.get("file_name") or ""),
            )
        except ImportFileError as exc:
            result = failed.as_dict() | {"error_count": 1, "errors": [[1, "", str(exc)]]}
        except (PermissionDenied, ValidationError):
            result = failed.as_dict() | {
                "error_count": 1,
                "errors": [[0, "", _("You may not upload this feed.")]],
            }
        else:
            result = report.as_dict()
        finally:
            upload_remove(params)
    logger.info(
        "feed load finished", extra={"user": user.pk} | {k: v for k, v in result.items() if k != "errors"}
    )
    return result
