"""Dashboard pages: thin adapters over the dashboards' selectors, exports and briefing.

Every page reads figures through dashboards.selectors, which pass the region gate: a region outside the
viewer's subtree answers 404, a role that reads no figures 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from bottomline.accounts import gate
from bottomline.dashboards import panels
from bottomline.dashboards.briefing import briefing_pdf
from bottomline.dashboards.drill import DRILLS, figure_households, household_rows, person_page
from bottomline.dashboards.exports import dashboard_export_start, drill_export, roster_export, roster_size
from bottomline.dashboards.forms import LANGUAGES, ROSTERS, BriefingForm, DashboardForm, ExportForm
from bottomline.dashboards.indicators import BY_CODE
from bottomline.dashboards.maps import map_features, region_key
from bottomline.dashboards.models import VillageMonth
from bottomline.dashboards.selectors import region_overview
from bottomline.jobs.services import EXPORT_INLINE_ROWS
from bottomline.monitoring.models import Case
from bottomline.pages import pdf_response
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import region_path
from bottomline.registry.baseline import baseline_figures
from bottomline.registry.models import Household

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's own region."""
    user = gate.staff_of(request)
    gate.require(user, VillageMonth, "view", request)
    return redirect("dashboards:region", code=user.region.code)


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    """A region's key figures, breakdowns, trend, child regions and map, for a month or as of a day."""
    user = gate.staff_of(request)
    form = DashboardForm(request.GET or None, initial={"month": timezone.localdate().replace(day=1)})
    data = form.cleaned_data if form.is_valid() else {}
    on: date | None = data.get("on")
    month: date | None = data.get("month")
    overview = region_overview(viewer=user, region_code=code, month=month, on=on)  # the gate: 404 outside
    here, figures, children, trend = overview.region, overview.figures, overview.children, overview.trend
    shown = figures.month
    when = _query(None if on else shown, on)
    own = _drill_links(here.code, when)
    child_level = figures.level + 1
    keys = {c.code: region_key(c.code, child_level) for c in children} if child_level <= Level.COUNTY else {}
    geo = map_features(keys=list(keys.values())) if keys else None
    indicator = data.get("indicator") or "objects_households"
    chart_data = {
        "charts": panels.charts(figures),
        # A bar or slice opens the households behind it: this address with its figure's code put in.
        "drill": {
            "url": reverse("dashboards:drill", args=[here.code, "FIGURE"]),
            "query": when,
            "codes": sorted(DRILLS),
        },
        "trend": panels.trend(trend),
        "map": {
            "geo": geo,
            "indicator": indicator,
            "names": {keys[c.code]: c.name for c in children if c.code in keys},
            "links": {
                keys[c.code]: reverse("dashboards:region", args=[c.code]) for c in children if c.code in keys
            },
            "values": {
                keys[c.code]: {code: c.values.get(code) for code in panels.MAP_INDICATORS}
                for c in children
                if c.code in keys
            },
            "labels": {code: panels.label(BY_CODE[code]) for code in panels.MAP_INDICATORS},
        },
    }
    context = {
        "form": form,
        "figures": figures,
        "region": here,
        "trail": region_path(viewer=user, region=here)[:-1],  # the breadcrumb: the viewer's region down
        "sections": [(title, [(f, own(f.code)) for f in items]) for title, items in panels.sections(figures)],
        "definitions": reverse("dashboards:indicators"),
        "charts": chart_data["charts"],
        "chart_data": chart_data,
        "has_map": geo is not None,
        "columns": [panels.figure(figures, c) for c in panels.CHILD_COLUMNS],
        "children": [
            {
                "code": c.code,
                "name": c.name,
                "cells": [(c.values.get(k), link(k)) for k in panels.CHILD_COLUMNS],
            }
            for c, link in ((c, _drill_links(c.code, when)) for c in children)
        ],
        "rosters": ROSTERS,
        "briefing_languages": LANGUAGES,
        "can_export": gate.allowed(user, Case, "export"),
        "today": timezone.localdate(),
        "month_value": shown.strftime("%Y-%m"),
    }
    return render(request, "dashboards/region.html", context)


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    """Every indicator's definition: both names, unit, formula and source (the dashboard links here)."""
    user = gate.staff_of(request)
    gate.require(user, VillageMonth, "view", request)
    return render(request, "dashboards/indicators.html", {"definitions": panels.definitions()})


@login_required
def export(request: HttpRequest, code: str) -> HttpResponse:
    """One standard roster of the region as of a day, as XLSX (masked, audited)."""
    user = gate.staff_of(request)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    roster, on = form.cleaned_data["roster"], form.cleaned_data["on"]
    if roster_size(viewer=user, region_code=code, roster=roster, on=on) > EXPORT_INLINE_ROWS:
        job = dashboard_export_start(  # too long for a request: a job writes it (issue #15 item 9)
            viewer=user,
            region_code=code,
            spec={"roster": roster, "on": on.isoformat()},
            language=get_language() or "zh-hans",
        )
        return redirect("jobs:detail", pk=job.pk)
    region_, content = roster_export(viewer=user, region_code=code, roster=roster, on=on, request=request)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{roster}-{region_.code}-{on:%Y%m%d}.xlsx"'
    return response


@login_required
def briefing(request: HttpRequest, code: str) -> HttpResponse:
    """The region's briefing (简报) for a month as a PDF, in Chinese or English (audited)."""
    user = gate.staff_of(request)
    gate.require(user, VillageMonth, "view", request)
    form = BriefingForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    month: date = form.cleaned_data["month"]
    language: str = form.cleaned_data["lang"]
    pdf = briefing_pdf(viewer=user, region_code=code, month=month, language=language, request=request)
    return pdf_response(pdf, f"briefing-{code}-{month:%Y%m}-{language}.pdf")


@login_required
def baseline(request: HttpRequest, code: str) -> HttpResponse:
    """A region's baseline figures (脱贫人口, 脱贫户人均纯收入 and its growth, relocated households and people,
    脱贫村, 重点帮扶县), counted from the archive on the day asked (today by default)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "view", request)
    here = gate.access(Region.objects.all(), user, request=request, code=code)
    form = DashboardForm(request.GET or None)
    on: date = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    households = gate.restrict(Household.objects.filter(village__code__range=here.bounds), user)
    figures = baseline_figures(households=households, region=here, on=on)
    return render(
        request, "dashboards/baseline.html", {"region": here, "figures": figures, "on": on, "form": form}
    )


DRILL_PAGE = 50  # rows per page of the households behind a figure


def _when(request: HttpRequest) -> tuple[DashboardForm, date | None, date | None]:
    form = DashboardForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, data.get("month"), data.get("on")


def _drill_links(code: str, query: str) -> Callable[[str], str | None]:
    """The link of each figure of a region to the households behind it (None for a figure without one): one
    ``reverse`` per region, not one per figure (a county's page shows some 250 figures)."""
    base = reverse("dashboards:drill", args=[code, "FIGURE"])
    suffix = f"?{query}" if query else ""
    return lambda indicator: (
        base.replace("/FIGURE/", f"/{indicator}/") + suffix if indicator in DRILLS else None
    )


def _query(month: date | None, on: date | None) -> str:
    parts = [f"month={month:%Y-%m}"] if month else []
    return "&".join(parts + ([f"on={on.isoformat()}"] if on else []))


@login_required
def drill(request: HttpRequest, code: str, indicator: str) -> HttpResponse:
    """The households (or people) behind one figure of a region, a page at a time (scoped, masked)."""
    user = gate.staff_of(request)
    _form, month, on = _when(request)
    found = figure_households(viewer=user, region_code=code, indicator=indicator, month=month, on=on)
    total = found.count()
    pages = max(1, -(-total // DRILL_PAGE))
    try:
        number = min(max(1, int(request.GET.get("page", "1"))), pages)
    except ValueError:
        number = 1
    start = (number - 1) * DRILL_PAGE
    if found.people:
        rows: list[Any] = person_page(found, start, start + DRILL_PAGE)
    else:
        rows = household_rows(found.households[start : start + DRILL_PAGE], user)
    context = {
        "drill": found,
        "region": found.region,
        "title": panels.label(found.indicator),
        "total": total,
        "rows": rows,
        "page": number,
        "pages": pages,
        "query": _query(month, on),
        "can_export": gate.allowed(user, Household, "export"),
        "inline_limit": EXPORT_INLINE_ROWS,
        "trail": region_path(viewer=user, region=found.region),
    }
    return render(request, "dashboards/drill.html", context)


@login_required
def drill_download(request: HttpRequest, code: str, indicator: str) -> HttpResponse:
    """The households behind a figure as XLSX: in the request up to EXPORT_INLINE_ROWS rows, a job above."""
    user = gate.staff_of(request)
    gate.require(user, Household, "export", request)
    _form, month, on = _when(request)
    found = figure_households(viewer=user, region_code=code, indicator=indicator, month=month, on=on)
    if found.count() > EXPORT_INLINE_ROWS:
        spec = {
            "indicator": indicator,
            "month": month.isoformat() if month else None,
            "on": on.isoformat() if on else None,
        }
        job = dashboard_export_start(
            viewer=user, region_code=code, spec=spec, language=get_language() or "zh-hans"
        )
        return redirect("jobs:detail", pk=job.pk)
    shown, content = drill_export(
        viewer=user, region_code=code, indicator=indicator, month=month, on=on, request=request
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"{indicator}-{shown.region.code}-{shown.period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
