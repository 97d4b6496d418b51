"""Forms of the points supermarket pages: they parse and present; ``points.services`` decides what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.points.models import POINTS_LIMIT, Category
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


class AsOfForm(BootstrapMixin, forms.Form):
    """A list's day and household number filter."""

    number = forms.CharField(label=_("Household number"), required=False, max_length=32)
    on = forms.DateField(label=_("As of"), required=False, widget=DATE)


class SupermarketForm(BootstrapMixin, forms.Form):
    """A new supermarket: where it stands and the villages it serves."""

    name = forms.CharField(label=_("Name"), max_length=100)
    village = forms.TypedChoiceField(label=_("Village it stands in"), coerce=int)
    villages = forms.TypedMultipleChoiceField(
        label=_("Other villages it serves"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]
        self.fields["villages"].choices = villages  # type: ignore[attr-defined]


class CoverageForm(BootstrapMixin, forms.Form):
    """The villages a supermarket serves from a day."""

    villages = forms.TypedMultipleChoiceField(
        label=_("Villages served"), coerce=int, widget=forms.SelectMultiple(attrs={"size": 10})
    )
    on = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = villages  # type: ignore[attr-defined]


class RuleForm(BootstrapMixin, forms.Form):
    """A rule: a deed's category and points (negative: a deduction)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-POINTS_LIMIT,
        max_value=POINTS_LIMIT,
        help_text=_("Positive: an addition; negative: a deduction."),
    )
    description = forms.CharField(label=_("Description"), max_length=200)
    start = forms.DateField(label=_("In force from"), widget=DATE)
    end = forms.DateField(label=_("In force until"), widget=DATE, required=False)
    county_wide = forms.BooleanField(label=_("A default for every supermarket of the county"), required=False)


class EntryForm(BootstrapMixin, forms.Form):
    """Points a household earned or lost."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    rule = forms.TypedChoiceField(label=_("Rule"), coerce=int, required=False, empty_value=None)
    points = forms.IntegerField(
        label=_("Points"),
        required=False,
        min_value=-POINTS_LIMIT,
        max_value=POINTS_LIMIT,
        help_text=_("Blank: the rule's points."),
    )
    on = forms.DateField(label=_("Day"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, rules: list[tuple[int | str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("No rule (say why in the note)")), *rules]  # type: ignore[attr-defined]


class RedemptionForm(BootstrapMixin, forms.Form):
    """Goods a household takes for its points."""

    number = forms.CharField(label=_("Household number"), max_length=32)
    goods = forms.TypedChoiceField(label=_("Goods"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    on = forms.DateField(label=_("Day"), widget=DATE)

    def __init__(self, *args: Any, goods: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goods"].choices = goods  # type: ignore[attr-defined]


class GoodsForm(BootstrapMixin, forms.Form):
    """A good the supermarket offers."""

    name = forms.CharField(label=_("Name"), max_length=100)
    unit = forms.CharField(label=_("Unit"), max_length=16)
    price = forms.IntegerField(label=_("Price (points)"), min_value=1, max_value=100000)


class ReceiptForm(BootstrapMixin, forms.Form):
    """Goods received into stock."""

    goods = forms.TypedChoiceField(label=_("Goods"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100000)
    on = forms.DateField(label=_("Day"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, goods: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goods"].choices = goods  # type: ignore[attr-defined]
