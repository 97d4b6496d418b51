"""Forms parse and present input; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.monitoring.services import REPORT_CHANNELS
from bottomline.regions.models import Region
from bottomline.registry.choices import (
    Education,
    Ethnicity,
    Health,
    HouseholdType,
    HousingGrade,
    Labour,
    PovertyCause,
    Relation,
    RiskType,
    StudentStatus,
    Welfare,
)


class BootstrapMixin:
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)


YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]


def _yes(value: str) -> bool:
    return value == "1"


class HouseholdFilterForm(BootstrapMixin, forms.Form):
    """The filters of the household list."""

    region = forms.CharField(label=_("Region code"), required=False, max_length=12)
    household_type = forms.ChoiceField(
        label=_("Household type"), required=False, choices=[("", _("All")), *HouseholdType.choices]
    )
    # Baseline attributes (issue 14 item 8).
    lifted_year = forms.IntegerField(
        label=_("Year lifted out of poverty (脱贫年度)"), required=False, min_value=2013, max_value=2100
    )
    monitored = forms.TypedChoiceField(
        label=_("Monitoring household (监测户)"),
        required=False,
        choices=YES_NO,
        coerce=_yes,
        empty_value=None,
    )
    relocated = forms.TypedChoiceField(
        label=_("Relocated (易地扶贫搬迁)"), required=False, choices=YES_NO, coerce=_yes, empty_value=None
    )
    former_poor_village = forms.TypedChoiceField(
        label=_("Former poverty village (脱贫村)"),
        required=False,
        choices=YES_NO,
        coerce=_yes,
        empty_value=None,
    )
    # A search by name or number, kept in the session under this token (never the search itself in the URL).
    person = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)


class PersonSearchForm(BootstrapMixin, forms.Form):
    """A search for a person: posted, never put in a URL (no personal data in history or access logs)."""

    name = forms.CharField(label=_("Member name"), required=False, max_length=50)
    id_number = forms.CharField(label=_("ID number (exact)"), required=False, max_length=18)
    phone = forms.CharField(label=_("Phone (exact)"), required=False, max_length=20)


class HouseholdForm(BootstrapMixin, forms.Form):
    """A household's attributes."""

    village = forms.ModelChoiceField(label=_("Village"), queryset=Region.objects.none())
    village_group = forms.CharField(label=_("Village group (村民小组)"), required=False, max_length=50)
    household_type = forms.ChoiceField(label=_("Household type"), choices=HouseholdType.choices)
    welfare = forms.ChoiceField(label=_("Safety-net status"), choices=Welfare.choices)
    poverty_cause = forms.ChoiceField(
        label=_("Main cause of poverty"), required=False, choices=[("", "—"), *PovertyCause.choices]
    )
    housing_grade = forms.ChoiceField(label=_("Housing safety grade"), choices=HousingGrade.choices)
    safe_water = forms.BooleanField(label=_("Safe drinking water"), required=False, initial=True)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    first_identified = forms.DateField(
        label=_("First identified"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    relocated = forms.BooleanField(label=_("Relocated (易地扶贫搬迁)"), required=False)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class MemberForm(BootstrapMixin, forms.Form):
    """A new member: the ID number is checked, encrypted and indexed by the service."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=30)  # the service says what is wrong
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=Ethnicity.choices)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    student_status = forms.ChoiceField(label=_("Student status"), choices=StudentStatus.choices)
    health = forms.ChoiceField(label=_("Health"), choices=Health.choices)
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
    )
    labour = forms.ChoiceField(label=_("Labour capacity and skill"), choices=Labour.choices)
    months_worked = forms.IntegerField(label=_("Months worked away"), min_value=0, max_value=12, initial=0)
    medical_insurance = forms.BooleanField(label=_("Basic medical insurance"), required=False, initial=True)
    serious_illness_insurance = forms.BooleanField(
        label=_("Serious-illness insurance"), required=False, initial=True
    )


class RiskReportForm(BootstrapMixin, forms.Form):
    """A risk found on a visit or reported by telephone or on paper (it raises a lead)."""

    channel = forms.ChoiceField(
        label=_("How it was found"),
        choices=[(channel.value, channel.label) for channel in REPORT_CHANNELS],
    )
    risk_types = forms.MultipleChoiceField(
        label=_("Risk types"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("What was found or reported"), max_length=500, widget=forms.Textarea)
