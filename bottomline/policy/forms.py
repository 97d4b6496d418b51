"""The proposal form: parses input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.policy.models import ParameterName
from bottomline.widgets import BootstrapMixin, DateInput


class ProposalForm(BootstrapMixin, forms.Form):
    """A new value for one parameter of the officer's own region."""

    name = forms.ChoiceField(label=_("Parameter"), choices=ParameterName.choices)
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=4, min_value=0)
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput())
    source = forms.CharField(label=_("Policy source"), max_length=300)
