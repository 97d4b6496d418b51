"""Policy as data: monitoring lines, thresholds and deadlines, each for a region and a period, with history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ParameterName(models.TextChoices):
    """The parameters the rules and the workflow read."""

    MONITORING_LINE = "monitoring_line", _("Monitoring line, per-capita net income (监测范围, yuan/year)")
    RIGID_SPENDING_SHARE = (
        "rigid_spending_share",
        _("Rigid spending above this share of net income (刚性支出占比)"),
    )
    RIGID_SPENDING_AMOUNT = "rigid_spending_amount", _("Rigid spending above this amount (yuan/year)")
    INCOME_DROP_RATIO = "income_drop_ratio", _("Income drop: this share below the previous period (收入骤减)")
    STABLE_MONTHS = "stable_months", _("Months of income above the line before elimination (风险消除)")
    IDENTIFICATION_DAYS = "identification_days", _("Days from first lead to decision (识别时限)")
    NOTICE_DAYS = "notice_days", _("Days of public notice (公示天数)")
    LEAD_WARNING_DAYS = "lead_warning_days", _("Days after the first lead when a case turns amber (预警天数)")
    SUDDEN_EVENT_MONTHS = "sudden_event_months", _("Months a sudden event counts for (突发事件计入月数)")
    FOLLOWUP_MONTHS = "followup_months", _("Months between follow-up visits (帮扶回访频次)")


class Parameter(models.Model):
    """One value of a parameter for a region (empty: nationwide) from a date, until the next value."""

    name = models.CharField(_("parameter"), max_length=32, choices=ParameterName.choices)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("policy source"), max_length=300)
    # What the policy page shows as 政策依据: the documents by number and in Chinese (source: the working note).
    basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["name", "region_id", "-effective_from"]
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="parameter_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["name", "effective_from"], name="parameter_name_from")]

    def __str__(self) -> str:
        return f"{self.name} {self.value} from {self.effective_from}"


class ProposalStatus(models.TextChoices):
    """Where a proposal stands."""

    PROPOSED = "proposed", _("Proposed")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class Proposal(models.Model):
    """A parameter change being considered: simulated over the registry, then applied or discarded."""

    name = models.CharField(_("parameter"), max_length=32, choices=ParameterName.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("policy source"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    simulation = models.JSONField(_("simulation"), default=dict)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The job that simulates it (a worker, never the request that proposed it); ``simulation`` is empty until then.
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("simulation job"),
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"{self.name} {self.value} ({self.status})"
