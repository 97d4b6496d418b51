"""Forms parse and present input; the services decide what is valid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.regions.models import Region
from bottomline.registry.choices import (
    Education,
    Ethnicity,
    Health,
    HouseholdType,
    HousingGrade,
    Labour,
    MoveReason,
    PovertyCause,
    Relation,
    StudentStatus,
    Welfare,
)
from bottomline.registry.models import Member
from bottomline.widgets import BootstrapMixin, DateInput

# A select starts on this: nothing is chosen for the user (no silent 户主, 文盲或半文盲 or 技能劳动力).
EMPTY = ("", "—")


def _chosen(choices: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [EMPTY, *choices]


YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]


def _yes(value: str) -> bool:
    return value == "1"


class HouseholdFilterForm(BootstrapMixin, forms.Form):
    """The filters of the household list."""

    # A region's name (or part of it) or its 12-digit code, or one picked from the region tree.
    region = forms.CharField(label=_("Region (name or code)"), required=False, max_length=100)
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
    """One search box for a household or a person: a member's name, a household number, an ID number or a
    phone (registry.selectors.person_search tells which). Posted, never put in a URL (no personal data in
    history or access logs)."""

    q = forms.CharField(
        label=_("Name, household number or ID number"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class HouseholdForm(BootstrapMixin, forms.Form):
    """A household's attributes."""

    village = forms.ModelChoiceField(label=_("Village"), queryset=Region.objects.none())
    village_group = forms.CharField(label=_("Village group (村民小组)"), required=False, max_length=50)
    household_type = forms.ChoiceField(label=_("Household type"), choices=_chosen(HouseholdType.choices))
    welfare = forms.ChoiceField(label=_("Safety-net status"), choices=_chosen(Welfare.choices))
    poverty_cause = forms.ChoiceField(
        label=_("Main cause of poverty"), required=False, choices=[("", "—"), *PovertyCause.choices]
    )
    housing_grade = forms.ChoiceField(label=_("Housing safety grade"), choices=_chosen(HousingGrade.choices))
    safe_water = forms.BooleanField(label=_("Safe drinking water"), required=False, initial=True)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    first_identified = forms.DateField(label=_("First identified"), required=False, widget=DateInput())
    relocated = forms.BooleanField(label=_("Relocated (易地扶贫搬迁)"), required=False)
    # The version the editor saw (an older one is refused with the other change), and the registration
    # form's token (the same form sent twice registers one household).
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    submit_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class MemberEditForm(BootstrapMixin, forms.Form):
    """A member's attributes: every select starts empty on a new member."""

    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation to head"), choices=_chosen(Relation.choices))
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=_chosen(Ethnicity.choices))
    education = forms.ChoiceField(label=_("Education"), choices=_chosen(Education.choices))
    student_status = forms.ChoiceField(label=_("Student status"), choices=_chosen(StudentStatus.choices))
    health = forms.ChoiceField(label=_("Health"), choices=_chosen(Health.choices))
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[EMPTY, (1, "1"), (2, "2"), (3, "3"), (4, "4")],
    )
    labour = forms.ChoiceField(label=_("Labour capacity and skill"), choices=_chosen(Labour.choices))
    months_worked = forms.IntegerField(label=_("Months worked away"), min_value=0, max_value=12, initial=0)
    medical_insurance = forms.BooleanField(label=_("Basic medical insurance"), required=False, initial=True)
    serious_illness_insurance = forms.BooleanField(
        label=_("Serious-illness insurance"), required=False, initial=True
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class MemberForm(MemberEditForm):
    """A new member: the ID number is checked, encrypted and indexed by the service; how they joined is kept."""

    id_number = forms.CharField(label=_("ID number"), max_length=30)  # the service says what is wrong
    joined = forms.ChoiceField(
        label=_("How the person joined"),
        required=False,
        choices=[
            ("", _("Already living here (registration)")),
            *[(r.value, r.label) for r in (MoveReason.BIRTH, MoveReason.MARRIAGE, MoveReason.MOVED_IN)],
        ],
    )
    joined_on = forms.DateField(label=_("Date joined"), required=False, widget=DateInput())
    field_order = ["name", "id_number"]


class IdCorrectionForm(BootstrapMixin, forms.Form):
    """A corrected ID number and why (the change log keeps the reason)."""

    id_number = forms.CharField(label=_("Correct ID number"), max_length=30)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=200)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class MemberMoveForm(BootstrapMixin, forms.Form):
    """A member leaving the household: to another household (by its number) or out of the archive."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_chosen(
            [
                (r.value, r.label)
                for r in (
                    MoveReason.DEATH,
                    MoveReason.MARRIAGE,
                    MoveReason.MOVED_AWAY,
                    MoveReason.SPLIT,
                    MoveReason.CORRECTION,
                )
            ]
        ),
    )
    moved_on = forms.DateField(label=_("Date"), widget=DateInput())
    to_household = forms.CharField(
        label=_("To household (number)"),
        required=False,
        max_length=32,
        help_text=_("Empty when the person leaves the archive (death, marriage or move out of the region)."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the head there"), required=False, choices=_chosen(Relation.choices)
    )
    new_head = forms.ModelChoiceField(
        label=_("New head of this household"),
        required=False,
        queryset=Member.objects.none(),
        help_text=_("Needed when the head leaves and others stay."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, others: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if others is not None:
            self.fields["new_head"].queryset = others  # type: ignore[attr-defined]


class HeadChangeForm(BootstrapMixin, forms.Form):
    """Another member becomes the head (户主)."""

    new_head = forms.ModelChoiceField(label=_("New head"), queryset=Member.objects.none())
    former_head_relation = forms.ChoiceField(
        label=_("The former head's relation to the new head"),
        choices=_chosen([c for c in Relation.choices if c[0] != Relation.HEAD]),
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["new_head"].queryset = members  # type: ignore[attr-defined]
