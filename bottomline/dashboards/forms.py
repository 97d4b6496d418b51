"""The dashboard's inputs: which month, "as of" which day, which roster and which language."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.dashboards import exports
from bottomline.dashboards.compute import month_start
from bottomline.dashboards.indicators import BY_CODE
from bottomline.dashboards.panels import MAP_INDICATORS, label
from bottomline.widgets import BootstrapMixin, DateInput

ROSTERS = tuple((name, choice) for name, (_title, choice) in exports.ROSTERS.items())
LANGUAGES = (("zh-hans", "中文"), ("en", "English"))


class MonthField(forms.DateField):
    """A month as ``YYYY-MM`` (the browser's month input), read as its first day."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class DashboardForm(BootstrapMixin, forms.Form):
    """The month shown, or a past day the stocks stand as of."""

    month = MonthField(label=_("Month"), required=False)
    on = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DateInput(),
        help_text=_("Figures as they stood at the end of this day (computed from the records: slower)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"] = forms.ChoiceField(
            label=_("Map shaded by"),
            required=False,
            choices=[(code, label(BY_CODE[code])) for code in MAP_INDICATORS],
        )

    def clean_on(self) -> date | None:
        on: date | None = self.cleaned_data.get("on")
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError(_("A date in the future has no figures yet."))
        return on

    def clean_month(self) -> date | None:
        month: date | None = self.cleaned_data.get("month")
        if month is not None and month_start(month) > timezone.localdate():
            raise forms.ValidationError(_("A month in the future has no figures yet."))
        return month_start(month) if month else None


class ExportForm(BootstrapMixin, forms.Form):
    """A roster as of a day (today by default)."""

    roster = forms.ChoiceField(label=_("Roster"), choices=ROSTERS, initial="objects", required=False)
    on = forms.DateField(label=_("As of"), required=False, widget=DateInput())

    def clean_on(self) -> date:
        on: date | None = self.cleaned_data.get("on")
        today = timezone.localdate()
        if on is not None and on > today:
            raise forms.ValidationError(_("A date in the future has no figures yet."))
        return on or today

    def clean_roster(self) -> str:
        return str(self.cleaned_data.get("roster") or "objects")


class BriefingForm(BootstrapMixin, forms.Form):
    """The month a briefing covers and the language it is written in."""

    month = MonthField(label=_("Month"), required=False)
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="zh-hans", required=False)

    def clean_month(self) -> date:
        month: date | None = self.cleaned_data.get("month")
        today = timezone.localdate()
        if month is not None and month_start(month) > today:
            raise forms.ValidationError(_("A month in the future has no figures yet."))
        return month_start(month or today)

    def clean_lang(self) -> str:
        return str(self.cleaned_data.get("lang") or "zh-hans")
