"""Leads (线索): the signals that a household may be at risk, from every discovery channel, merged per household.

A household has at most one open lead; every signal that arrives while it is open joins it as a ``Signal`` with
its channel, time and reference, so nothing is lost and the deadline clock keeps the time of the first one.
The identification procedure (monitoring issue) takes an open lead from here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a signal came from (domain.md §1.4, the three monitoring methods, and batch screening)."""

    SELF_DECLARATION = "self_declaration", _("Self-declaration (农户自主申报)")
    CADRE = "cadre", _("Cadre screening (基层干部排查)")
    DEPARTMENT = "department", _("Department warning (部门筛查预警)")
    SCREENING = "screening", _("Batch screening (规则筛查)")
    STAFF_ENTRY = "staff_entry", _("Hotline or paper (电话、纸质申报)")


class LeadStatus(models.TextChoices):
    """Whether a lead still waits for a decision."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Lead(models.Model):
    """Everything that points at one household's risk, until it is decided."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="leads", verbose_name=_("household")
    )
    status = models.CharField(_("status"), max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    first_at = models.DateTimeField(_("first signal"))  # the 15-day clock starts here
    last_at = models.DateTimeField(_("latest signal"))
    category = models.PositiveSmallIntegerField(_("suggested category"), null=True, blank=True)
    risk_types = models.JSONField(_("risk types"), default=list)

    class Meta:
        ordering = ["first_at", "id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open"), name="lead_one_open_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"lead {self.pk} ({self.household_id})"


class Signal(models.Model):
    """One signal of a lead: its channel, when, what it said (both languages) and what it came from."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="signals", verbose_name=_("lead"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    at = models.DateTimeField(_("time"))
    reference = models.CharField(_("reference"), max_length=64)  # e.g. "run:12", "feed:3", a receipt number
    detail = models.JSONField(_("detail"), default=dict)  # {"en": [...], "zh": [...]}

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        constraints = [
            models.UniqueConstraint(fields=["lead", "channel", "reference"], name="signal_once_per_reference")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"
