"""The form that starts a screening run: parses input; the job does the work."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.widgets import BootstrapMixin, DateInput

ENGINES = [("duckdb", _("DuckDB (this machine)")), ("spark", _("PySpark (cluster)"))]


class RunForm(BootstrapMixin, forms.Form):
    """Screen the officer's region as of a date."""

    on = forms.DateField(label=_("As of"), widget=DateInput(), initial=timezone.localdate)
    engine = forms.ChoiceField(label=_("Engine"), choices=ENGINES, initial="duckdb")
    incremental = forms.BooleanField(label=_("Only households changed since the last run"), required=False)
