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
    incremental = models.BooleanField(_("incremental"), default=False)
    source = models.CharField(
        _("snapshot"), max_length=500, blank=True
    )  # a Parquet directory, or the database
    started_at = models.DateTimeField(_("started"), null=True, blank=True)  # before the registry was read
    households = models.PositiveIntegerField(_("households screened"), default=0)
    flagged = models.PositiveIntegerField(_("households flagged"), default=0)
    leads = models.PositiveIntegerField(_("leads raised"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set in the transaction that writes the run's results: a run without it died (or is still running) and is
    # never the baseline of an incremental run.
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")

    def __str__(self) -> str:
        return f"screening {self.on} #{self.pk}"


class Result(models.Model):
    """What the rules said of one household in one run: kept for the households found at risk alone."""

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


class Current(models.Model):
    """The latest screening of one household, from a batch run or the online path (replaced, never kept)."""

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="current_screening",
        verbose_name=_("household"),
    )
    evaluated_at = models.DateTimeField(_("evaluated"))
    on = models.DateField(_("as of"))
    run = models.ForeignKey(
        Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run")
    )  # None: the online path, on a save
    category = models.PositiveSmallIntegerField(_("suggested category"), null=True, blank=True)
    codes = models.JSONField(_("rules that hold"), default=list)
    risk_types = models.JSONField(_("risk types"), default=list)
    explanations = models.JSONField(_("explanations"), default=dict)  # {"en": [...], "zh": [...]}
    score = models.PositiveSmallIntegerField(_("risk score"), default=0)  # docs/screening.md
    # Whether a batch run has raised a lead for the household's present spell at risk.
    reported = models.BooleanField(_("lead raised"), default=False)
    # A batch run's digest of what is held (``engine.held.digest``): the next run writes the row only when its
    # own differs. None when written online (the next run writes it).
    digest = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["household_id"]
        verbose_name = _("current screening")
        verbose_name_plural = _("current screenings")
        indexes = [models.Index(fields=["category", "score"], name="current_category_score")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.codes}"

    @property
    def at_risk(self) -> bool:
        """Whether the rules suggest monitoring."""
        return self.category is not None
