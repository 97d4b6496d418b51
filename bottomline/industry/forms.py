"""Forms of industries and benefit linkage: they parse and present; ``industry.services`` decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.industry.models import Entity, EntityKind, LinkageKind, Project, ProjectKind
from bottomline.industry.services import linkable_entities
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Member
from bottomline.widgets import BootstrapMixin, DateInput

DATE = DateInput()


def _villages(user: User) -> list[tuple[str, str]]:
    found = gate.restrict(Region.objects.filter(level=Level.VILLAGE), user).order_by("code")
    return [(r.code, f"{r.name} {r.code}") for r in found]


class EntityForm(BootstrapMixin, forms.Form):
    """A business entity: name, kind, where it is kept and the villages it serves."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=EntityKind.choices)
    region = forms.ChoiceField(label=_("Kept by (region)"))
    villages = forms.MultipleChoiceField(label=_("Villages served"), required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    founded = forms.DateField(label=_("Registered on"), required=False, widget=DATE)
    closed = forms.DateField(label=_("Closed on"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = gate.restrict(Region.objects.filter(level__in=(Level.COUNTY, Level.TOWNSHIP)), user)
        self.fields["region"].choices = [(r.code, r.name) for r in regions.order_by("code")]  # type: ignore[attr-defined]  # ChoiceField
        self.fields["villages"].choices = _villages(user)  # type: ignore[attr-defined]  # ChoiceField
        self.fields["villages"].widget.attrs["size"] = 8


class ProjectForm(BootstrapMixin, forms.Form):
    """An industrial project of an entity."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectKind.choices)
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), required=False, widget=DATE)
    investment = forms.DecimalField(
        label=_("Investment (yuan)"), min_value=Decimal(0), max_digits=14, decimal_places=2, initial=0
    )
    villages = forms.MultipleChoiceField(label=_("Villages"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = _villages(user)  # type: ignore[attr-defined]  # ChoiceField
        self.fields["villages"].widget.attrs["size"] = 8


class LinkageForm(BootstrapMixin, forms.Form):
    """A household's new benefit linkage."""

    entity = forms.ModelChoiceField(label=_("Business entity"), queryset=Entity.objects.none())
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Linkage kind"), choices=LinkageKind.choices)
    amount_per_year = forms.DecimalField(
        label=_("Amount per year (yuan)"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, household_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entities = linkable_entities(user).order_by("name")
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["project"].queryset = Project.objects.filter(entity__in=entities).order_by("name")  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["member"].queryset = Member.objects.filter(household_id=household_id)  # type: ignore[attr-defined]  # ModelChoiceField


class LinkageChangeForm(BootstrapMixin, forms.Form):
    """A linkage's corrected yearly amount and end (blank: still open); every year of it is posted again."""

    amount_per_year = forms.DecimalField(
        label=_("Amount per year (yuan)"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    end = forms.DateField(label=_("End"), required=False, widget=DATE)


class EndForm(BootstrapMixin, forms.Form):
    """The day a linkage ends."""

    end = forms.DateField(label=_("Ends on"), widget=DATE)


class EntityFilterForm(BootstrapMixin, forms.Form):
    """The filters of the entity list."""

    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *EntityKind.choices])
