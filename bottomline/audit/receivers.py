"""Login, failed login and logout become audit events; each change-log entry notes the region it touched and
is sealed into the changes' chain."""

from __future__ import annotations

import logging
from typing import Any

from auditlog.models import LogEntry
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from bottomline.audit import chain, scope
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record

logger = logging.getLogger(__name__)


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    event_record(kind=EventKind.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        event_record(kind=EventKind.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username is kept: never the password that was tried. The log line has neither (the audit row,
    # readable by auditors only, says who).
    event_record(kind=EventKind.LOGIN_FAILED, request=request, username=str(credentials.get("username", "")))
    logger.warning("login failed", extra={"path": request.path if request is not None else ""})


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Axes' own log lines name the user, address and browser; this one does not (axes logs at ERROR only).
    logger.warning("login locked out", extra={"path": request.path if request is not None else ""})


@receiver(pre_save, sender=LogEntry)
def on_change_logged(sender: Any, instance: LogEntry, **kwargs: Any) -> None:
    """Note the region of the changed object, so that its region's auditors see the change (not the actor's)."""
    if instance.pk is not None or instance.content_type_id is None:
        return
    model = instance.content_type.model_class()
    if model is None:
        return
    code = scope.object_region_code(model._meta.app_label, model._meta.model_name or "", instance.object_pk)
    if code is not None:
        instance.additional_data = {**(instance.additional_data or {}), "region": code}


@receiver(post_save, sender=LogEntry)
def on_change_written(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if created:
        chain.entry_seal(instance)
