"""The project library and bridging funds (项目库, 衔接资金): projects with their stage in the library's life
cycle, their budget by fund source, the money disbursed on them, the households that benefit, the assets they
created and those assets' yearly income; and the funds a county received for a year (its allocations), against
which the money arranged to projects is measured (docs/programs.md, "Project library and bridging funds").

A project's money never exceeds its budget: the disbursements of a source add up to at most that source's
budget (``projects.services.disbursement_record`` checks it with the project's row locked).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bottomline.registry.choices import IncomeKind


class Kind(models.TextChoices):
    """What a project builds or does (项目类别)."""

    INDUSTRY = "industry", _("Industry development")
    INFRASTRUCTURE = "infrastructure", _("Rural infrastructure")
    EMPLOYMENT = "employment", _("Employment support")
    EDUCATION = "education", _("Education support")
    HEALTH = "health", _("Health support")
    HOUSING = "housing", _("Housing and living conditions")
    OTHER = "other", _("Other kind of project")


class Stage(models.TextChoices):
    """Where a project stands in the library's life cycle: 申报 → 论证 → 入库 → 实施 → 验收 → 绩效, or ended
    (rejected at proposal or review, withdrawn before it is accepted)."""

    PROPOSED = "proposed", _("Submitted for the library")
    REVIEWED = "reviewed", _("Reviewed")
    LISTED = "listed", _("Listed in the library")
    IMPLEMENTING = "implementing", _("Being implemented")
    ACCEPTED = "accepted", _("Accepted")
    EVALUATED = "evaluated", _("Performance evaluated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The stage changes allowed, one step at a time (no skipping); the two end states are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.PROPOSED: (Stage.REVIEWED, Stage.REJECTED, Stage.WITHDRAWN),
    Stage.REVIEWED: (Stage.LISTED, Stage.REJECTED, Stage.WITHDRAWN),
    Stage.LISTED: (Stage.IMPLEMENTING, Stage.WITHDRAWN),
    Stage.IMPLEMENTING: (Stage.ACCEPTED, Stage.WITHDRAWN),
    Stage.ACCEPTED: (Stage.EVALUATED,),
    Stage.EVALUATED: (),
    Stage.REJECTED: (),
    Stage.WITHDRAWN: (),
}
# The stages of a project in the library (entered and not ended): its budget counts as arranged.
IN_LIBRARY = (Stage.LISTED, Stage.IMPLEMENTING, Stage.ACCEPTED, Stage.EVALUATED)
# The stages in which money is disbursed (final payments follow the acceptance).
PAYING = (Stage.IMPLEMENTING, Stage.ACCEPTED)
ENDED = (Stage.REJECTED, Stage.WITHDRAWN)


class Source(models.TextChoices):
    """Where a project's money comes from (资金来源)."""

    CENTRAL = "central", _("Central bridging funds")
    PROVINCIAL = "provincial", _("Provincial bridging funds")
    COUNTY = "county", _("County bridging funds")
    EAST_WEST = "east_west", _("East-west cooperation funds")
    INTEGRATED = "integrated", _("Integrated agricultural funds")
    OTHER = "other", _("Other funds")


# The sources' Chinese terms as a finance bureau writes them (the import reads either language).
SOURCE_ZH = {
    "central": "中央衔接资金",
    "provincial": "省级衔接资金",
    "county": "县级衔接资金",
    "east_west": "东西部协作资金",
    "integrated": "统筹整合资金",
    "other": "其他资金",
}
# The bridging funds proper (衔接资金): the central, provincial and county parts.
BRIDGING = (Source.CENTRAL, Source.PROVINCIAL, Source.COUNTY)


class Benefit(models.TextChoices):
    """How a household benefits from a project (利益联结方式)."""

    DIVIDEND = "dividend", _("Dividend from project assets")
    WAGE = "wage", _("Work on the project")
    LAND_RENT = "land_rent", _("Land rent")
    PRODUCTION = "production", _("Production support")
    SERVICE = "service", _("Use of facilities or services")
    OTHER = "other", _("Other benefit")


# The income type each benefit's money is counted in (national forms: 财产性, 工资性, 经营性, 转移性).
BENEFIT_INCOME: dict[str, str] = {
    Benefit.DIVIDEND: IncomeKind.PROPERTY,
    Benefit.WAGE: IncomeKind.WAGE,
    Benefit.LAND_RENT: IncomeKind.PROPERTY,
    Benefit.PRODUCTION: IncomeKind.PRODUCTION,
    Benefit.SERVICE: IncomeKind.TRANSFER,
    Benefit.OTHER: IncomeKind.TRANSFER,
}


class AssetKind(models.TextChoices):
    """The kinds of assets a project creates (扶贫项目资产)."""

    OPERATING = "operating", _("Operating asset")
    PUBLIC = "public", _("Public-welfare asset")
    HOUSEHOLD = "household", _("Household asset")


class Project(models.Model):
    """A project of the library: what it is, which region it serves and the village where it is built (地点),
    its year and its stage (changed only by ``projects.services.stage_change``, each change a ``StageChange``)."""

    name = models.CharField(_("project name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region served")
    )
    site = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("site (village)")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PROPOSED)
    unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    goal = models.CharField(_("performance goal"), max_length=300, blank=True)
    code = models.CharField(_("project code"), max_length=40, unique=True, null=True, blank=True)
    proposed_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "name", "id"]
        verbose_name = _("library project")
        verbose_name_plural = _("library projects")
        indexes = [models.Index(fields=["year", "stage"], name="projects_year_stage")]

    def __str__(self) -> str:
        return self.name


class StageChange(models.Model):
    """One change of a project's stage: from, to, the day it took effect, who made it, and why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    before = models.CharField(_("from"), max_length=16, choices=Stage.choices, blank=True)
    after = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "on", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.before} → {self.after}"


class Budget(models.Model):
    """A project's budget from one fund source (one row per project and source)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budgets")
    source = models.CharField(_("fund source"), max_length=16, choices=Source.choices)
    amount = models.DecimalField(
        _("budget (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["project_id", "source"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="projects_budget_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="projects_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.amount}"


class Disbursement(models.Model):
    """Money paid out on a project from one source on a day (never beyond that source's budget)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="disbursements")
    source = models.CharField(_("fund source"), max_length=16, choices=Source.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    on = models.DateField(_("paid out on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reference = models.CharField(_("voucher number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "on", "id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        indexes = [models.Index(fields=["on"], name="projects_disbursement_on")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="projects_disbursement_positive"),
            models.UniqueConstraint(
                fields=["project", "reference"], condition=~Q(reference=""), name="projects_voucher_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.amount} {self.on}"


class Beneficiary(models.Model):
    """A household that benefits from a project, how, and the money a year it receives (None: no money)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(_("how it benefits"), max_length=16, choices=Benefit.choices)
    amount_per_year = models.DecimalField(
        _("amount per year (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    since = models.DateField(_("since"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "household_id", "id"]
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        constraints = [
            models.UniqueConstraint(fields=["project", "household", "benefit"], name="projects_benefit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.household_id} {self.benefit}"


class Payout(models.Model):
    """A year's money paid to a beneficiary household (posted to its income: ``projects.services``)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="payouts")
    year = models.PositiveSmallIntegerField(_("year"))
    on = models.DateField(_("paid out on"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["beneficiary_id", "year"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [models.UniqueConstraint(fields=["beneficiary", "year"], name="projects_payout_once")]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} {self.year} {self.amount}"


class Asset(models.Model):
    """An asset a project created (扶贫项目资产): its kind, value, owner and manager, from a day."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets")
    name = models.CharField(_("asset name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=AssetKind.choices)
    value = models.DecimalField(
        _("value (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    owner = models.CharField(_("owner"), max_length=100)
    manager = models.CharField(_("manager"), max_length=100)
    since = models.DateField(_("handed over on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "name", "id"]
        verbose_name = _("project asset")
        verbose_name_plural = _("project assets")

    def __str__(self) -> str:
        return self.name


class AssetIncome(models.Model):
    """An asset's income of a year, booked on a day (one per asset and year)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    on = models.DateField(_("booked on"))
    amount = models.DecimalField(
        _("income (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["asset_id", "year"]
        verbose_name = _("asset income")
        verbose_name_plural = _("asset incomes")
        constraints = [models.UniqueConstraint(fields=["asset", "year"], name="projects_asset_income_once")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.year} {self.amount}"


class Allocation(models.Model):
    """The funds a county received for a year from one source (下达资金): what its projects' budgets of that
    year are arranged from (安排率 = budgets of the year's projects in the library / allocations)."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("fund source"), max_length=16, choices=Source.choices)
    amount = models.DecimalField(
        _("amount received (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    document = models.CharField(_("allocation document"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["county_id", "-year", "source"]
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "source"], name="projects_allocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.source} {self.amount}"
