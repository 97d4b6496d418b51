"""Batch screening runs and what they found, household by household."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Run(models.Model):
    """One screening of the registry (or a region of it) as of a date."""

    on = models.DateField(_("as of"))
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    engine = models.CharField(_("engine"), max_length=16, default="duckdb")
    households = models.PositiveIntegerField(_("households screened"), default=0)
    flagged = models.PositiveIntegerField(_("households flagged"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")

    def __str__(self) -> str:
        return f"screening {self.on} #{self.pk}"


class Result(models.Model):
    """What the rules said of one household in one run: only households with a hit are kept."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results", verbose_name=_("run"))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="screenings", verbose_name=_("household")
    )
    category = models.PositiveSmallIntegerField(_("suggested category"), null=True, blank=True)
    codes = models.JSONField(_("rules that hold"), default=list)
    risk_types = models.JSONField(_("risk types"), default=list)
    explanations = models.JSONField(_("explanations"), default=dict)  # {"en": [...], "zh": [...]}

    class Meta:
        ordering = ["run_id", "household_id"]
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="result_one_per_household")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.household_id} {self.codes}"
