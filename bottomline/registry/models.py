"""The household archive (农户档案; 建档立卡 is kept for registered households lifted out of poverty): households, members, incomes by period, member moves.

Personal numbers are never stored in the clear: an ID number or phone is kept as SM4-GCM ciphertext
(``*_enc``), a keyed blind index for exact lookup and uniqueness (``*_index``) and the masked form that every
page shows (``*_masked``). The blind indexes are indexed through ``Meta`` rather than ``unique=True`` or
``db_index=True`` on the field: on PostgreSQL those also build a second, ``varchar_pattern_ops`` index for
``LIKE``, which a keyed hash never needs and which every insert (a million in a large import) would maintain.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bottomline.privacy.fields import EncryptedTextField
from bottomline.registry.choices import (
    Education,
    Ethnicity,
    Health,
    HouseholdType,
    HousingGrade,
    IncomeKind,
    Labour,
    MoveReason,
    PovertyCause,
    Program,
    Relation,
    StudentStatus,
    Welfare,
)

# Encryption purposes, bound into each value (a value copied into another column does not decrypt).
ID_PURPOSE = "member.id_number"
PHONE_PURPOSE = "household.phone"


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a day (the rules' school age and the pages' age column alike)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class Versioned(models.Model):
    """A record whose every save adds one to ``version``, noted in its change-log entry (django-auditlog calls
    ``get_additional_data``), so that an edit made on an older version finds the changes it would overwrite."""

    version = models.PositiveIntegerField(default=0, editable=False)
    change_reason = ""  # set on the instance before a save whose reason the change log must keep

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict[str, Any]:
        """What django-auditlog keeps beside the changed fields."""
        data: dict[str, Any] = {"version": self.version}
        if self.change_reason:
            data["reason"] = self.change_reason
        return data


class Household(Versioned):
    """A household (户) of one village."""

    number = models.CharField(_("household number"), max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("village"),
        db_index=False,  # household_village_id below
    )
    village_group = models.CharField(_("village group (村民小组)"), max_length=50, blank=True)
    household_type = models.CharField(_("household type"), max_length=16, choices=HouseholdType.choices)
    welfare = models.CharField(
        _("safety-net status"), max_length=16, choices=Welfare.choices, default=Welfare.NONE
    )
    poverty_cause = models.CharField(
        _("main cause of poverty"), max_length=16, choices=PovertyCause.choices, blank=True
    )
    housing_grade = models.CharField(_("housing safety grade"), max_length=1, choices=HousingGrade.choices)
    safe_water = models.BooleanField(_("safe drinking water"), default=True)
    phone_enc = EncryptedTextField(blank=True, purpose=PHONE_PURPOSE)
    phone_index = models.CharField(max_length=64, blank=True)  # indexed in Meta (module docstring)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    first_identified = models.DateField(_("first identified"), null=True, blank=True)
    relocated = models.BooleanField(_("relocated (易地扶贫搬迁)"), default=False)
    # The token of the registration form that made it: the same form sent twice registers one household.
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Baseline attributes the documents count by (issue 14 item 8): the year the household was lifted out of
    # poverty (脱贫年度) and, for a relocated household, its resettlement site (安置点).
    lifted_year = models.PositiveSmallIntegerField(
        _("year lifted out of poverty (脱贫年度)"), null=True, blank=True
    )
    resettlement_site = models.CharField(_("resettlement site (安置点)"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["village", "household_type"], name="household_village_type"),
            # A region's households by their villages' code range, read from the index alone (PostgreSQL's
            # index-only scan): every list, count and queue of a region joins its cases or members to them.
            # Without the id, a county a tenth of the table was read by scanning the whole table (issue #16).
            models.Index(fields=["village", "id"], name="household_village_id"),
            models.Index(fields=["phone_index"], name="household_phone_index"),
            # What an incremental screening reads first: the households changed since the previous run.
            models.Index(fields=["updated_at"], name="household_updated"),
        ]

    def __str__(self) -> str:
        return self.number


class Member(Versioned):
    """A person (人) registered in one household; ``household`` is empty once they have left the archive."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    name = models.CharField(_("name"), max_length=50)
    id_number_enc = EncryptedTextField(purpose=ID_PURPOSE)
    id_number_index = models.CharField(max_length=64)  # unique in Meta (module docstring)
    id_number_masked = models.CharField(_("ID number"), max_length=20)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(
        _("ethnicity"), max_length=8, choices=Ethnicity.choices, default=Ethnicity.HAN
    )
    education = models.CharField(_("education"), max_length=16, choices=Education.choices)
    student_status = models.CharField(
        _("student status"), max_length=16, choices=StudentStatus.choices, default=StudentStatus.NONE
    )
    health = models.CharField(_("health"), max_length=16, choices=Health.choices, default="healthy")
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    labour = models.CharField(_("labour capacity and skill"), max_length=16, choices=Labour.choices)
    months_worked = models.PositiveSmallIntegerField(_("months worked away (务工时间)"), default=0)
    medical_insurance = models.BooleanField(_("basic medical insurance"), default=True)
    serious_illness_insurance = models.BooleanField(_("serious-illness insurance"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # One person is registered once, nationwide.
            models.UniqueConstraint(fields=["id_number_index"], name="member_id_number_unique"),
            models.CheckConstraint(condition=Q(months_worked__lte=12), name="member_months_worked_max_12"),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="member_disability_grade_1_to_4",
            ),
            # At most one head (户主) per household; the services also refuse a household left without one.
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="head"), name="member_one_head_per_household"
            ),
        ]
        indexes = [models.Index(fields=["updated_at"], name="member_updated")]  # as household_updated

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"

    @property
    def age(self) -> int:
        """Age today: what pages, exports and the API show instead of the birth date (data-model.md)."""
        return age_on(self.birth_date, timezone.localdate())


def _money(label: StrOrPromise) -> models.DecimalField:  # type: ignore[type-arg]  # generic in stubs only
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=0)


class IncomeRecord(models.Model):
    """Income and rigid spending of a household over one assessment period; per-capita figures are computed."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="incomes", verbose_name=_("household")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    household_size = models.PositiveSmallIntegerField(_("household size"))
    wage = _money(_("wage income"))
    production = _money(_("net production and operation income"))
    # The national forms' split (生产经营性收入 and 生产经营性支出); net production is gross − spending. Empty
    # on records entered with the net figure alone (a follow-up visit, a department feed, older records).
    production_gross = models.DecimalField(
        _("production and operation income (gross)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    production_expense = models.DecimalField(
        _("productive spending"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    property_income = _money(_("property income"))
    transfer = _money(_("transfer income"))
    medical_out_of_pocket = _money(_("compliant out-of-pocket medical spending"))
    education_out_of_pocket = _money(_("compliant out-of-pocket education spending"))
    other_rigid = _money(_("other rigid spending"))
    net_income = models.GeneratedField(
        expression=F("wage") + F("production") + F("property_income") + F("transfer"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("net income"),
    )
    # docs/rules.md, Arithmetic: the net income in whole fen over the household size, rounded half away from zero
    # to the fen (``rules.periods.divide_half_away``), on either database: SQLite divides two whole numbers as
    # integers and PostgreSQL rounds to the column's scale, so the expression says each step itself.
    per_capita_net_income = models.GeneratedField(
        expression=Round(
            Round((F("wage") + F("production") + F("property_income") + F("transfer")) * Value(Decimal(100)))
            / Cast("household_size", models.DecimalField(max_digits=4, decimal_places=0))
        )
        / Value(Decimal(100)),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("per-capita net income"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A correction changes it too, so that an incremental screening (engine.services.registry_touched) sees it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "-period_start"]
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "period_start", "period_end"], name="income_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="income_period_ordered"
            ),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="income_household_size_positive"),
        ]
        indexes = [models.Index(fields=["updated_at"], name="income_updated")]  # as household_updated

    def __str__(self) -> str:
        return f"{self.household_id} {self.period_start}–{self.period_end}"


class ProgramIncome(models.Model):
    """Money a program paid a household (a post's monthly pay, a year's dividend, a grant): one entry per payment,
    named by its ``source`` in the paying app. ``record`` is the income record of the period that counts it
    (None: no record covers its day yet). registry.programs keeps the record's amounts and the entries in step:
    docs/programs.md ("How program money reaches household income")."""

    source = models.CharField(_("source"), max_length=64, unique=True)  # "<app>.<model>:<id>[:<part>]"
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="program_incomes", verbose_name=_("household")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("member")
    )
    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    kind = models.CharField(_("income type"), max_length=16, choices=IncomeKind.choices)
    on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    record = models.ForeignKey(
        IncomeRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="program_incomes",
        verbose_name=_("income record"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "-on", "source"]
        verbose_name = _("program income")
        verbose_name_plural = _("program incomes")
        indexes = [models.Index(fields=["household", "on"], name="program_income_household_on")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="program_income_not_negative")]

    def __str__(self) -> str:
        return f"{self.source} {self.amount}"


class MemberMove(models.Model):
    """A member leaving or joining a household, kept for history."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="moves", verbose_name=_("member")
    )
    from_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=MoveReason.choices)
    moved_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_id", "moved_on", "id"]
        verbose_name = _("member move")
        verbose_name_plural = _("member moves")

    def __str__(self) -> str:
        return f"{self.member_id} {self.reason} {self.moved_on}"


class HouseholdCounter(models.Model):
    """The last sequence number given to a new household of a village: the next is one more, past any number
    taken already (an imported one out of sequence), so that new numbers never collide."""

    village = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.village_id}: {self.last}"


class KeyCheck(models.Model):
    """A key check value: a known text sealed with one of the keys that this database's values were made with.

    ``name`` is ``field:<key id>`` for an SM4 field key (the ciphertext of the text) or ``index`` for the
    blind-index key (its blind index). A database restored beside other keys fails the comparison at start-up,
    naming the key, instead of answering searches with nothing and reveals with errors.
    """

    name = models.CharField(max_length=40, unique=True)
    value = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
