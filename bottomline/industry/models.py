"""Industries and benefit linkage (产业帮扶, 利益联结): the business entities a county supports, the projects they
run in villages, and each household's linkage to them, whose yearly amount becomes the household's income
(``industry.services``; docs/programs.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bottomline.registry.choices import IncomeKind


class EntityKind(models.TextChoices):
    """The kinds of business entity (经营主体) that link households."""

    ENTERPRISE = "enterprise", _("Enterprise")
    COOPERATIVE = "cooperative", _("Farmers' cooperative")
    FAMILY_FARM = "family_farm", _("Family farm")
    WORKSHOP = "workshop", _("Assistance workshop")
    COLLECTIVE = "collective", _("Village collective economy")
    OTHER = "other", _("Other entity")


class ProjectKind(models.TextChoices):
    """The kinds of industrial project (产业项目)."""

    CROP = "crop", _("Crop farming")
    LIVESTOCK = "livestock", _("Livestock")
    PROCESSING = "processing", _("Processing")
    TOURISM = "tourism", _("Rural tourism")
    ECOMMERCE = "ecommerce", _("E-commerce")
    PV = "pv", _("Photovoltaic")
    OTHER = "other", _("Other project")


class LinkageKind(models.TextChoices):
    """How a household shares in an entity's business (利益联结方式)."""

    EMPLOYMENT = "employment", _("Employment by the entity")
    LAND_RENT = "land_rent", _("Land transfer rent")
    SHARE_DIVIDEND = "share_dividend", _("Dividend from shares")
    ASSET_DIVIDEND = "asset_dividend", _("Dividend from assets")
    ORDER_FARMING = "order_farming", _("Order farming")


# The income type each linkage's money is counted in (national forms: 工资性, 财产性, 经营性).
LINKAGE_INCOME: dict[str, str] = {
    LinkageKind.EMPLOYMENT: IncomeKind.WAGE,
    LinkageKind.LAND_RENT: IncomeKind.PROPERTY,
    LinkageKind.SHARE_DIVIDEND: IncomeKind.PROPERTY,
    LinkageKind.ASSET_DIVIDEND: IncomeKind.PROPERTY,
    LinkageKind.ORDER_FARMING: IncomeKind.PRODUCTION,
}


class Entity(models.Model):
    """A business entity (经营主体) kept by a county or township, with the villages it serves."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=EntityKind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("kept by (region)")
    )
    villages = models.ManyToManyField(
        "regions.Region", related_name="industry_entities", blank=True, verbose_name=_("villages served")
    )
    founded = models.DateField(_("registered on"), null=True, blank=True)
    closed = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business entity")
        verbose_name_plural = _("business entities")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="industry_entity_name_per_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """An industrial project (产业项目) run by an entity in villages."""

    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="projects", verbose_name=_("business entity")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("kept by (region)")
    )
    villages = models.ManyToManyField(
        "regions.Region", related_name="industry_projects", blank=True, verbose_name=_("villages")
    )
    investment = models.DecimalField(_("investment (yuan)"), max_digits=14, decimal_places=2, default=0)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity_id", "name", "id"]
        verbose_name = _("industrial project")
        verbose_name_plural = _("industrial projects")

    def __str__(self) -> str:
        return self.name


class Linkage(models.Model):
    """A household's benefit linkage (利益联结) to an entity (and its project): a yearly amount in effect from
    ``start`` to ``end`` (open: still in effect), counted in the household's income (``services``)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="linkages", verbose_name=_("business entity")
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linkages",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("linkage kind"), max_length=16, choices=LinkageKind.choices)
    amount_per_year = models.DecimalField(_("amount per year (yuan)"), max_digits=12, decimal_places=2)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "start", "id"]
        verbose_name = _("benefit linkage")
        verbose_name_plural = _("benefit linkages")
        indexes = [models.Index(fields=["start", "end"], name="industry_linkage_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="industry_linkage_ordered"
            ),
            models.CheckConstraint(condition=Q(amount_per_year__gte=0), name="industry_linkage_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} · {self.get_kind_display()}"

    @property
    def income_kind(self) -> str:
        """The income type its money is counted in."""
        return LINKAGE_INCOME[self.kind]
