"""Forms of the insurance pages: they parse and present; ``insurance.services`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.insurance.models import ClaimStatus, Trigger
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


def _money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class PolicyForm(BootstrapMixin, forms.Form):
    """A policy as the contract with the insurer says: period, premium, covered group, payout rules."""

    name = forms.CharField(label=_("Name"), max_length=100)
    number = forms.CharField(label=_("Policy number"), max_length=40)
    insurer = forms.CharField(label=_("Insurer"), max_length=100)
    start = forms.DateField(label=_("Covers from"), widget=DATE)
    end = forms.DateField(label=_("Covers until"), widget=DATE)
    premium_total = _money(_("Premium, total (yuan)"), required=False)
    premium_per_household = _money(_("Premium per household (yuan)"), required=False)
    covers_lifted = forms.BooleanField(label=_("Covers lifted-out households"), required=False)
    covers_monitored = forms.BooleanField(label=_("Covers monitored households"), required=False)
    income_below = _money(_("Per-capita net income below (yuan)"), required=False)
    source = forms.CharField(label=_("Policy source"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["income_below"].help_text = _("Blank: no income limit.")
        for value, label in Trigger.choices:
            self.fields[f"{value}_threshold"] = _money(
                _("%(trigger)s: threshold (yuan)") % {"trigger": label}, required=False
            )
            self.fields[f"{value}_share"] = forms.DecimalField(
                label=_("%(trigger)s: share paid above it (%%)") % {"trigger": label},
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                required=False,
            )
            self.fields[f"{value}_cap"] = _money(
                _("%(trigger)s: cap (yuan)") % {"trigger": label}, required=False
            )
        for name, field in self.fields.items():  # the mixin classed the fields declared above
            if name.startswith(tuple(Trigger.values)):
                field.widget.attrs.setdefault("class", "form-control")


class ClaimForm(BootstrapMixin, forms.Form):
    """A claim of a covered household."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=Trigger.choices)
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    spending = _money(_("Spending or loss (yuan)"))
    claimed = _money(_("Amount claimed (yuan)"), required=False)
    reference = forms.CharField(label=_("Insurer's claim number"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claimed"].help_text = _("Blank: what the policy's rule pays on the spending.")


class AssessForm(BootstrapMixin, forms.Form):
    """The assessment of a claim: approved at an amount, or refused with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))]
    )
    amount = _money(_("Assessed amount (yuan)"), required=False)
    reason = forms.CharField(label=_("Reason of a refusal"), max_length=200, required=False)
    on = forms.DateField(label=_("Assessed on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("Blank: what the policy's rule pays on the spending.")


class PayForm(BootstrapMixin, forms.Form):
    """The payout of an approved claim."""

    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    amount = _money(_("Amount paid (yuan)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("Blank: the assessed amount.")


class WithdrawForm(BootstrapMixin, forms.Form):
    """The withdrawal of a claim (its payout leaves the household's income)."""

    reason = forms.CharField(label=_("Reason of the withdrawal"), max_length=200)


class ClaimFilterForm(BootstrapMixin, forms.Form):
    """The claim list's filters."""

    number = forms.CharField(label=_("Household or claim number"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ClaimStatus.choices]
    )
    trigger = forms.ChoiceField(
        label=_("Trigger"), required=False, choices=[("", _("All")), *Trigger.choices]
    )


class AsOfForm(BootstrapMixin, forms.Form):
    """The day a policy's covered households are read as of."""

    on = forms.DateField(label=_("As of"), required=False, widget=DATE)
