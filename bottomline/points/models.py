"""Points supermarkets (积分超市 / 爱心超市): a supermarket in a village serving one or several villages
("一托多"), the rules by which households earn or lose points, the households' point entries, the goods with
their stock and its movements, and the redemptions of points for goods.

Points are not money and not income: nothing here reaches the income records (docs/programs.md, "Points
supermarkets"). Entries, redemptions and stock movements are immutable ledgers; a household's balance and a
good's stock as of a day are sums of them. ``Account.balance`` and ``Goods.stock`` are the running totals the
writes lock and update conditionally, so that neither goes below zero (also under concurrency), and a check
reconciles them with the ledgers (``points.selectors.reconcile``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

POINTS_LIMIT = 1000  # at most this many points in one entry (an assumption: a rule's points are small)


class Category(models.TextChoices):
    """What a rule rewards or deducts (domain.md §3.2: hygiene, compliance, work, volunteering, schooling)."""

    HYGIENE = "hygiene", _("Hygiene")
    COMPLIANCE = "compliance", _("Law-abiding and civilised customs")
    WORK = "work", _("Work")
    VOLUNTEERING = "volunteering", _("Volunteering")
    SCHOOLING = "schooling", _("Children's schooling")
    OTHER = "other", _("Other")


CATEGORY_ZH = {
    "hygiene": "环境卫生",
    "compliance": "遵纪守法",
    "work": "劳动",
    "volunteering": "志愿服务",
    "schooling": "子女就学",
    "other": "其他",
}


class Supermarket(models.Model):
    """A points supermarket: where it stands; the villages it serves are its coverages."""

    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village it stands in")
    )
    opened_on = models.DateField(_("opened on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "name", "id"]
        verbose_name = _("points supermarket")
        verbose_name_plural = _("points supermarkets")

    def __str__(self) -> str:
        return self.name


class Coverage(models.Model):
    """A village a supermarket serves from ``start`` (to ``end``, exclusive; empty: still). A village is served
    by at most one supermarket at a time."""

    supermarket = models.ForeignKey(
        Supermarket, on_delete=models.PROTECT, related_name="coverages", verbose_name=_("supermarket")
    )
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["village__code", "start"]
        verbose_name = _("village served")
        verbose_name_plural = _("villages served")
        constraints = [
            models.UniqueConstraint(
                fields=["village"], condition=Q(end__isnull=True), name="coverage_one_open"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")), name="coverage_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"coverage {self.pk}"


class Rule(models.Model):
    """How many points a deed earns (positive) or a misdeed costs (negative), for one supermarket or, without
    one, for every supermarket of the county (``region``: the supermarket's village, or the county)."""

    supermarket = models.ForeignKey(
        Supermarket,
        on_delete=models.PROTECT,
        related_name="rules",
        null=True,
        blank=True,
        verbose_name=_("supermarket"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    points = models.IntegerField(_("points"))
    description = models.CharField(_("description"), max_length=200)
    start = models.DateField(_("in force from"))
    end = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        ordering = ["category", "-points", "id"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0) & Q(points__gte=-POINTS_LIMIT, points__lte=POINTS_LIMIT),
                name="rule_points_nonzero",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="rule_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Account(models.Model):
    """A household's running point balance: what the writes lock and update; never below zero."""

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="points_account",
        verbose_name=_("household"),
    )
    balance = models.IntegerField(_("balance (points)"), default=0)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="account_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"account {self.pk}"


class Entry(models.Model):
    """Points a household earned (positive) or lost (negative) on a day, by a rule, recorded by a cadre."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("household"),
    )
    supermarket = models.ForeignKey(
        Supermarket, on_delete=models.PROTECT, related_name="entries", verbose_name=_("supermarket")
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="entries", null=True, blank=True, verbose_name=_("rule")
    )
    points = models.IntegerField(_("points"))
    on = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)  # an import's key: once
    recorded_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["on"], name="points_entry_on")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0) & Q(points__gte=-POINTS_LIMIT, points__lte=POINTS_LIMIT),
                name="entry_points_nonzero",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="entry_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}"


class Goods(models.Model):
    """A good a supermarket offers: its price in points and its stock (the running total of its movements)."""

    supermarket = models.ForeignKey(
        Supermarket, on_delete=models.PROTECT, related_name="goods", verbose_name=_("supermarket")
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=16)
    price = models.PositiveIntegerField(_("price (points)"))
    stock = models.IntegerField(_("stock"), default=0)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("goods")
        verbose_name_plural = _("goods")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="goods_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="goods_price_positive"),
            models.UniqueConstraint(fields=["supermarket", "name"], name="goods_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt of goods")
    COUNT = "count", _("Stock-taking adjustment")


class StockMove(models.Model):
    """Goods received (positive) or a stock-taking's adjustment (counted minus book quantity)."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="moves", verbose_name=_("goods"))
    kind = models.CharField(_("kind"), max_length=8, choices=MoveKind.choices)
    quantity = models.IntegerField(_("quantity"))
    book = models.IntegerField(_("book quantity"), null=True, blank=True)
    counted = models.IntegerField(_("counted quantity"), null=True, blank=True)
    on = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="count") | Q(quantity__gt=0), name="stockmove_receipt_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="count") | Q(quantity=models.F("counted") - models.F("book")),
                name="stockmove_count_is_difference",
            ),
        ]

    def __str__(self) -> str:
        return f"move {self.pk}"


class Redemption(models.Model):
    """Goods a household took for its points on a day."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("household"),
    )
    supermarket = models.ForeignKey(
        Supermarket, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("supermarket")
    )
    goods = models.ForeignKey(
        Goods, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("goods")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points spent"))
    on = models.DateField(_("day"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [models.Index(fields=["on"], name="points_redemption_on")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0, points__gt=0), name="redemption_positive"),
        ]

    def __str__(self) -> str:
        return f"redemption {self.pk}"
