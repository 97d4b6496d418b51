"""Village PV stations (村级光伏扶贫电站), their monthly generation and income, the yearly distribution of a
village's share of that income, and public-welfare posts (公益性岗位) with their holders and monthly pay.

Money records are kept, never deleted: a month, an allocation or a pay is corrected by saving it again (the
change log keeps the earlier values). Pay reaches the holder's household income through
``registry.programs.program_incomes_post`` (docs/programs.md), source ``pv.postpay:<pk>``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


def money(label: StrOrPromise) -> models.DecimalField[Decimal, Decimal]:
    """An amount of 0 or more, to the fen."""
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )


class Station(models.Model):
    """A village PV station: where it stands, its capacity, when it went on the grid, who owns it."""

    name = models.CharField(_("station name"), max_length=100)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="pv_stations", verbose_name=_("village")
    )  # where it stands; the villages that share its income are its shares
    capacity_kw = models.DecimalField(
        _("capacity (kW)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100000))],
    )
    grid_date = models.DateField(_("connected to the grid"))
    owner = models.CharField(_("owner"), max_length=100)
    grid_account = models.CharField(_("grid company account number"), max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "name"]
        verbose_name = _("PV station")
        verbose_name_plural = _("PV stations")

    def __str__(self) -> str:
        return self.name


class StationShare(models.Model):
    """The share of a station's income that belongs to one village (a station's shares add up to 100 %)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shares")
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="pv_shares", verbose_name=_("village")
    )
    percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["station_id", "village__code"]
        verbose_name = _("station share")
        verbose_name_plural = _("station shares")
        constraints = [
            models.UniqueConstraint(fields=["station", "village"], name="pv_share_one_per_village")
        ]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.village_id} {self.percent}%"


class Source(models.TextChoices):
    """How a month reached the ledger."""

    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported from the grid company's statement")


class StationMonth(models.Model):
    """One month of a station: electricity generated (kWh) and the income the grid company paid for it."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="months")
    month = models.DateField(_("month"))  # its first day
    generation_kwh = money(_("generation (kWh)"))
    income = money(_("income (yuan)"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.ENTERED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["station_id", "-month"]
        verbose_name = _("station month")
        verbose_name_plural = _("station months")
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="pv_month_once")]

    def __str__(self) -> str:
        return f"{self.station_id} {str(self.month)[:7]}"


class Purpose(models.TextChoices):
    """What a village's PV income is spent on (国开办发〔2017〕61号; domain.md §3.4)."""

    POSTS = "posts", _("Public-welfare post wages")
    PUBLIC_WORKS = "public_works", _("Small public works")
    AWARDS = "awards", _("Awards and subsidies")
    COLLECTIVE = "collective", _("Village collective income")


class Allocation(models.Model):
    """One allocation of a village's share of a year's PV income: its purpose, amount and the day decided."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="pv_allocations", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    amount = money(_("amount (yuan)"))
    decided_on = models.DateField(_("decided on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "-year", "id"]
        verbose_name = _("PV income allocation")
        verbose_name_plural = _("PV income allocations")
        indexes = [models.Index(fields=["village", "year"], name="pv_allocation_village_year")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.purpose} {self.amount}"


class PostKind(models.TextChoices):
    """Kinds of public-welfare post (domain.md §3.4: Hebei 2018, 黑水 2024)."""

    FOREST = "forest", _("Forest and grassland ranger")
    CLEANER = "cleaner", _("Village cleaner")
    ROAD = "road", _("Road keeper")
    PV_MAINTENANCE = "pv_maintenance", _("PV station maintenance")
    WATER = "water", _("Water keeper")
    PATROL = "patrol", _("Safety or river patrol")
    CARE = "care", _("Elder and disability care")
    OTHER = "other", _("Other post")


class Funding(models.TextChoices):
    """Where a post's pay comes from."""

    PV_INCOME = "pv_income", _("Village PV income")
    BRIDGING = "bridging", _("Bridging funds")
    EMPLOYMENT = "employment", _("Employment funds")


class Post(models.Model):
    """A public-welfare post of a village: its kind, funding, monthly pay and the period it exists."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="pv_posts", verbose_name=_("village")
    )
    kind = models.CharField(_("kind of post"), max_length=16, choices=PostKind.choices)
    funding = models.CharField(_("funding source"), max_length=16, choices=Funding.choices)
    monthly_pay = models.DecimalField(
        _("monthly pay (yuan)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100000))],
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("duties"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "kind", "id"]
        verbose_name = _("public-welfare post")
        verbose_name_plural = _("public-welfare posts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Assignment(models.Model):
    """A member holding a post from a day until a day (open: holds it still)."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments")
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="pv_assignments", verbose_name=_("member")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="pv_assignments"
    )  # the member's household when assigned: its income receives the pay
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post_id", "-start"]
        verbose_name = _("post holder")
        verbose_name_plural = _("post holders")

    def __str__(self) -> str:
        return f"{self.post_id}:{self.member_id} {self.start}"


class PostPay(models.Model):
    """One month's pay to a post's holder: the holder's wage income (工资性收入) from the day paid."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="pays")
    month = models.DateField(_("month"))  # its first day
    amount = money(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment_id", "-month"]
        verbose_name = _("post pay")
        verbose_name_plural = _("post pays")
        constraints = [models.UniqueConstraint(fields=["assignment", "month"], name="pv_pay_once_a_month")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {str(self.month)[:7]}"

    @property
    def source(self) -> str:
        """The program-income source of this pay (registry.programs)."""
        return f"pv.postpay:{self.pk}"
