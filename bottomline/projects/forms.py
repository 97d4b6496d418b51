"""Forms of the project library's pages: they parse and present; ``projects.services`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.projects.models import AssetKind, Benefit, Kind, Source, Stage
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


def _money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class ProjectFilterForm(BootstrapMixin, forms.Form):
    """The library list's filters."""

    text = forms.CharField(label=_("Name or project code"), required=False, max_length=100)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All")), *Stage.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Kind.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    on = forms.DateField(label=_("As of"), required=False, widget=DATE)


class ProjectForm(BootstrapMixin, forms.Form):
    """A proposed project (申报) with its budget by fund source."""

    name = forms.CharField(label=_("Project name"), max_length=100)
    code = forms.CharField(label=_("Project code"), max_length=40, required=False)
    region = forms.ChoiceField(label=_("Region served"))
    site = forms.ChoiceField(label=_("Site (village)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    unit = forms.CharField(label=_("Responsible unit"), max_length=100, required=False)
    goal = forms.CharField(label=_("Performance goal"), max_length=300, required=False)
    on = forms.DateField(label=_("Proposed on"), widget=DATE)

    def __init__(
        self, *args: Any, regions: list[tuple[str, str]], villages: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        for source, label in Source.choices:
            self.fields[f"budget_{source}"] = _money(
                _("Budget: %(source)s (yuan)") % {"source": label}, required=False
            )
        self.fields["region"].choices = regions  # type: ignore[attr-defined]  # a ChoiceField's choices
        self.fields["site"].choices = villages  # type: ignore[attr-defined]

    def budgets(self) -> dict[str, Decimal]:
        """The budget by source entered (blank: none)."""
        return {
            s: self.cleaned_data[f"budget_{s}"]
            for s in Source.values
            if self.cleaned_data.get(f"budget_{s}") is not None
        }


class StageForm(BootstrapMixin, forms.Form):
    """A stage change."""

    to = forms.ChoiceField(label=_("New stage"))
    on = forms.DateField(label=_("On"), widget=DATE)
    note = forms.CharField(
        label=_("Note (the reason for a rejection or withdrawal)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = stages  # type: ignore[attr-defined]


class DisbursementForm(BootstrapMixin, forms.Form):
    """Money paid out on a project."""

    source = forms.ChoiceField(label=_("Fund source"))
    amount = _money(_("Amount (yuan)"))
    on = forms.DateField(label=_("Paid out on"), widget=DATE)
    reference = forms.CharField(label=_("Voucher number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = sources  # type: ignore[attr-defined]


class BeneficiaryForm(BootstrapMixin, forms.Form):
    """A household that benefits from the project."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    benefit = forms.ChoiceField(label=_("How it benefits"), choices=Benefit.choices)
    amount_per_year = _money(_("Amount per year (yuan)"), required=False)
    since = forms.DateField(label=_("Since"), widget=DATE)


class PayoutForm(BootstrapMixin, forms.Form):
    """Pay the beneficiaries a year's money."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    on = forms.DateField(label=_("Paid out on"), widget=DATE)


class AssetForm(BootstrapMixin, forms.Form):
    """An asset the project created."""

    name = forms.CharField(label=_("Asset name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of asset"), choices=AssetKind.choices)
    value = _money(_("Value (yuan)"))
    owner = forms.CharField(label=_("Owner"), max_length=100)
    manager = forms.CharField(label=_("Manager"), max_length=100)
    since = forms.DateField(label=_("Handed over on"), widget=DATE)
