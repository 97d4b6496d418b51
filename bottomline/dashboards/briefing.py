"""The monthly briefing (简报) of a region: key figures, breakdowns, the child regions and the 24-month trend, as
an A4 PDF in Chinese or English.

WeasyPrint runs no JavaScript, so the charts are drawn here as plain SVG (bars and a line), from the same
panels the dashboard shows with ECharts. Fonts are Debian's Noto CJK.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.dashboards import panels
from bottomline.dashboards.selectors import (
    Figures,
    region_children_figures,
    region_figures,
    region_trend,
)

TEMPLATE = "dashboards/briefing_document.html"
# A briefing's PDF is kept under a digest of its HTML (its figures, language and day of making): the officers of a
# region who open the same month's briefing wait for WeasyPrint once (0.5–1 s), not each time.
CACHE_SECONDS = 6 * 3600
BAR, FONT = "#0d6efd", "Noto Sans CJK SC, sans-serif"


def _number(value: float | int) -> str:
    return f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


def svg_bars(items: list[tuple[str, float | int]], width: int = 480) -> SafeString:
    """Horizontal bars with their labels and values (the labels escaped)."""
    row, label_w, value_w = 18, 170, 60
    height = row * max(len(items), 1) + 4
    top = max((v for _l, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10">'
    ]
    span = width - label_w - value_w
    for i, (name, value) in enumerate(items):
        y = i * row + 2
        bar = max(span * (value / top), 0.5 if value else 0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar:.1f}" height="{row - 5}" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + 12}">{_number(value)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # built here; every label passed through escape()


PALETTE = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1")


def svg_lines(
    months: list[str], series: list[dict[str, Any]], width: int = 640, height: int = 220
) -> SafeString:
    """The trend: one polyline per series over the months, with a legend and a few month labels."""
    left, right, top_pad, bottom = 44, 10, 10, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((max(s["values"], default=0) for s in series), default=0) or 1
    n = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="9">',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="#888"/>',
        f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end">{_number(top)}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
    ]
    step = max(len(months) // 6, 1)
    for i in range(0, len(months), step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top_pad + plot_h + 12}" text-anchor="middle">{escape(months[i])}</text>'
        )
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s["values"]))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        lx = left + (k % 2) * (plot_w / 2)
        ly = height - 20 + (k // 2) * 11
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 7}" width="10" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14:.1f}" y="{ly - 3}">{escape(s["name"])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # built here; every label passed through escape()


@dataclass(frozen=True)
class Briefing:
    """What a briefing shows: the region's figures, its children's and its trend."""

    figures: Figures
    children: list[Figures]
    trend: list[Figures]
    language: str
    made_on: date


def briefing_for(*, viewer: User, region_code: str, month: date, language: str) -> Briefing:
    """The figures a region's briefing for a month shows (region-gated through the selectors)."""
    return Briefing(
        figures=region_figures(viewer=viewer, region_code=region_code, month=month),
        children=region_children_figures(viewer=viewer, region_code=region_code, month=month),
        trend=region_trend(viewer=viewer, region_code=region_code, month=month),
        language=language,
        made_on=timezone.localdate(),
    )


def briefing_context(briefing: Briefing) -> dict[str, Any]:
    """The template context, labels in the briefing's language (call under translation.override)."""
    figures = briefing.figures
    trend = panels.trend(briefing.trend)
    stocks = [s for s in trend["series"] if s["kind"] == "line"]
    return {
        "briefing": briefing,
        "figures": figures,
        "sections": panels.sections(figures),
        "charts": [
            {"title": c["title"], "svg": svg_bars([(str(n), v) for n, v, _code in c["items"]])}
            for c in panels.charts(figures)
        ],
        "trend_svg": svg_lines(trend["months"], stocks),
        "columns": [panels.figure(figures, code) for code in panels.CHILD_COLUMNS],
        "children": [
            {
                "name": child.name,
                "code": child.code,
                "values": [child.values.get(c) for c in panels.CHILD_COLUMNS],
            }
            for child in briefing.children
        ],
    }


def briefing_pdf(
    *, viewer: User, region_code: str, month: date, language: str, request: HttpRequest | None = None
) -> bytes:
    """A region's briefing for a month as an A4 PDF in ``language`` (zh-hans or en); the export is audited."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # no type hints; heavy, imported when used

    briefing = briefing_for(viewer=viewer, region_code=region_code, month=month, language=language)
    with translation.override(language):
        html = render_to_string(TEMPLATE, briefing_context(briefing))
    key = "briefing-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf: bytes | None = cache.get(key)
    if pdf is None:
        pdf = bytes(HTML(string=html).write_pdf() or b"")
        cache.set(key, pdf, CACHE_SECONDS)
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="dashboards.briefing",
        region=region_code,
        detail={"region": region_code, "month": month.isoformat(), "language": language},
    )
    return pdf
