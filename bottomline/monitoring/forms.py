"""Forms of the case pages: a step with the fields its transition needs, objections, measures, follow-ups,
bulk steps and the "as of" filter. They parse input only; the services in casework.py and assistance.py decide.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from bottomline.accounts.models import User
from bottomline.monitoring.attachments import ATTACHMENT_LIMIT, SIGNATURES
from bottomline.monitoring.casework import CONSENT_KINDS
from bottomline.monitoring.models import Category, MeasureKind, MeasureStatus
from bottomline.monitoring.services import REPORT_CHANNELS
from bottomline.monitoring.workflow import Transition
from bottomline.registry.choices import RiskType
from bottomline.widgets import CheckList, DateInput, RadioList

SUFFIXES = {".pdf": ".pdf", ".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png"}
DATE = DateInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})
SELECT = forms.Select(attrs={"class": "form-select"})
NUMBER = forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"})
# Consent scans and evidence: a phone offers its camera (capture), and site.js downsizes a photo before upload.
FILE = forms.ClearableFileInput(
    attrs={
        "class": "form-control",
        "accept": "image/*,.pdf",
        "capture": "environment",
        "data-compress": "1600",
    }
)


def checked_attachment(upload: File[Any] | None) -> File[Any] | None:
    """An uploaded scan or photo: PDF, JPEG or PNG, at most 10 MB (checked by name, size and content)."""
    if not upload:
        return None
    suffix = SUFFIXES.get(Path(upload.name or "").suffix.lower())
    if suffix is None:
        raise forms.ValidationError(_("Attach a PDF, JPEG or PNG file."))
    if upload.size is not None and upload.size > ATTACHMENT_LIMIT:
        raise forms.ValidationError(_("The file is larger than 10 MB."))
    # The first bytes decide: the name and the browser's content type can both lie.
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) and suffix == kind for sig, kind in SIGNATURES):
        raise forms.ValidationError(_("The file is not the PDF, JPEG or PNG its name says."))
    return upload


class StepForm(forms.Form):
    """One step of a case; ``for_transition`` keeps the fields the transition needs."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(
        label=_("Date it happened"),
        required=False,
        widget=DATE,
        help_text=_("The day of the visit or meeting; today when empty."),
    )
    consent = forms.ChoiceField(
        label=_("Signed consent (承诺授权书)"),
        choices=[
            (kind, label)
            for kind, label in (
                ("scan", _("Scan of the signed form attached")),
                ("paper", _("Signed on paper (date below)")),
            )
            if kind in CONSENT_KINDS  # the kinds casework accepts
        ],
        required=False,
        widget=RadioList,
    )
    consent_signed_on = forms.DateField(label=_("Consent signed on"), required=False, widget=DATE)
    attachment = forms.FileField(
        label=_("Attachment (PDF, JPEG or PNG, at most 10 MB)"), required=False, widget=FILE
    )
    minutes = forms.CharField(
        label=_("Minutes of the village appraisal (评议记录)"), required=False, widget=AREA
    )
    category = forms.TypedChoiceField(
        label=_("Category of monitoring object"),
        choices=[("", "—"), *Category.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=SELECT,
    )
    risk_types = forms.MultipleChoiceField(
        label=_("Risk types"),
        choices=RiskType.choices,
        required=False,
        widget=CheckList,
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=AREA)

    # The fields each need brings (every step may be dated; "notice_over" and "ready" are checked, not typed).
    NEED_FIELDS = {
        "consent": ("consent", "consent_signed_on", "attachment"),
        "minutes": ("minutes",),
        "category": ("category", "risk_types"),
        "reason": ("reason",),
    }

    @classmethod
    def for_transition(cls, transition: Transition, *args: Any, **kwargs: Any) -> StepForm:
        """The form of one transition: its needs' fields, the date and the version."""
        form = cls(*args, **kwargs)
        keep = {"version", "on"}
        for need in transition.needs:
            keep.update(cls.NEED_FIELDS.get(need, ()))
        for name in list(form.fields):
            if name not in keep:
                del form.fields[name]
        if "reason" in keep:
            form.fields["reason"].required = True
        if "consent" in keep:
            form.fields["consent"].required = True
        return form

    def clean_attachment(self) -> File[Any] | None:
        return checked_attachment(self.cleaned_data.get("attachment"))


class ObjectionForm(forms.Form):
    """An objection received during the public notice."""

    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    text = forms.CharField(label=_("Objection"), widget=AREA)


class ResolveForm(forms.Form):
    """How an objection was checked and whether it was upheld."""

    resolution = forms.CharField(label=_("Resolution"), widget=AREA)
    upheld = forms.TypedChoiceField(
        label=_("Upheld"),
        choices=[("no", _("No: the proposal stands")), ("yes", _("Yes: the objection is upheld"))],
        coerce=lambda value: value == "yes",
        widget=SELECT,
    )


class MeasureForm(forms.Form):
    """A new measure of the assistance plan; the kinds come in the order they are suggested."""

    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices, widget=SELECT)
    responsible = forms.TypedChoiceField(label=_("Responsible cadre (帮扶责任人)"), coerce=int, widget=SELECT)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal(0), decimal_places=2, initial=0, widget=NUMBER
    )
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices, widget=SELECT)
    note = forms.CharField(label=_("Note"), required=False, widget=AREA)
    evidence = forms.FileField(
        label=_("Evidence (PDF, JPEG or PNG, at most 10 MB)"), required=False, widget=FILE
    )

    def __init__(self, *args: Any, kinds: list[MeasureKind], responsible: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]  # type: ignore[attr-defined]  # ChoiceField
        self.fields["responsible"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            (u.pk, u.cadre_label()) for u in responsible
        ]

    def clean_evidence(self) -> File[Any] | None:
        return checked_attachment(self.cleaned_data.get("evidence"))


class MeasureUpdateForm(forms.Form):
    """A measure's progress: status, end, amount, note, evidence."""

    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices, widget=SELECT)
    end = forms.DateField(label=_("End"), required=False, widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal(0), decimal_places=2, required=False, widget=NUMBER
    )
    note = forms.CharField(label=_("Note"), required=False, widget=AREA)
    evidence = forms.FileField(
        label=_("Evidence (PDF, JPEG or PNG, at most 10 MB)"), required=False, widget=FILE
    )

    def clean_evidence(self) -> File[Any] | None:
        return checked_attachment(self.cleaned_data.get("evidence"))


INCOME_AMOUNTS = (
    ("wage", _("Wage income")),
    ("production", _("Production and operation income")),
    ("property_income", _("Property income")),
    ("transfer", _("Transfer income")),
    ("medical_out_of_pocket", _("Compliant out-of-pocket medical spending (合规自付)")),
    ("education_out_of_pocket", _("Out-of-pocket education spending")),
    ("other_rigid", _("Other rigid spending (刚性支出)")),
)


class FollowUpForm(forms.Form):
    """A follow-up visit, with the income of a period when it was recorded."""

    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    note = forms.CharField(label=_("Findings"), required=False, widget=AREA)
    period_start = forms.DateField(label=_("Income period from"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Income period until"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in INCOME_AMOUNTS:
            self.fields[name] = forms.DecimalField(
                label=label, min_value=Decimal(0), decimal_places=2, required=False, widget=NUMBER
            )

    def income(self) -> dict[str, Any] | None:
        """The income record to save with the visit (None: no income was given)."""
        data = self.cleaned_data
        amounts = {name: data[name] for name, _label in INCOME_AMOUNTS if data.get(name) is not None}
        if not amounts and not data.get("period_start") and not data.get("period_end"):
            return None
        return {"period_start": data["period_start"], "period_end": data["period_end"], **amounts}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = any(data.get(name) is not None for name, _label in INCOME_AMOUNTS)
        start, end = data.get("period_start"), data.get("period_end")
        if (given or start or end) and not (start and end):
            raise forms.ValidationError(_("Give the income period (from and until) with the amounts."))
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class BulkForm(forms.Form):
    """One step on the chosen cases of a queue, or on all whose notice has ended."""

    action = forms.CharField(widget=forms.HiddenInput)
    queue = forms.CharField(widget=forms.HiddenInput)
    case_ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    scope = forms.ChoiceField(choices=[("selected", "selected"), ("notice_ended", "notice_ended")])
    reason = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be posted; the job's service takes only cases of the actor's region.
        posted = self.data.getlist("case_ids") if hasattr(self.data, "getlist") else []
        self.fields["case_ids"].choices = [(v, v) for v in posted]  # type: ignore[attr-defined]  # ChoiceField


class AsOfForm(forms.Form):
    """The queues page "as of" a past day."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)


class RiskReportForm(forms.Form):
    """A risk found on a visit or reported by telephone or on paper (it raises a lead)."""

    channel = forms.ChoiceField(
        label=_("How it was found"),
        choices=[(channel.value, channel.label) for channel in REPORT_CHANNELS],
        widget=SELECT,
    )
    risk_types = forms.MultipleChoiceField(label=_("Risk types"), choices=RiskType.choices, widget=CheckList)
    note = forms.CharField(label=_("What was found or reported"), max_length=500, widget=AREA)


class CadreChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A staff member by real name and post (帮扶责任人), not by username."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.cadre_label())


class CaseFilterForm(forms.Form):
    """The filters of the case list, beside its queue: every choice is of the viewer's region."""

    region = forms.CharField(
        label=_("Region (name or code)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *Category.choices],
        widget=SELECT,
    )
    risk_type = forms.ChoiceField(
        label=_("Risk type"), required=False, choices=[("", _("All")), *RiskType.choices], widget=SELECT
    )
    responsible = CadreChoice(
        label=_("Responsible cadre (帮扶责任人)"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All"),
        widget=SELECT,
    )
    overdue = forms.BooleanField(
        label=_("Overdue only (identification or follow-up)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, responsible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible  # type: ignore[attr-defined]  # ModelChoiceField
