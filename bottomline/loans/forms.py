"""Forms of the loan pages: they parse and present; ``loans.services`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.loans.models import AMOUNT_LIMIT, TERM_LIMIT_MONTHS, Purpose, Status
from bottomline.registry.models import Member
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


def _money(label: Any, *, required: bool = True, maximum: Decimal | None = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=maximum,
        max_digits=9,
        decimal_places=2,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class LoanFilterForm(BootstrapMixin, forms.Form):
    """The loan list's filters."""

    number = forms.CharField(label=_("Household or contract number"), required=False, max_length=40)
    lender = forms.CharField(label=_("Lender (bank)"), required=False, max_length=100)
    purpose = forms.ChoiceField(
        label=_("Purpose"), required=False, choices=[("", _("All")), *Purpose.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Status.choices])
    on = forms.DateField(label=_("As of"), required=False, widget=DATE)


class LoanTermsForm(BootstrapMixin, forms.Form):
    """A loan's terms as the bank's contract says, and the member who borrowed (when the household is known)."""

    borrower = forms.ModelChoiceField(
        label=_("Borrower"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("The member of the household who signed the contract."),
    )
    lender = forms.CharField(label=_("Lender (bank)"), max_length=100)
    contract = forms.CharField(label=_("Contract number"), max_length=40)
    amount = _money(_("Amount (yuan)"), maximum=AMOUNT_LIMIT)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=TERM_LIMIT_MONTHS)
    rate = forms.DecimalField(
        label=_("Annual interest rate (%)"), min_value=Decimal(0), max_digits=5, decimal_places=2
    )
    subsidy_rate = forms.DecimalField(
        label=_("Interest subsidy rate (%)"), min_value=Decimal(0), max_digits=5, decimal_places=2
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=Purpose.choices,
        help_text=_("Production only: not consumption, housing or weddings."),
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)

    def __init__(self, *args: Any, household_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["borrower"]
        if household_id is None:  # the household is named by its number: its members come once it is found
            field.help_text = _("Blank, or a member of the household once its number is entered.")
            field.widget = forms.HiddenInput()
        else:
            field.queryset = Member.objects.filter(household_id=household_id).order_by("id")  # type: ignore[attr-defined]  # ModelChoiceField


class LoanForm(LoanTermsForm):
    """A disbursed loan, as the bank's contract says: the household by its number first."""

    number = forms.CharField(label=_("Household number"), max_length=32)

    field_order = ["number", "borrower"]


class RepaymentForm(BootstrapMixin, forms.Form):
    """A repayment as the bank's statement shows it."""

    on = forms.DateField(label=_("Paid on"), widget=DATE)
    principal = _money(_("Principal (yuan)"))
    interest = _money(_("Interest (yuan)"))
    subsidy = _money(
        _("Interest subsidy (yuan)"),
        required=False,
    )
    reference = forms.CharField(label=_("Bank reference"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subsidy"].help_text = _("Blank: the interest's share of the subsidised rate.")
