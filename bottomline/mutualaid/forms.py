"""Forms of the mutual-aid pages: they parse and present; ``mutualaid.services`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.mutualaid.models import TERM_LIMIT_MONTHS, Purpose, Source, Status
from bottomline.widgets import BootstrapMixin, DateInput

__all__ = [
    "AssociationFilterForm",
    "AssociationForm",
    "ContributionForm",
    "JoinForm",
    "LeaveForm",
    "LoanForm",
    "RepaymentForm",
]

DATE = DateInput()


def _money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=11,
        decimal_places=2,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


def _rate(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(24),
        max_digits=5,
        decimal_places=2,
        required=required,
    )


class AssociationFilterForm(BootstrapMixin, forms.Form):
    """The association list's filters and its day."""

    name = forms.CharField(label=_("Association or village"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Status.choices])
    on = forms.DateField(label=_("As of"), required=False, widget=DATE)


class AssociationForm(BootstrapMixin, forms.Form):
    """A village's association; the village is one of the user's villages without one."""

    village = forms.ChoiceField(label=_("Village"))
    name = forms.CharField(label=_("Name"), max_length=100)
    founded_on = forms.DateField(label=_("Founded on"), widget=DATE)
    loan_limit = _money(_("Loan ceiling (yuan)"))
    fee_rate = _rate(_("Default use-fee rate (% a year)"))

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]


class ContributionForm(BootstrapMixin, forms.Form):
    """Capital put into the fund."""

    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    amount = _money(_("Amount (yuan)"))
    on = forms.DateField(label=_("Received on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class JoinForm(BootstrapMixin, forms.Form):
    """A household of the village joins with its share."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    share = _money(_("Share (yuan)"))
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE)


class LeaveForm(BootstrapMixin, forms.Form):
    """A member leaves; its share is refunded."""

    left_on = forms.DateField(label=_("Left on"), widget=DATE)


class LoanForm(BootstrapMixin, forms.Form):
    """A loan to a member household."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    loan_number = forms.CharField(label=_("Loan number"), max_length=40)
    amount = _money(_("Amount (yuan)"))
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=TERM_LIMIT_MONTHS)
    fee_rate = _rate(_("Use-fee rate (% a year)"), required=False)
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=Purpose.choices,
        help_text=_("Production only: not consumption, housing or weddings."),
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fee_rate"].help_text = _("Blank: the fund's default rate.")


class RepaymentForm(BootstrapMixin, forms.Form):
    """A repayment of principal and use fee."""

    on = forms.DateField(label=_("Paid on"), widget=DATE)
    principal = _money(_("Principal (yuan)"))
    fee = _money(_("Use fee (yuan)"))
    reference = forms.CharField(label=_("Receipt number"), max_length=40, required=False)
