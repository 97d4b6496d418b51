"""Forms of the PV pages: they parse and present; ``pv.services`` decides what is valid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.pv.models import Assignment, Funding, PostKind, Purpose
from bottomline.regions.models import Region
from bottomline.registry.models import Member
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


class MonthInput(forms.DateInput):
    """A month picker whose value is ``2026-01``."""

    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m")


def _money(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


def _month(label: Any) -> forms.DateField:
    return forms.DateField(label=label, input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput())


class VillageChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # django-stubs: ModelChoiceField[Region]
    """A village shown by its name and code."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} {obj.code}"


class StationForm(BootstrapMixin, forms.Form):
    """A new station: where it stands, capacity, grid date, owner, grid account, and up to two more villages
    sharing its income (the village it stands in gets the rest)."""

    name = forms.CharField(label=_("station name"), max_length=100)
    village = VillageChoice(label=_("village"), queryset=Region.objects.none())
    capacity_kw = forms.DecimalField(
        label=_("capacity (kW)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    grid_date = forms.DateField(label=_("connected to the grid"), widget=DATE)
    owner = forms.CharField(label=_("owner"), max_length=100, initial=_("village collective"))
    grid_account = forms.CharField(label=_("grid company account number"), max_length=40)
    village_2 = VillageChoice(label=_("sharing village"), queryset=Region.objects.none(), required=False)
    percent_2 = forms.DecimalField(
        label=_("its share (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(99),
        decimal_places=2,
        required=False,
    )
    village_3 = VillageChoice(
        label=_("another sharing village"), queryset=Region.objects.none(), required=False
    )
    percent_3 = forms.DecimalField(
        label=_("its share (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(99),
        decimal_places=2,
        required=False,
    )

    def __init__(self, *args: Any, villages: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("village", "village_2", "village_3"):
            self.fields[name].queryset = villages  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in (2, 3):
            if bool(data.get(f"village_{n}")) != bool(data.get(f"percent_{n}")):
                self.add_error(f"percent_{n}", _("Give the sharing village and its share together."))
        return data

    def shares(self) -> list[tuple[Region, Decimal]]:
        """(village, percent) of every village sharing the income, the station's own village first."""
        data = self.cleaned_data
        others = [(data[f"village_{n}"], data[f"percent_{n}"]) for n in (2, 3) if data.get(f"village_{n}")]
        if not others:
            return []
        return [(data["village"], Decimal(100) - sum((p for _v, p in others), Decimal(0))), *others]


class MonthForm(BootstrapMixin, forms.Form):
    """A station's month: generation and income from the grid company's statement."""

    month = _month(_("month"))
    generation_kwh = _money(_("generation (kWh)"))
    income = _money(_("income (yuan)"))


class AllocationForm(BootstrapMixin, forms.Form):
    """One allocation of a village's PV income of a year."""

    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.choices)
    amount = _money(_("amount (yuan)"))
    decided_on = forms.DateField(label=_("decided on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class PostForm(BootstrapMixin, forms.Form):
    """A new public-welfare post."""

    village = VillageChoice(label=_("village"), queryset=Region.objects.none())
    kind = forms.ChoiceField(label=_("kind of post"), choices=PostKind.choices)
    funding = forms.ChoiceField(label=_("funding source"), choices=Funding.choices)
    monthly_pay = forms.DecimalField(
        label=_("monthly pay (yuan)"), min_value=Decimal(0), max_digits=8, decimal_places=2
    )
    start = forms.DateField(label=_("from"), widget=DATE, initial=timezone.localdate)
    end = forms.DateField(label=_("until"), widget=DATE, required=False)
    note = forms.CharField(label=_("duties"), max_length=200, required=False)

    def __init__(self, *args: Any, villages: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class MemberChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # django-stubs: ModelChoiceField[Member]
    """A member shown by household number, name and labour capacity."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.household.number} {obj.name} ({obj.get_labour_display()})"


class AssignForm(BootstrapMixin, forms.Form):
    """Give the post to a member of its village who can work."""

    member = MemberChoice(label=_("member"), queryset=Member.objects.none())
    start = forms.DateField(label=_("from"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class HolderChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # django-stubs: ModelChoiceField[Assignment]
    """A holder's term shown by name and dates."""

    def label_from_instance(self, obj: Any) -> str:
        until = obj.end.isoformat() if obj.end else "…"
        return f"{obj.member.name} {obj.start.isoformat()} – {until}"


class PayForm(BootstrapMixin, forms.Form):
    """A month's pay of a post's holder (the post's monthly pay unless another amount is given)."""

    assignment = HolderChoice(label=_("holder"), queryset=Assignment.objects.none())
    month = _month(_("month worked"))
    paid_on = forms.DateField(label=_("paid on"), widget=DATE, initial=timezone.localdate)
    amount = _money(_("amount (yuan)"), required=False)

    def __init__(self, *args: Any, holders: QuerySet[Assignment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = holders  # type: ignore[attr-defined]
        first = holders.first()
        if first is not None:
            self.fields["assignment"].initial = first.pk
        today = timezone.localdate()
        self.fields["month"].initial = date(today.year, today.month, 1)


class EndForm(forms.Form):
    """The last day of a holder's term."""

    end = forms.DateField(label=_("last day"), widget=DATE)
