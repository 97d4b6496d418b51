"""Leads (线索): the signals that a household may be at risk, from every discovery channel, merged per household.

A household has at most one open lead; every signal that arrives while it is open joins it as a ``Signal`` with
its channel, time and reference, so nothing is lost and the deadline clock keeps the time of the first one.
Each lead opens a ``Case`` that walks the identification procedure (monitoring.workflow), is assisted
(``Measure``, ``FollowUp``) and leaves through risk elimination; its ``Step`` rows keep every state it has had.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bottomline.monitoring.workflow import Action, State


class Channel(models.TextChoices):
    """Where a signal came from (domain.md §1.4, the three monitoring methods, and batch screening)."""

    SELF_DECLARATION = "self_declaration", _("Self-declaration (农户自主申报)")
    CADRE = "cadre", _("Cadre screening (基层干部排查)")
    DEPARTMENT = "department", _("Department warning (部门筛查预警)")
    SCREENING = "screening", _("Batch screening (规则筛查)")
    STAFF_ENTRY = "staff_entry", _("Hotline or paper (电话、纸质申报)")


class LeadStatus(models.TextChoices):
    """Whether a lead still waits for a decision."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Lead(models.Model):
    """Everything that points at one household's risk, until it is decided."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="leads", verbose_name=_("household")
    )
    status = models.CharField(_("status"), max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    first_at = models.DateTimeField(_("first signal"))  # the 15-day clock starts here
    last_at = models.DateTimeField(_("latest signal"))
    category = models.PositiveSmallIntegerField(_("suggested category"), null=True, blank=True)
    risk_types = models.JSONField(_("risk types"), default=list)

    class Meta:
        ordering = ["first_at", "id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open"), name="lead_one_open_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"lead {self.pk} ({self.household_id})"


class Signal(models.Model):
    """One signal of a lead: its channel, when, what it said (both languages) and what it came from."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="signals", verbose_name=_("lead"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    at = models.DateTimeField(_("time"))
    reference = models.CharField(_("reference"), max_length=64)  # e.g. "run:12", "feed:3", a receipt number
    detail = models.JSONField(_("detail"), default=dict)  # {"en": [...], "zh": [...]}

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        constraints = [
            models.UniqueConstraint(fields=["lead", "channel", "reference"], name="signal_once_per_reference")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"


class Category(models.IntegerChoices):
    """The three categories of monitoring object (DESIGN.md §2)."""

    UNSTABLE = 1, _("Unstable lifted-out household (脱贫不稳定户)")
    MARGINAL = 2, _("Marginal household at risk (边缘易致贫户)")
    SUDDEN = 3, _("Sudden severe hardship household (突发严重困难户)")


class Case(models.Model):
    """One household's spell of monitoring: from its first lead, through identification, assistance and risk
    elimination (monitoring.workflow has the states). Never deleted; a household may have one open case."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cases", verbose_name=_("household")
    )
    lead = models.OneToOneField(
        Lead, on_delete=models.PROTECT, null=True, blank=True, related_name="case", verbose_name=_("lead")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.VISIT)
    version = models.PositiveIntegerField(default=0)  # each step adds one: a step taken twice counts once
    opened_at = models.DateTimeField(_("first lead"))  # the identification clock starts here
    category = models.PositiveSmallIntegerField(
        _("category"), choices=Category.choices, null=True, blank=True
    )
    risk_types = models.JSONField(_("risk types"), default=list)
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)  # county approval or rejection
    identified_on = models.DateField(_("identified on"), null=True, blank=True)
    eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    safety_net = models.BooleanField(_("monitored on the safety net"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(closed_at__isnull=True), name="case_one_open_per_household"
            )
        ]
        indexes = [
            models.Index(fields=["state", "opened_at"], name="case_state_opened"),
            # A region's queue counts: its households (by village) then their cases, by household and state.
            models.Index(fields=["household", "state"], name="case_household_state"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.household_id}, {self.state})"


class Step(models.Model):
    """One step taken on a case, kept for ever: who, when, from which state to which, why, with what."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps", verbose_name=_("case"))
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    source = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    target = models.CharField(_("to"), max_length=16, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )  # empty: the system
    at = models.DateTimeField(_("recorded"))
    on = models.DateField(_("date"))  # the day it happened (a visit, a meeting), which may precede ``at``
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict)  # consent, minutes, category, evaluation ...
    attachment = models.FileField(_("attachment"), upload_to="casework/%Y/%m/", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return f"{self.action}: {self.source} → {self.target}"


class Objection(models.Model):
    """An objection raised during a public notice, and how it was resolved."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="objections", verbose_name=_("case")
    )
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    resolution = models.TextField(_("resolution"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"objection {self.pk} on case {self.case_id}"


class MeasureKind(models.TextChoices):
    """The assistance catalog (DESIGN.md §2, domain.md §1.6)."""

    INDUSTRY = "industry", _("Industry support (产业帮扶)")
    EMPLOYMENT = "employment", _("Employment support (就业帮扶)")
    PUBLIC_WELFARE_POST = "public_welfare_post", _("Public-welfare post (公益性岗位)")
    HEALTH = "health", _("Health insurance and medical aid (医疗保障)")
    EDUCATION = "education", _("Education aid (教育帮扶)")
    HOUSING = "housing", _("Housing renovation (危房改造)")
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    TEKUN = "tekun", _("Extreme-hardship support (特困供养)")
    DISABILITY = "disability", _("Disability subsidies (残疾人两项补贴)")
    RELOCATION = "relocation", _("Relocation follow-up support (易地扶贫搬迁后续扶持)")
    INSURANCE = "insurance", _("Insurance claim (防贫保理赔)")
    OTHER = "other", _("Other (其他)")


# Development measures (开发式帮扶) come first for households with labour capacity; safety-net measures (兜底)
# for those without (domain.md §1.6).
DEVELOPMENT = (MeasureKind.INDUSTRY, MeasureKind.EMPLOYMENT, MeasureKind.PUBLIC_WELFARE_POST)
SAFETY_NET = (MeasureKind.DIBAO, MeasureKind.TEKUN, MeasureKind.DISABILITY)


class MeasureStatus(models.TextChoices):
    """How far a measure has got."""

    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In progress")
    DONE = "done", _("Completed")
    STOPPED = "stopped", _("Stopped")


class Measure(models.Model):
    """One assistance measure of a case's plan, with its responsible cadre (帮扶责任人)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="measures", verbose_name=_("case"))
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assisted_measures",
        verbose_name=_("responsible cadre"),
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, default=0)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="measures/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="measure_period_ordered"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="measure_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for case {self.case_id}"


class FollowUp(models.Model):
    """A follow-up visit (帮扶回访): what was found, the income recorded, and the online re-evaluation."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("case")
    )
    visited_on = models.DateField(_("visited on"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visited by")
    )
    note = models.TextField(_("findings"), blank=True)
    income = models.ForeignKey(
        "registry.IncomeRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("income recorded"),
    )
    ready = models.BooleanField(_("ready for risk elimination"), default=False)
    evaluation = models.JSONField(_("evaluation"), default=dict)  # rule explanations and readiness, en and zh
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"follow-up {self.pk} on case {self.case_id}"
