"""What the dashboard and the briefing show, and in which order: key-figure sections, breakdown charts and the
columns of the child-region table, all named by indicator code (dashboards.indicators is the one definition).

Labels come from the indicator table in the reader's language: the Chinese term written there for Chinese, the
translatable English one otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bottomline.dashboards.indicators import BY_CODE, FLOW, INDICATORS, Indicator
from bottomline.dashboards.programs import PROGRAMS
from bottomline.dashboards.selectors import Figures

# Key figures, in sections (DESIGN.md §2: identification, elimination, monitoring, deadlines, assistance).
SECTIONS: tuple[tuple[str | Promise, tuple[str, ...]], ...] = (
    (
        _("Monitoring objects"),
        ("objects_households", "objects_people", "identified_month_households", "identified_year_households"),
    ),
    (
        _("Risk elimination"),
        (
            "eliminated_households",
            "eliminated_people",
            "elimination_rate_households",
            "elimination_rate_people",
            "eliminated_month_households",
        ),
    ),
    (
        _("Still monitored"),
        ("monitored_households", "monitored_people", "safety_net_households", "safety_net_people"),
    ),
    (_("Identification"), ("leads_open", "leads_overdue", "days_to_decision", "decided_in_time")),
    (_("Assistance and income"), ("measure_coverage", "income_households", "income_below_share")),
    (_("Discovery"), ("feed_records", "signals")),
    # One section per program (dashboards.programs), its figures in the order the program gives them, then its rates.
    *(
        (program.title, (*(f.part for f in program.figures), *(r.code for r in program.ratios)))
        for program in PROGRAMS
    ),
)

# Breakdown charts: an indicator group drawn as bars (or a pie for shares of a whole).
CHARTS: tuple[tuple[str, str | Promise, str], ...] = (
    ("category_households", _("Monitoring objects by category (households)"), "pie"),
    ("risk_type", _("Monitoring objects by risk type (households)"), "bar"),
    ("measure_kind", _("Assistance measures in effect, by kind"), "bar"),
    ("income", _("Per-capita net income against the monitoring line (households)"), "pie"),
    ("channel", _("Alerts raised this month, by channel"), "bar"),
)

# The trend: stocks as lines, the month's identifications as bars.
TREND = ("objects_households", "monitored_households", "eliminated_households", "identified_month_households")

# Columns of the child-region table (and indicators the map can be shaded by).
CHILD_COLUMNS = (
    "objects_households",
    "monitored_households",
    "elimination_rate_households",
    "safety_net_households",
    "leads_overdue",
    "measure_coverage",
    "income_below_share",
)
MAP_INDICATORS = tuple(i.code for i in INDICATORS if not i.group)

UNITS: dict[str, str | Promise] = {
    "households": _("households"),
    "people": _("people"),
    "cases": _("cases"),
    "measures": _("measures"),
    "records": _("records"),
    "signals": _("alerts"),
    "days": _("days"),
    "%": "%",
    # the programs' units (dashboards.programs)
    "yuan": _("yuan"),
    "kW": "kW",
    "kWh": "kWh",
    "posts": _("posts"),
    "stations": _("stations"),
    "person-times": _("person-times"),
    "months": _("months"),
    "entities": _("entities"),
    "workshops": _("workshops"),
    "loans": _("loans"),
    "associations": _("associations"),
    "courses": _("courses"),
    "supermarkets": _("supermarkets"),
    "villages": _("villages"),
    "points": _("points"),
    "claims": pgettext_lazy("unit", "claims"),
    "projects": pgettext_lazy("unit", "projects"),
}


def label(indicator: Indicator) -> str:
    """The indicator's name in the active language."""
    if (get_language() or "").lower().startswith("zh"):
        return indicator.zh
    return str(indicator.en)


def unit(indicator: Indicator) -> str:
    """The indicator's unit in the active language."""
    return str(UNITS.get(indicator.unit, indicator.unit))


@dataclass(frozen=True)
class Figure:
    """One figure as shown: code (for the definition link), label, value and unit."""

    code: str
    label: str
    value: float | int | None
    unit: str


def figure(figures: Figures, code: str) -> Figure:
    """A figure of a region, labelled."""
    indicator = BY_CODE[code]
    return Figure(code, label(indicator), figures.values.get(code), unit(indicator))


def sections(figures: Figures) -> list[tuple[str, list[Figure]]]:
    """The key figures in their sections."""
    return [(str(title), [figure(figures, c) for c in codes]) for title, codes in SECTIONS]


def group(figures: Figures, name: str) -> list[Figure]:
    """The figures of one breakdown (e.g. every risk type)."""
    return [figure(figures, i.code) for i in INDICATORS if i.group == name]


def charts(figures: Figures) -> list[dict[str, Any]]:
    """The breakdown charts' data: id, title, kind and (label, value) items."""
    return [
        {
            "id": f"chart-{name}",
            "title": str(title),
            "kind": kind,
            "items": [[f.label, f.value or 0, f.code] for f in group(figures, name)],
        }
        for name, title, kind in CHARTS
    ]


def trend(series: list[Figures]) -> dict[str, Any]:
    """The trend chart's data: month labels and one series per indicator."""
    return {
        "months": [f.month.strftime("%Y-%m") for f in series],
        "series": [
            {
                "code": code,
                "name": label(BY_CODE[code]),
                "kind": "bar" if BY_CODE[code].kind == FLOW else "line",
                "values": [f.values.get(code) or 0 for f in series],
            }
            for code in TREND
        ],
    }


def definitions() -> list[dict[str, Any]]:
    """Every indicator with both names, unit, formula and source (the definitions page)."""
    with override("en"):
        english = {i.code: str(i.en) for i in INDICATORS}
    return [
        {
            "code": i.code,
            "en": english[i.code],
            "zh": i.zh,
            "label": label(i),
            "unit": unit(i),
            "kind": i.kind,
            "formula": i.formula(),
            "source": i.source,
            "group": i.group,
        }
        for i in INDICATORS
    ]
