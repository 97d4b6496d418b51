"""Relocation follow-up support (易地扶贫搬迁后续扶持): resettlement sites, the households relocated to them,
the follow-up support they receive and how stable each household is, as assessed on a day.

Nothing here is money a household receives: no program income is posted. The employment of relocated labour
is read from the employment app's records (employment.Job), never recorded here (docs/programs.md,
"Relocation follow-up").
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = (
    2001  # the national relocation programme's first pilots (assumption: nothing earlier is recorded)
)
LAST_YEAR = 2100


class SiteKind(models.TextChoices):
    """How a site houses its households: a centralised community (集中安置) or scattered homes (分散安置)."""

    CENTRALISED = "centralised", _("Centralised resettlement")
    SCATTERED = "scattered", _("Scattered resettlement")


class Stability(models.TextChoices):
    """How stable a relocated household is, as assessed on a day ("稳得住")."""

    STABLE = "stable", _("Stable")
    ATTENTION = "attention", _("Needs attention")
    RISK = "risk", _("At risk")


class SupportKind(models.TextChoices):
    """What a follow-up support record is (发改振兴〔2021〕524号: employment, industry, community services, …)."""

    EMPLOYMENT = "employment", _("Employment")
    INDUSTRY = "industry", _("Industry")
    COMMUNITY = "community", _("Community services")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other support")


# The Chinese terms, as the county's forms write them (the import reads either language).
SITE_KIND_ZH = {"centralised": "集中安置", "scattered": "分散安置"}
STABILITY_ZH = {"stable": "稳定", "attention": "需关注", "risk": "有风险"}


class Site(models.Model):
    """A resettlement site (安置点): a community built for relocated households, or the scattered homes of a
    village or township, with the households and people it was planned for."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    # the village, community or township the site is in: its officers keep it
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    built_year = models.PositiveSmallIntegerField(
        _("year built"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    planned_households = models.PositiveIntegerField(_("planned households"))
    planned_people = models.PositiveIntegerField(_("planned people"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("resettlement site")
        verbose_name_plural = _("resettlement sites")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="site_name_once_per_region"),
            models.CheckConstraint(
                condition=Q(planned_people__gte=models.F("planned_households")),
                name="site_people_ge_households",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Relocation(models.Model):
    """A household relocated from its origin village to a site in a year (one relocation per household)."""

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="relocation",
        verbose_name=_("household"),
    )
    origin = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("origin village")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="relocations", verbose_name=_("resettlement site")
    )
    year = models.PositiveSmallIntegerField(
        _("year relocated"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    recorded_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site_id", "household__number"]
        verbose_name = _("relocated household")
        verbose_name_plural = _("relocated households")
        indexes = [models.Index(fields=["site", "year"], name="relocation_site_year")]

    def __str__(self) -> str:
        return f"relocation {self.pk} ({self.household_id})"


class Assessment(models.Model):
    """How stable a relocated household was found on a day; the latest on or before a date is its status then."""

    relocation = models.ForeignKey(
        Relocation, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("relocation")
    )
    on = models.DateField(_("assessed on"))
    status = models.CharField(_("status"), max_length=16, choices=Stability.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("stability assessment")
        verbose_name_plural = _("stability assessments")
        constraints = [
            models.UniqueConstraint(fields=["relocation", "on"], name="assessment_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.relocation_id} {self.on:%Y-%m-%d} {self.status}"


class Support(models.Model):
    """One follow-up support given to a relocated household: what, when, and which unit is responsible."""

    relocation = models.ForeignKey(
        Relocation, on_delete=models.CASCADE, related_name="supports", verbose_name=_("relocation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SupportKind.choices)
    on = models.DateField(_("day"))
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("responsible unit"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("follow-up support")
        verbose_name_plural = _("follow-up support records")
        indexes = [models.Index(fields=["relocation", "on"], name="support_relocation_on")]

    def __str__(self) -> str:
        return f"{self.relocation_id} {self.kind} {self.on:%Y-%m-%d}"
