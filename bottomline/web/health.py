"""The health endpoint for the proxy and monitoring: database, cache, a job worker's heartbeat and the age of the
last finished screening, as JSON; 200 when every check passes, 503 otherwise (docs/deploy.md)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    probe = secrets.token_hex(8)
    cache.set("health:probe", probe, 30)
    return {"ok": cache.get("health:probe") == probe, "backend": type(caches["default"]).__name__}


def _worker() -> dict[str, Any]:
    from bottomline.jobs.models import Worker

    newest = Worker.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    age = (timezone.now() - newest).total_seconds() if newest else None
    alive = Worker.objects.filter(
        beat_at__gte=timezone.now() - timedelta(seconds=settings.HEALTH_WORKER_SECONDS)
    ).count()
    return {"ok": alive > 0, "alive": alive, "last_beat_seconds": None if age is None else round(age)}


def _screening() -> dict[str, Any]:
    from bottomline.engine.models import Run

    finished = Run.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    hours = None if finished is None else (timezone.now() - finished.finished_at).total_seconds() / 3600  # type: ignore[operator]
    limit = settings.HEALTH_SCREENING_HOURS
    ok = not limit or (hours is not None and hours <= limit)
    return {"ok": ok, "last_finished_hours": None if hours is None else round(hours, 1), "limit_hours": limit}


CHECKS = {"database": _database, "cache": _cache, "worker": _worker, "screening": _screening}


def health_report() -> dict[str, Any]:
    """Each check's result; a check that raises is failed with the error's kind (the log has the rest)."""
    report: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as error:  # any failure of a dependency is what this endpoint reports
            logger.warning("health check failed", extra={"check": name, "error": type(error).__name__})
            report[name] = {"ok": False, "error": type(error).__name__}
            if isinstance(error, DatabaseError):
                connection.close()  # a broken connection is not kept for the next request
    return report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """GET /health/: {"status": "ok" | "failing", "checks": {...}}, 200 or 503."""
    checks = health_report()
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "failing", "checks": checks}, status=200 if ok else 503)
