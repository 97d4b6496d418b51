"""The upload form: a feed type the user may send, the file, and whether to commit or only check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bottomline.feeds.schemas import FeedType

UPLOAD_LIMIT = 50 * 1024 * 1024


class FeedUploadForm(forms.Form):
    """Upload one feed file."""

    feed_type = forms.ChoiceField(label=_("Feed type"))
    file = forms.FileField(label=_("File (.csv in UTF-8 or GB18030, or .xlsx)"))

    def __init__(self, *args: Any, feed_types: tuple[FeedType, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = "zh" if (get_language() or "").startswith("zh") else "en"
        self.fields["feed_type"].choices = [(t.code, t.title[lang]) for t in feed_types]  # type: ignore[attr-defined]  # ChoiceField

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size is not None and upload.size > UPLOAD_LIMIT:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
