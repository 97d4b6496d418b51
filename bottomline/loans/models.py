"""Small loans to households (脱贫人口小额信贷): the loan a bank grants a household and the repayments on it.

A loan is not income, and neither is its interest subsidy (贴息): nothing here reaches the income records
(docs/programs.md, "Small loans"). What is due when (the schedule) and how late a loan is on a date are
computed from the loan's terms and the repayments dated up to that date (loans.schedule), never stored, so
that every figure is as of a date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Policy limits (domain.md §3.7): at most 50,000 yuan, at most 3 years.
AMOUNT_LIMIT = Decimal(50000)
TERM_LIMIT_MONTHS = 36


class Purpose(models.TextChoices):
    """What the loan is for: the household's own production or business only ("户借、户用、户还")."""

    PLANTING = "planting", _("Planting")
    LIVESTOCK = "livestock", _("Livestock")
    PROCESSING = "processing", _("Processing")
    TRADE = "trade", _("Trade and services")
    TOURISM = "tourism", _("Rural tourism")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other production")


# The purposes' Chinese terms, as a bank's statement writes them (the import reads them in either language).
PURPOSE_ZH = {
    "planting": "种植",
    "livestock": "养殖",
    "processing": "加工",
    "trade": "商贸服务",
    "tourism": "乡村旅游",
    "transport": "运输",
    "other": "其他生产经营",
}


class Status(models.TextChoices):
    """Where a loan stands (as of a date: loans.schedule.loan_state)."""

    NOT_YET = "not_yet", _("Not yet disbursed")
    CURRENT = "current", _("Current")
    OVERDUE = "overdue", _("Overdue")
    REPAID = "repaid", _("Repaid")


class Loan(models.Model):
    """One small loan a bank granted a household: lender, contract, amount, term, rates, purpose, disbursement."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="loans", verbose_name=_("household")
    )
    borrower = models.ForeignKey(
        "registry.Member",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("borrower"),
    )
    lender = models.CharField(_("lender (bank)"), max_length=100)
    contract = models.CharField(_("contract number"), max_length=40, unique=True)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(AMOUNT_LIMIT)],
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(TERM_LIMIT_MONTHS)]
    )
    rate = models.DecimalField(
        _("annual interest rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
    )
    subsidy_rate = models.DecimalField(
        _("interest subsidy rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    disbursed_on = models.DateField(_("disbursed on"))
    # The first unpaid due date of the overdue spell a lead was raised for: one lead per spell, not one a night.
    lead_due = models.DateField(_("lead raised for the payment due"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-disbursed_on", "id"]
        verbose_name = _("small loan")
        verbose_name_plural = _("small loans")
        indexes = [models.Index(fields=["disbursed_on"], name="loan_disbursed_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=AMOUNT_LIMIT), name="loan_amount_within_limit"
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=TERM_LIMIT_MONTHS),
                name="loan_term_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_rate__lte=models.F("rate")), name="loan_subsidy_le_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"loan {self.pk} ({self.household_id})"

    @property
    def maturity(self) -> date:
        """The day the principal falls due: the disbursement day, ``term_months`` later."""
        from bottomline.loans.schedule import months_after

        return months_after(self.disbursed_on, self.term_months)


class Repayment(models.Model):
    """One repayment of a loan: principal and interest the household paid the bank on a day, and the interest
    subsidy (贴息) the budget paid on that interest."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("loan")
    )
    on = models.DateField(_("repaid on"))
    principal = models.DecimalField(
        _("principal (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    interest = models.DecimalField(
        _("interest (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    subsidy = models.DecimalField(
        _("interest subsidy (yuan)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    reference = models.CharField(_("bank reference"), max_length=40, blank=True)
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
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        indexes = [models.Index(fields=["on"], name="repayment_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0, interest__gte=0, subsidy__gte=0), name="repayment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(principal__gt=0) | Q(interest__gt=0), name="repayment_pays_something"
            ),
            models.CheckConstraint(
                condition=Q(subsidy__lte=models.F("interest")), name="repayment_subsidy_le_interest"
            ),
            models.UniqueConstraint(
                fields=["loan", "reference"], condition=~Q(reference=""), name="repayment_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"repayment {self.pk} ({self.loan_id})"
