"""Every form's widgets render what a browser can use in both languages (issue 15 items 3 and 4):

- an ``<input type=date>`` gets an ISO value (``2026-12-06``) also in zh-Hans, where Django's default is
  ``2026/12/06``, which the browser drops (the required 基准日 of a screening was blank);
- checkboxes and radio buttons carry ``form-check-input``, never ``form-control`` (the report-risk form's
  risk types rendered as empty text boxes), and no wrapper element carries an input's class.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.utils import translation

import bottomline

ROOT = Path(bottomline.__file__).parent
DAY = datetime.date(2026, 12, 6)


def _form_classes() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for path in sorted(ROOT.glob("*/*forms.py")):
        module = importlib.import_module(f"bottomline.{path.parent.name}.{path.stem}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = value
    assert len(found) > 20  # the walk found the project's forms
    return [found[key] for key in sorted(found)]


FORMS = _form_classes()


def _instance(cls: type[forms.BaseForm]) -> forms.BaseForm | None:
    try:
        return cls()
    except TypeError:  # a form that needs arguments: its declared fields are checked
        return None


def _widgets(cls: type[forms.BaseForm]) -> list[tuple[str, forms.Field]]:
    form = _instance(cls)
    fields: dict[str, forms.Field] = form.fields if form is not None else vars(cls)["base_fields"]
    return list(fields.items())


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {key: value or "" for key, value in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_input_renders_an_iso_value(language: str) -> None:
    checked = 0
    with translation.override(language):
        for cls in FORMS:
            for name, field in _widgets(cls):
                widget: Any = field.widget
                if getattr(widget, "input_type", None) != "date":
                    continue
                html = widget.render(name, DAY)
                assert 'value="2026-12-06"' in html, f"{cls.__name__}.{name}: {html}"
                checked += 1
    assert checked >= 8


def test_a_screening_form_shows_its_default_day_in_chinese() -> None:
    from bottomline.engine.forms import RunForm

    with translation.override("zh-hans"):
        html = str(RunForm()["on"])
    value = next(attrs["value"] for tag, attrs in _elements(html) if tag == "input")
    datetime.date.fromisoformat(value)


def test_checkboxes_and_radios_are_check_inputs() -> None:
    checked = 0
    for cls in FORMS:
        form = _instance(cls)
        if form is None:
            continue
        for name, field in form.fields.items():
            widget: Any = field.widget
            if not isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                continue
            for tag, attrs in _elements(str(form[name])):
                classes = attrs.get("class", "").split()
                where = f"{cls.__name__}.{name} <{tag} {attrs}>"
                if tag == "input" and attrs.get("type") in {"checkbox", "radio"}:
                    assert "form-control" not in classes, where
                    assert "form-check-input" in classes, where
                    checked += 1
                else:
                    assert "form-check-input" not in classes, where
                    assert "form-control" not in classes, where
    assert checked >= 10


def test_the_report_risk_form_renders_its_risk_types_as_checkboxes() -> None:
    from bottomline.monitoring.forms import RiskReportForm

    boxes = [attrs for tag, attrs in _elements(str(RiskReportForm()["risk_types"])) if tag == "input"]
    assert boxes
    assert all(attrs["type"] == "checkbox" for attrs in boxes)
    assert all("form-check-input" in attrs["class"].split() for attrs in boxes)
