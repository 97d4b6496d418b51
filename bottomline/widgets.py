"""The widgets every form uses where Django's defaults do not fit a Chinese, Bootstrap page.

- ``BootstrapMixin``: Bootstrap's classes on every widget of a form.
- ``DateInput``: an ``<input type=date>`` whose value is always ISO (``2026-12-06``). A browser's date input
  takes only ISO values; Django's default renders the locale's first input format (``2026/12/06`` in
  zh-Hans), which the browser drops, leaving required dates blank.
- ``CheckList`` and ``RadioList``: a list of checkboxes or radio buttons whose inputs carry
  ``form-check-input`` and whose surrounding ``<div>`` carries none of the inputs' classes.

Imports nothing from the apps, so every app can use it.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class BootstrapMixin:
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field.widget, forms.RadioSelect):  # CheckList and RadioList class their options
                continue
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    """A date picker with an ISO value in every locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or ISO_DATE)


def _checked(context: dict[str, Any]) -> dict[str, Any]:
    """The list's own ``<div>`` keeps no input class (its options have theirs)."""
    own = context["widget"]["attrs"]
    context["widget"]["attrs"] = {key: value for key, value in own.items() if key != "class"}
    return context


class CheckList(forms.CheckboxSelectMultiple):
    """Several choices as checkboxes."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({**(attrs or {}), "class": "form-check-input"}, choices)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return _checked(super().get_context(name, value, attrs))


class RadioList(forms.RadioSelect):
    """One choice as radio buttons."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({**(attrs or {}), "class": "form-check-input"}, choices)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return _checked(super().get_context(name, value, attrs))
