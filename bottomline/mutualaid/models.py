"""Village mutual-aid funds (村级互助资金): a village's association, the capital put into it by source, its member
households and the loans it makes them, with their repayments (docs/programs.md, "Village mutual-aid funds").

A mutual-aid loan is not income and its use fee (占用费) is not income either: nothing here reaches the income
records. Balances, overdue days and the fund's balance sheet are computed as of a date from the dated records
(mutualaid.ledger), never stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bottomline.loans.models import Purpose  # the same production purposes as the small loans

__all__ = ["Association", "Contribution", "Loan", "Membership", "Purpose", "Repayment", "Source", "Status"]

TERM_LIMIT_MONTHS = 36  # an assumption: mutual-aid loans are short (domain.md §3.3: terms unconfirmed)
FEE_RATE_LIMIT = Decimal(24)


class Status(models.TextChoices):
    """Where an association stands."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    """Where a contribution to the fund's capital comes from (members' shares: their memberships)."""

    FISCAL = "fiscal", _("Fiscal anti-poverty funds")
    DONATION = "donation", _("Donations")
    FEES = "fees", _("Use fees turned into capital")


class Association(models.Model):
    """One village's mutual-aid fund association (互助资金协会): its loan ceiling and default use-fee rate are its
    own (domain.md §3.3: set per fund)."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    founded_on = models.DateField(_("founded on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    loan_limit = models.DecimalField(
        _("loan ceiling (yuan)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(10000),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    fee_rate = models.DecimalField(
        _("default use-fee rate (% a year)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(6),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(FEE_RATE_LIMIT)],
    )
    recorded_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "id"]
        verbose_name = _("mutual-aid association")
        verbose_name_plural = _("mutual-aid associations")
        constraints = [
            models.UniqueConstraint(fields=["village"], name="mutualaid_one_association_per_village"),
            models.CheckConstraint(condition=Q(loan_limit__gt=0), name="mutualaid_loan_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    """Money put into the fund's capital on a day: fiscal funds, a donation, or use fees turned into capital."""

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("association")
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=11, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("capital contribution")
        verbose_name_plural = _("capital contributions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="mutualaid_contribution_positive")
        ]

    def __str__(self) -> str:
        return f"contribution {self.pk} ({self.association_id})"


class Membership(models.Model):
    """A household's membership of its village's fund: the share it paid in on joining (refunded on leaving)."""

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("association")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="mutualaid_memberships",
        verbose_name=_("household"),
    )
    share = models.DecimalField(
        _("share (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_on", "id"]
        verbose_name = _("fund membership")
        verbose_name_plural = _("fund memberships")
        constraints = [
            models.CheckConstraint(condition=Q(share__gte=0), name="mutualaid_share_not_negative"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="mutualaid_left_after_joined",
            ),
            models.UniqueConstraint(
                fields=["association", "household"],
                condition=Q(left_on__isnull=True),
                name="mutualaid_one_open_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"membership {self.pk} ({self.household_id})"

    def member_on(self, day: date) -> bool:
        """Whether the household is a member at the end of ``day``."""
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class Loan(models.Model):
    """A loan of the fund to a member household: amount, term, the annual use-fee rate, purpose, disbursement.
    The principal and the whole use fee fall due at maturity (mutualaid.ledger)."""

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="loans", verbose_name=_("association")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="mutualaid_loans",
        verbose_name=_("household"),
    )
    number = models.CharField(_("loan number"), max_length=40, unique=True)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(TERM_LIMIT_MONTHS)]
    )
    fee_rate = models.DecimalField(
        _("use-fee rate (% a year)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(FEE_RATE_LIMIT)],
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    disbursed_on = models.DateField(_("disbursed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disbursed_on", "id"]
        verbose_name = _("mutual-aid loan")
        verbose_name_plural = _("mutual-aid loans")
        indexes = [models.Index(fields=["disbursed_on"], name="mutualaid_loan_disbursed_on")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="mutualaid_loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=TERM_LIMIT_MONTHS),
                name="mutualaid_loan_term",
            ),
        ]

    def __str__(self) -> str:
        return f"mutual-aid loan {self.pk} ({self.household_id})"

    @property
    def maturity(self) -> date:
        """The day the principal and the use fee fall due."""
        from bottomline.loans.schedule import months_after

        return months_after(self.disbursed_on, self.term_months)

    @property
    def fee_total(self) -> Decimal:
        """The use fee of the whole term: amount × annual rate × months / 12, to the fen."""
        from bottomline.mutualaid.ledger import fee_of

        return fee_of(self.amount, self.fee_rate, self.term_months)


class Repayment(models.Model):
    """A repayment of a loan: principal and use fee paid to the fund on a day."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("loan")
    )
    on = models.DateField(_("repaid on"))
    principal = models.DecimalField(
        _("principal (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    fee = models.DecimalField(
        _("use fee (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    reference = models.CharField(_("receipt number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("mutual-aid repayment")
        verbose_name_plural = _("mutual-aid repayments")
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0, fee__gte=0) & (Q(principal__gt=0) | Q(fee__gt=0)),
                name="mutualaid_repayment_pays_something",
            ),
            models.UniqueConstraint(
                fields=["loan", "reference"],
                condition=~Q(reference=""),
                name="mutualaid_repayment_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"mutual-aid repayment {self.pk} ({self.loan_id})"
