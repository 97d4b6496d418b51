"""Forms of the portal: they parse and present input; portal.services decides what is valid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bottomline.registry.choices import Education, HouseholdType, HousingGrade, Labour, RiskType
from bottomline.registry.models import Household
from bottomline.widgets import BootstrapMixin

# The honeypot's name: a plausible field that people never see (hidden by CSS, skipped by the keyboard) and
# form-filling scripts fill in.
HONEYPOT = "website"


class DeclarationForm(BootstrapMixin, forms.Form):
    """The public declaration. The village comes from the picker (or the poster's QR link) as a 12-digit code.

    Fields are optional here: the service checks them all at once, so that every mistake shows on the first try.
    """

    name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID number (身份证号码)"), max_length=22, required=False)
    village = forms.CharField(label=_("Village"), max_length=12, required=False)
    risk_type = forms.ChoiceField(
        label=_("What is the hardship about?"), choices=[("", "—"), *RiskType.choices], required=False
    )
    description = forms.CharField(
        label=_("Describe the hardship briefly"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
    )
    # A phone offers its camera (capture); site.js redraws the picture at most 1600 px wide as a JPEG before it
    # is sent (data-compress), and shows it (data-preview). The service checks what arrives.
    photo = forms.FileField(
        label=_("A photo of the hardship (if you want)"),
        required=False,
        help_text=_("For example the damaged house or the hospital bill. You can also send no photo."),
        widget=forms.FileInput(
            attrs={
                # Hidden behind a button-like label in plain words (the browser's own "Choose File" is not).
                "class": "visually-hidden portal-photo-input",
                "accept": "image/*",
                "capture": "environment",
                "data-compress": "1600",
                "data-preview": "photo-preview",
                "aria-describedby": "photo-help",
            }
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I promise that what I declared is true, and I agree that the village and the departments verify it "
            "and use these data for monitoring and assistance (承诺授权)."
        ),
        required=False,
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = {
            "name": {"autocomplete": "name"},
            "phone": {"autocomplete": "tel", "inputmode": "tel"},
            "id_number": {"autocomplete": "off", "inputmode": "text", "spellcheck": "false"},
            HONEYPOT: {"autocomplete": "off", "tabindex": "-1"},
        }
        for field, extra in attrs.items():
            self.fields[field].widget.attrs.update(extra)


class StatusForm(BootstrapMixin, forms.Form):
    """A receipt number to look up."""

    receipt = forms.CharField(
        label=_("Receipt number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class LinkForm(BootstrapMixin, forms.Form):
    """Link a declaration to a registered household of its village."""

    household = forms.ModelChoiceField(label=_("Registered household"), queryset=Household.objects.none())

    def __init__(self, *args: Any, households: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households  # type: ignore[attr-defined]  # ModelChoiceField


class DismissForm(BootstrapMixin, forms.Form):
    """Dismiss a declaration, with the reason."""

    reason = forms.CharField(label=_("Reason"), max_length=200)


class SearchForm(BootstrapMixin, forms.Form):
    """A name to find the declarant's household by (sent by POST: a name stays out of addresses and logs)."""

    name = forms.CharField(
        label=_("Name of a household member"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )


def _choose(choices: Sequence[tuple[str, StrOrPromise]]) -> list[tuple[str, StrOrPromise]]:
    return [("", "—"), *choices]


class RegisterForm(BootstrapMixin, forms.Form):
    """建档并关联: what the declaration does not say about the new household and its head; the name, ID number
    and phone come from the declaration."""

    household_type = forms.ChoiceField(label=_("Household type"), choices=_choose(HouseholdType.choices))
    housing_grade = forms.ChoiceField(label=_("Housing safety grade"), choices=_choose(HousingGrade.choices))
    village_group = forms.CharField(label=_("Village group (村民小组)"), required=False, max_length=50)
    labour = forms.ChoiceField(label=_("Head's labour capacity"), choices=_choose(Labour.choices))
    education = forms.ChoiceField(label=_("Head's education"), choices=_choose(Education.choices))
