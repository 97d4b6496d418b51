"""Forms of the relocation pages: they parse and present; ``relocation.services`` decides what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.relocation.models import FIRST_YEAR, LAST_YEAR, SiteKind, Stability, SupportKind
from bottomline.relocation.selectors import UNASSESSED
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


def _year(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=FIRST_YEAR, max_value=LAST_YEAR)


class SiteForm(BootstrapMixin, forms.Form):
    """A resettlement site."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=12,
        min_length=12,
        help_text=_("The 12-digit code of the village, community or township the site is in."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    built_year = _year(_("Year built"))
    planned_households = forms.IntegerField(label=_("Planned households"), min_value=1)
    planned_people = forms.IntegerField(label=_("Planned people"), min_value=1)


class RelocationForm(BootstrapMixin, forms.Form):
    """A relocated household."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    origin_code = forms.CharField(
        label=_("Origin village code"),
        max_length=12,
        min_length=12,
        help_text=_("The 12-digit code of the village the household moved from."),
    )
    site = forms.TypedChoiceField(label=_("Resettlement site"), coerce=int, choices=())
    year = _year(_("Year relocated"))

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites  # type: ignore[attr-defined]


class AssessmentForm(BootstrapMixin, forms.Form):
    """A stability assessment."""

    on = forms.DateField(label=_("Assessed on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=Stability.choices)
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("Required unless stable: what needs attention, or what the risk is."),
    )


class SupportForm(BootstrapMixin, forms.Form):
    """A follow-up support record."""

    kind = forms.ChoiceField(label=_("Kind of support"), choices=SupportKind.choices)
    on = forms.DateField(label=_("Day"), widget=DATE)
    description = forms.CharField(label=_("Description"), max_length=300)
    unit = forms.CharField(label=_("Responsible unit"), max_length=100)


class RelocationFilterForm(BootstrapMixin, forms.Form):
    """The register's filters."""

    number = forms.CharField(label=_("Household number"), required=False, max_length=32)
    site = forms.TypedChoiceField(
        label=_("Resettlement site"), coerce=int, required=False, empty_value=None, choices=()
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Stability.choices, (UNASSESSED, _("Not assessed"))],
    )
    on = forms.DateField(label=_("As of"), required=False, widget=DATE)

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All")), *sites]  # type: ignore[attr-defined]


class AsOfForm(BootstrapMixin, forms.Form):
    """A day to count as of."""

    on = forms.DateField(label=_("As of"), required=False, widget=DATE)
