"""Security events (logins, denials, exports, reveals); model changes are in django-auditlog's LogEntry."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Audit rows are written once and never changed or deleted by the application."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk updates and deletes."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class EventKind(models.TextChoices):
    """What happened."""

    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    EXPORT = "export", _("Export")
    REVEAL = "reveal", _("Reveal")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    JOB = "job", _("Job run")
    READ = "read", _("Read of personal data")
    OUT_OF_SCOPE = "out_of_scope", _("Attempt outside the region")


class Event(models.Model):
    """One security-relevant event, with who, when, from where and in which region, chained to the one before."""

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    target = models.CharField(_("target"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # HMAC-SM3 over the fields above and the previous event's MAC (audit.chain); empty before the chain began.
    mac = models.CharField(_("MAC"), max_length=64, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class ChangeSeal(models.Model):
    """The HMAC-SM3 link of one change-log entry (django-auditlog's LogEntry), chained like the events."""

    entry = models.OneToOneField(
        "auditlog.LogEntry", on_delete=models.PROTECT, related_name="+", verbose_name=_("change")
    )
    mac = models.CharField(_("MAC"), max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("change seal")
        verbose_name_plural = _("change seals")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.mac[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit seals cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit seals cannot be deleted")
