"""Anti-poverty insurance (防返贫保险, 防贫保): the policy a county buys for a covered group, its payout rules,
and the claims of the covered households.

Who is covered is not stored: the policy's rule (household types, monitoring, a per-capita income limit) is
applied to the registry as of a day (``insurance.selectors.covered_households``), so that the list follows the
data ("dynamically adjusted"). A paid claim is transfer income of the household, written only through
``registry.programs.program_incomes_post`` (docs/programs.md, "Anti-poverty insurance").
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    """What a claim is for: the risks an anti-poverty policy covers (domain.md §3.5)."""

    MEDICAL = "medical", _("Medical out-of-pocket spending")
    EDUCATION = "education", _("Education costs")
    DISASTER = "disaster", _("Natural disaster")
    ACCIDENT = "accident", _("Accident")


class ClaimStatus(models.TextChoices):
    """Where a claim stands: recorded (or proposed from the medical feed), assessed, paid, or withdrawn."""

    RECORDED = "recorded", _("Recorded, to assess")
    APPROVED = "approved", _("Approved, to pay")
    REFUSED = "refused", _("Refused")
    PAID = "paid", _("Paid")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Origin(models.TextChoices):
    """How a claim came in."""

    STAFF = "staff", _("Recorded by staff")
    MEDICAL_FEED = "medical_feed", _("Proposed from the medical-insurance feed")
    IMPORT = "import", _("Imported from the insurer's list")


class Policy(models.Model):
    """One policy a county (or another region) bought from an insurer for a covered group over a period."""

    name = models.CharField(_("name"), max_length=100)
    number = models.CharField(_("policy number"), max_length=40, unique=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("bought by (region)")
    )
    insurer = models.CharField(_("insurer"), max_length=100)
    start = models.DateField(_("covers from"))
    end = models.DateField(_("covers until"))
    premium_total = models.DecimalField(
        _("premium, total (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    premium_per_household = models.DecimalField(
        _("premium per household (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    # The covered group, as data: the household types and states it takes in, and the income limit.
    covers_lifted = models.BooleanField(_("covers lifted-out households"), default=True)
    covers_monitored = models.BooleanField(_("covers monitored households"), default=True)
    income_below = models.DecimalField(
        _("per-capita net income below (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        max_digits=12,
        decimal_places=2,
    )
    source = models.CharField(_("policy source"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(  # empty: synthetic data
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "id"]
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="policy_period_ordered"),
            models.CheckConstraint(
                condition=Q(covers_lifted=True) | Q(covers_monitored=True), name="policy_covers_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class PayoutRule(models.Model):
    """How a policy pays for one trigger: the share of the spending (or loss) above the threshold, capped."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="rules", verbose_name=_("policy")
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    threshold = models.DecimalField(
        _("threshold (yuan)"), validators=[MinValueValidator(Decimal(0))], max_digits=12, decimal_places=2
    )
    share = models.DecimalField(
        _("share paid above the threshold (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    cap = models.DecimalField(
        _("cap per claim (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )

    class Meta:
        ordering = ["policy_id", "trigger"]
        verbose_name = _("payout rule")
        verbose_name_plural = _("payout rules")
        constraints = [
            models.UniqueConstraint(fields=["policy", "trigger"], name="payoutrule_one_per_trigger"),
            models.CheckConstraint(condition=Q(share__gte=0, share__lte=100), name="payoutrule_share_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.trigger}"

    def payout(self, spending: Decimal) -> Decimal:
        """What the rule pays on a spending (or loss): the share of the excess over the threshold, capped."""
        excess = max(spending - self.threshold, Decimal(0))
        amount = (excess * self.share / Decimal(100)).quantize(Decimal("0.01"))
        return min(amount, self.cap) if self.cap is not None else amount


class Claim(models.Model):
    """One claim of a covered household on a policy: trigger and spending, the assessment, the payout."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="claims", verbose_name=_("policy")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="insurance_claims",
        verbose_name=_("household"),
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    occurred_on = models.DateField(_("occurred on"))
    spending = models.DecimalField(
        _("spending or loss (yuan)"),
        validators=[MinValueValidator(Decimal(0))],
        max_digits=12,
        decimal_places=2,
    )
    claimed = models.DecimalField(
        _("amount claimed (yuan)"),
        validators=[MinValueValidator(Decimal(0))],
        max_digits=12,
        decimal_places=2,
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.STAFF)
    reference = models.CharField(_("insurer's claim number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.RECORDED
    )
    assessed_amount = models.DecimalField(
        _("assessed amount (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    reason = models.CharField(_("reason (refusal or withdrawal)"), max_length=200, blank=True)
    paid_amount = models.DecimalField(
        _("amount paid (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    recorded_by = models.ForeignKey(  # empty: synthetic data or the medical feed's proposal
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")
        indexes = [
            models.Index(fields=["paid_on"], name="claim_paid_on"),
            models.Index(fields=["policy", "status"], name="claim_policy_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(spending__gte=0, claimed__gte=0), name="claim_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_amount__gt=0, paid_on__isnull=False),
                name="claim_paid_has_payout",
            ),
            # The medical feed proposes one medical claim per household and policy (the run is idempotent).
            models.UniqueConstraint(
                fields=["policy", "household", "trigger"],
                condition=Q(origin="medical_feed"),
                name="claim_medical_feed_once",
            ),
            models.UniqueConstraint(
                fields=["policy", "reference"], condition=~Q(reference=""), name="claim_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} ({self.household_id})"

    @property
    def source(self) -> str:
        """The program-income entry's source of this claim's payout (registry.programs.ProgramEntry)."""
        return f"insurance.claim:{self.pk}"
