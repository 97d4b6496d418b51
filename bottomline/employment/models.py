"""Workshops and employment (帮扶车间, 就业帮扶), training and Rain and Dew grants (技能培训, 雨露计划).

A job is one employment record of a registered member: where (a workshop or another employer, inside the county
or away), from which month, for how many months, at what monthly wage. Its wages reach the household's income
through ``registry.programs`` (one entry per calendar year it covers) and its months the member's 务工时间; a
grant reaches it as transfer income. Courses and their trainees carry no money. docs/programs.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkshopKind(models.TextChoices):
    """The five kinds of 就业帮扶车间 (domain.md §3.6)."""

    FACTORY = "factory", _("Factory workshop")
    HOME = "home", _("Home-based")
    FARMING = "farming", _("Farming base")
    TRADE = "trade", _("Trade and services")
    TOURISM = "tourism", _("Rural tourism")


class Place(models.TextChoices):
    """Where a member works: in the county (就地就近), elsewhere in the province, or outside it (转移就业)."""

    LOCAL = "local", _("In the county")
    PROVINCE = "province", _("Elsewhere in the province")
    OUTSIDE = "outside", _("Outside the province")


MIGRANT = (Place.PROVINCE, Place.OUTSIDE)


class CourseKind(models.TextChoices):
    """What a course teaches (an assumption: the kinds county training plans name)."""

    SKILLS = "skills", _("Vocational skills")
    FARMING = "farming", _("Farming techniques")
    BUSINESS = "business", _("Business and e-commerce")
    GUIDANCE = "guidance", _("Guidance before going out to work")


class SchoolLevel(models.TextChoices):
    """The vocational schooling a Rain and Dew grant pays for (domain.md §3.7)."""

    SECONDARY = "secondary", _("Secondary vocational school")
    TECHNICIAN = "technician", _("Technician school")
    HIGHER = "higher", _("Higher vocational college")


class Workshop(models.Model):
    """A workshop (扶贫车间, 帮扶车间) in a village, perhaps at a relocation site, that employs members."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=WorkshopKind.choices)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    relocation_site = models.BooleanField(_("at a relocation site"), default=False)
    employer = models.CharField(_("employer"), max_length=100)
    capacity = models.PositiveIntegerField(_("places"))
    opened = models.DateField(_("opened"))
    closed = models.DateField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village__code", "name"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """One employment record of a member: employer or workshop, place, months from ``start``, monthly wage."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    # The member's household when recorded: the region and the income the wages count in.
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("workshop"),
    )
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    place = models.CharField(_("where"), max_length=16, choices=Place.choices)
    start = models.DateField(_("first month"))  # the first day of the month
    months = models.PositiveSmallIntegerField(_("months worked"))
    monthly_wage = models.DecimalField(_("monthly wage (yuan)"), max_digits=9, decimal_places=2)
    last = models.DateField(_("last month"), editable=False)  # the first day of the last month worked (save)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "id"]
        verbose_name = _("employment record")
        verbose_name_plural = _("employment records")
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=36), name="job_months_1_to_36"),
            models.CheckConstraint(condition=Q(monthly_wage__gte=0), name="job_wage_not_negative"),
        ]
        indexes = [
            models.Index(fields=["household", "start"], name="job_household_start"),
            models.Index(fields=["start", "last"], name="job_start_last"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.start:%Y-%m}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.last = last_month(self.start, self.months)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "last"}
        super().save(*args, **kwargs)


def last_month(start: date, months: int) -> date:
    """The first day of the last of ``months`` months from ``start``."""
    index = start.year * 12 + start.month - 1 + months - 1
    return date(index // 12, index % 12 + 1, 1)


class Course(models.Model):
    """A training course (技能培训) held by a township or the county."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices)
    provider = models.CharField(_("provider"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("held by")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    hours = models.PositiveSmallIntegerField(_("hours"))
    certificate = models.CharField(_("certificate awarded"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="course_ends_after")
        ]

    def __str__(self) -> str:
        return self.name


class Trainee(models.Model):
    """A member trained on a course (one person-time)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="trainees", verbose_name=_("course")
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    certified = models.BooleanField(_("certificate obtained"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course_id", "id"]
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        constraints = [models.UniqueConstraint(fields=["course", "member"], name="trainee_once_per_course")]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.member_id}"


class Grant(models.Model):
    """A Rain and Dew grant (雨露计划) for one term of a student of a registered household: transfer income."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    school = models.CharField(_("school"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=SchoolLevel.choices)
    term = models.CharField(_("term"), max_length=20)  # e.g. 2025秋
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-paid_on", "id"]
        verbose_name = _("Rain and Dew grant")
        verbose_name_plural = _("Rain and Dew grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.UniqueConstraint(fields=["member", "term"], name="grant_once_per_term"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.term}"
