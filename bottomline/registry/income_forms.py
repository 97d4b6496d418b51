"""Forms of the income collection: they parse and present; ``registry.incomes`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.registry.incomes import INCOME_TYPES, RIGID_SPENDING, year_bounds
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


class IncomeAmountsForm(BootstrapMixin, forms.Form):
    """The amounts of a period: the four income types (production as gross and productive spending) and the
    rigid spending, in yuan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in INCOME_TYPES + RIGID_SPENDING:
            self.fields[name] = forms.DecimalField(
                label=label,
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=2,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "form-control"}),
            )

    def amounts(self) -> dict[str, Decimal | None]:
        return {name: self.cleaned_data.get(name) for name, _label in INCOME_TYPES + RIGID_SPENDING}


class IncomeForm(IncomeAmountsForm):
    """A new period's income: the collection year by default, or any period (a short one is annualised)."""

    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period until"), widget=DATE)
    field_order = ["period_start", "period_end"]

    def __init__(
        self, *args: Any, year: int | None = None, programs: dict[str, Decimal] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        first, last = year_bounds(year or timezone.localdate().year)
        self.fields["period_start"].initial = first
        self.fields["period_end"].initial = last
        # The year's program money starts the amounts: the record saved is the total with it in (docs/programs.md).
        for name, amount in (programs or {}).items():
            self.fields[name].initial = amount
            self.fields[name].help_text = _("Includes %(amount)s yuan paid by programs.") % {"amount": amount}
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class CollectionForm(forms.Form):
    """The village and year of a collection view."""

    village = forms.CharField(required=False, max_length=12)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        required=False, choices=[("", _("All")), ("done", _("Done")), ("todo", _("To do"))]
    )
