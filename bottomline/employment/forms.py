"""Forms of workshops, jobs, courses, enrolments and grants: they parse and present; ``services`` decides what
is valid (and where)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.employment.models import Course, CourseKind, Place, SchoolLevel, WorkshopKind
from bottomline.regions.models import Level, Region
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class WorkshopForm(BootstrapMixin, forms.Form):
    """A workshop's name, kind, village, employer and places."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkshopKind.choices)
    village_code = forms.ChoiceField(label=_("Village"))
    relocation_site = forms.BooleanField(label=_("At a relocation site"), required=False)
    employer = forms.CharField(label=_("Employer"), max_length=100)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100000)
    opened = forms.DateField(label=_("Opened"), widget=DATE)
    closed = forms.DateField(label=_("Closed"), widget=DATE, required=False)

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"].choices = [(v.code, f"{v.name} ({v.code})") for v in villages]  # type: ignore[attr-defined]


class JobForm(BootstrapMixin, forms.Form):
    """One job of a member of the household: a workshop or another employer, where, from which month, how long."""

    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    workshop = forms.TypedChoiceField(label=_("Workshop"), coerce=int, required=False, empty_value=None)
    employer = forms.CharField(label=_("Employer (unless a workshop)"), max_length=100, required=False)
    place = forms.ChoiceField(label=_("Where"), choices=Place.choices)
    start = forms.DateField(label=_("First month"), widget=MONTH, input_formats=["%Y-%m", "%Y-%m-%d"])
    months = forms.IntegerField(label=_("Months worked"), min_value=1, max_value=36)
    monthly_wage = forms.DecimalField(
        label=_("Monthly wage (yuan)"), min_value=Decimal(0), max_digits=8, decimal_places=2
    )

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], workshops: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]
        self.fields["workshop"].choices = [("", _("— none —")), *workshops]  # type: ignore[attr-defined]


class CourseForm(BootstrapMixin, forms.Form):
    """A course: what, by whom, where, when, how long, which certificate."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    provider = forms.CharField(label=_("Provider"), max_length=100)
    region_code = forms.ChoiceField(label=_("Held by"))
    start = forms.DateField(label=_("First day"), widget=DATE)
    end = forms.DateField(label=_("Last day"), widget=DATE)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=2000)
    certificate = forms.CharField(label=_("Certificate awarded"), max_length=100, required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]


class EnrolForm(BootstrapMixin, forms.Form):
    """A member of the household on a course."""

    course = forms.TypedChoiceField(label=_("Course"), coerce=int)
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    certified = forms.BooleanField(label=_("Certificate obtained"), required=False)

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], courses: list[Course], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]
        self.fields["course"].choices = [(c.pk, f"{c.name} ({c.start:%Y-%m-%d})") for c in courses]  # type: ignore[attr-defined]


class GrantForm(BootstrapMixin, forms.Form):
    """A Rain and Dew grant for one term of a student of the household."""

    member = forms.TypedChoiceField(label=_("Student"), coerce=int)
    school = forms.CharField(label=_("School"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=SchoolLevel.choices)
    term = forms.CharField(label=_("Term (year and season)"), max_length=20)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), max_digits=8, decimal_places=2
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]


class ListFilter(forms.Form):
    """A list's region (a code of the viewer's region), place and year."""

    region = forms.CharField(required=False, max_length=12)
    place = forms.ChoiceField(label=_("Where"), choices=[("", _("All")), *Place.choices], required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


def village_choices(regions: Any) -> list[Region]:
    """The villages of a (gate-restricted) region queryset."""
    return list(regions.filter(level=Level.VILLAGE).order_by("code"))
