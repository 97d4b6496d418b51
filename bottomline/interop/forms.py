"""The export form: which region, as of which day, which list, which format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.interop.exports import LISTS, WRITERS, list_label
from bottomline.regions.models import Level, Region
from bottomline.widgets import BootstrapMixin, DateInput


class NationalExportForm(BootstrapMixin, forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Region"))
    on = forms.DateField(label=_("As of"), widget=DateInput())
    kind = forms.ChoiceField(label=_("List"), choices=())
    extended = forms.BooleanField(
        label=_("Add the baseline columns (脱贫年度, 易地扶贫搬迁, 安置点)"), required=False
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", _("CSV (GB18030)"))], initial="xlsx"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (declared above)
        # The user's own region and the counties and townships below it, through the gate.
        field.queryset = gate.restrict(
            Region.objects.filter(level__lte=Level.TOWNSHIP, valid_to__isnull=True), user
        ).order_by("code")
        field.initial = user.region_id
        self.fields["on"].initial = timezone.localdate()
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # noqa: S101
        kind.choices = [(k, list_label(k)) for k in LISTS]

    def clean_on(self) -> Any:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("Choose a day that has passed, or today."))
        return on

    def clean_format(self) -> str:
        fmt = str(self.cleaned_data["format"])
        if fmt not in WRITERS:
            raise forms.ValidationError(_("Unknown format."))
        return fmt
