"""The standard rosters of a region as of a day, to XLSX: monitoring objects, risk eliminated, overdue leads and
assistance measures in effect, each with a sheet of the region's key figures as of the same day.

A roster lists exactly what its figure counts (the same state "as of" the day, the same deadline, the same
"in effect" rule as dashboards.compute), so that the rows of a sheet add up to the figure on the dashboard.
ID numbers and phones are masked; every cell is text with formula characters neutralised
(registry.exports); every export is audited.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.dashboards.compute import MONITORED, OBJECTS, in_effect_q, people_count
from bottomline.dashboards.drill import Drill, figure_households, household_rows, person_rows
from bottomline.dashboards.panels import SECTIONS, figure, label
from bottomline.dashboards.selectors import Figures, region_figures
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import download_store, job_enqueue
from bottomline.monitoring.models import Case, Category, Measure
from bottomline.monitoring.notices import head_name
from bottomline.monitoring.selectors import cases_as_of
from bottomline.monitoring.workflow import IDENTIFICATION, State
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Region
from bottomline.regions.selectors import region_get
from bottomline.registry.choices import Relation, RiskType
from bottomline.registry.exports import neutralise
from bottomline.registry.models import Household, Member

# The standard rosters by name: the sheet title, and the label the dashboard's roster choice shows.
ROSTERS: dict[str, tuple[Promise, Promise]] = {
    "objects": (gettext_lazy("Monitoring objects"), gettext_lazy("Monitoring objects (监测对象)")),
    "eliminated": (gettext_lazy("Risk eliminated"), gettext_lazy("Risk eliminated (风险消除)")),
    "overdue": (gettext_lazy("Overdue leads"), gettext_lazy("Overdue leads (超期线索)")),
    "assistance": (gettext_lazy("Assistance measures"), gettext_lazy("Assistance measures (帮扶措施)")),
}


def _head_id() -> Subquery:
    heads = Member.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD).order_by("id")
    return Subquery(heads.values("id_number_masked")[:1])


def _cases(viewer: User, region: Region, on: date) -> QuerySet[Case]:
    return (
        cases_as_of(viewer=viewer, on=on)
        .filter(household__village__code__range=region.bounds)
        .annotate(head=head_name(), head_id=_head_id(), people=people_count())
        .order_by("household__village__code", "household__number", "pk")
    )


def _limits(on: date) -> Any:
    """The identification deadline of each county as of the day (read once per county)."""
    found: dict[str, int] = {}

    def limit(village_code: str) -> int:
        county = village_code[:6]
        if county not in found:
            region = Region.objects.filter(code=county.ljust(12, "0")).first()
            params = parameters_for(region=region, on=on) if region is not None else {}
            found[county] = int(params.get("identification_days", 15))
        return found[county]

    return limit


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


def _case_header() -> list[str]:
    return [
        _("household number"),
        _("village code"),
        _("village"),
        _("head of household"),
        _("ID number"),
        _("people"),
        _("category"),
        _("risk types"),
        _("state"),
        _("first lead"),
        _("identified on"),
        _("risk eliminated on"),
        _("safety net"),
    ]


def _case_rows(cases: Iterable[Case]) -> Iterator[list[str]]:
    for c in cases:
        household = c.household
        yield [
            household.number,
            household.village.code,
            household.village.name,
            getattr(c, "head", "") or "",
            getattr(c, "head_id", "") or "",
            str(getattr(c, "people", 0) or 0),
            _label(Category, c.category),
            "、".join(_label(RiskType, r) for r in c.risk_types or []),
            _label(State, getattr(c, "state_then", c.state)),
            timezone.localtime(c.opened_at).date().isoformat(),
            c.identified_on.isoformat() if c.identified_on else "",
            c.eliminated_on.isoformat() if c.eliminated_on else "",
            _("yes") if c.safety_net else "",
        ]


def roster_cases(*, viewer: User, region: Region, on: date, roster: str) -> list[Case]:
    """The cases a case roster lists as of the end of ``on`` (objects, eliminated or overdue)."""
    # state_then is an annotation (Q keeps django-stubs from checking it as a field)
    cases = _cases(viewer, region, on)
    if roster == "objects":
        return list(cases.filter(Q(state_then__in=OBJECTS)))
    if roster == "eliminated":
        return list(cases.filter(Q(state_then=State.ELIMINATED)))
    if roster == "overdue":
        limit = _limits(on)
        return [
            c
            for c in cases.filter(Q(state_then__in=IDENTIFICATION))
            # red on the deadline clock, as dashboards.compute counts leads_overdue
            if (on - timezone.localtime(c.opened_at).date()).days > limit(c.household.village.code)
        ]
    raise ValueError(f"unknown roster {roster!r}")


def roster_measures(*, viewer: User, region: Region, on: date) -> QuerySet[Measure]:
    """The assistance measures in effect at the end of ``on`` (dashboards.compute.in_effect_q)."""
    heads = Member.objects.filter(household=OuterRef("case__household_id"), relation=Relation.HEAD)
    return (
        gate.restrict(Measure.objects.all(), viewer, "export")
        .filter(in_effect_q(on), case__household__village__code__range=region.bounds)
        .select_related("case__household__village", "responsible")
        .annotate(head=Subquery(heads.order_by("id").values("name")[:1]))
        .order_by("case__household__village__code", "case__household__number", "start", "pk")
    )


def _measure_header() -> list[str]:
    return [
        _("household number"),
        _("village code"),
        _("village"),
        _("head of household"),
        _("measure"),
        _("responsible cadre"),
        _("amount (yuan)"),
        _("start"),
        _("end"),
        _("status"),
        _("monitored"),
    ]


def _measure_rows(measures: QuerySet[Measure], on: date, viewer: User) -> Iterator[list[str]]:
    monitored = set(
        cases_as_of(viewer=viewer, on=on)
        .filter(Q(state_then__in=MONITORED), pk__in=measures.values("case_id"))
        .values_list("pk", flat=True)
    )
    for m in measures.iterator(chunk_size=2000):
        household = m.case.household
        yield [
            household.number,
            household.village.code,
            household.village.name,
            getattr(m, "head", "") or "",
            m.get_kind_display(),
            m.responsible.cadre_label() if m.responsible else "",
            f"{m.amount:.2f}",
            m.start.isoformat(),
            m.end.isoformat() if m.end else "",
            m.get_status_display(),
            _("yes") if m.case_id in monitored else "",
        ]


def roster_title(roster: str) -> str:
    """A roster's sheet title in the active language."""
    return str(ROSTERS[roster][0])


def figures_rows(figures: Figures) -> list[list[Any]]:
    """The key figures as (code, label, value, unit) rows, as the dashboard shows them."""
    rows: list[list[Any]] = []
    for _title, codes in SECTIONS:
        for code in codes:
            f = figure(figures, code)
            rows.append([f.code, f.label, f.value, f.unit])
    return rows


def write_workbook(
    *, title: str, header: list[str], rows: Iterator[list[str]], figures: Figures, region: Region, on: date
) -> bytes:
    """A workbook of the roster (every cell text, formulas neutralised) and the region's key figures."""
    import xlsxwriter  # here, not at a web process's start-up (issue #17)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(title[:31])
    for c, name in enumerate(header):
        sheet.write_string(0, c, name, bold)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, neutralise(value), text)
        count = r
    sheet.freeze_panes(1, 0)
    summary = book.add_worksheet(_("Figures")[:31])
    summary.write_string(0, 0, _("region"), bold)
    summary.write_string(0, 1, neutralise(f"{region.name} {region.code}"))
    summary.write_string(1, 0, _("as of"), bold)
    summary.write_string(1, 1, on.isoformat())
    summary.write_string(2, 0, _("rows in the roster"), bold)
    summary.write_number(2, 1, count)
    for c, name in enumerate([_("code"), _("indicator"), _("value"), _("unit")]):
        summary.write_string(4, c, name, bold)
    for r, (code, title_, value, unit) in enumerate(figures_rows(figures), start=5):
        summary.write_string(r, 0, code)
        summary.write_string(r, 1, neutralise(title_))
        if value is None:
            summary.write_blank(r, 2, None)
        else:
            summary.write_number(r, 2, value)
        summary.write_string(r, 3, unit)
    book.close()
    return buffer.getvalue()


def roster_size(*, viewer: User, region_code: str, roster: str, on: date) -> int:
    """The rows a roster would have (to choose between writing it in the request and a job)."""
    if roster not in ROSTERS:
        raise ValueError(f"unknown roster {roster!r}")
    gate.require(viewer, Measure if roster == "assistance" else Case, "export")
    region = region_get(viewer=viewer, code=region_code)  # 404 outside the viewer's region
    if roster == "assistance":
        return roster_measures(viewer=viewer, region=region, on=on).count()
    return len(roster_cases(viewer=viewer, region=region, on=on, roster=roster))


def roster_export(
    *, viewer: User, region_code: str, roster: str, on: date, request: HttpRequest | None = None
) -> tuple[Region, bytes]:
    """One roster of a region as of a day, as XLSX (region-gated and audited)."""
    if roster not in ROSTERS:
        raise ValueError(f"unknown roster {roster!r}")
    model = Measure if roster == "assistance" else Case
    gate.require(viewer, model, "export", request)
    figures = region_figures(viewer=viewer, region_code=region_code, on=on)  # 404 outside the viewer's region
    region = Region.objects.get(code=region_code)
    if roster == "assistance":
        measures = roster_measures(viewer=viewer, region=region, on=on)
        header, rows = _measure_header(), _measure_rows(measures, on, viewer)
    else:
        cases = roster_cases(viewer=viewer, region=region, on=on, roster=roster)
        header, rows = _case_header(), _case_rows(cases)
    content = write_workbook(
        title=roster_title(roster), header=header, rows=rows, figures=figures, region=region, on=on
    )
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target=f"dashboards.roster:{roster}",
        region=region,
        detail={"region": region.code, "on": on.isoformat()},
    )
    return region, content


def _drill_header(people: bool) -> list[str]:
    if people:
        return [_("household number"), _("village"), _("name"), _("ID number"), _("sex"), _("age"),
                _("relation to head")]  # fmt: skip
    return [_("household number"), _("village code"), _("village"), _("head of household"), _("ID number"),
            _("people")]  # fmt: skip


def _drill_rows(drill: Drill) -> Iterator[list[str]]:
    """The list's rows, a slice of households at a time (masked: ID numbers masked, ages not birth dates)."""
    step = 2000
    for start in range(0, len(drill.households), step):
        ids = drill.households[start : start + step]
        if drill.people:
            for p in person_rows(ids, drill.viewer):
                yield [p.number, p.village, p.name, p.id_number, p.sex, str(p.age), p.relation]
        else:
            for h in household_rows(ids, drill.viewer):
                yield [h.number, h.village_code, h.village, h.head, h.head_id, str(h.people)]


def drill_export(
    *,
    viewer: User,
    region_code: str,
    indicator: str,
    month: date | None = None,
    on: date | None = None,
    request: HttpRequest | None = None,
) -> tuple[Drill, bytes]:
    """The households (or people) behind one figure, as XLSX with the region's figures (gated, audited)."""
    gate.require(viewer, Household, "export", request)
    drill = figure_households(viewer=viewer, region_code=region_code, indicator=indicator, month=month, on=on)
    figures = region_figures(viewer=viewer, region_code=region_code, month=month, on=on)
    content = write_workbook(
        title=label(drill.indicator),
        header=_drill_header(drill.people),
        rows=_drill_rows(drill),
        figures=figures,
        region=drill.region,
        on=drill.period.end,
    )
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target=f"dashboards.drill:{indicator}",
        region=drill.region,
        detail={
            "region": drill.region.code,
            "rows": len(drill.households),
            "to": drill.period.end.isoformat(),
        },
    )
    return drill, content


# Exports of the dashboard (a roster, the households behind a figure) above EXPORT_INLINE_ROWS rows run as this
# job, the one mechanism the registry's roster uses too (jobs.services.download_store, jobs:download).
EXPORT = "dashboards.export"


def dashboard_export_start(
    *, viewer: User, region_code: str, spec: dict[str, str | None], language: str
) -> Job:
    """Queue a dashboard export: ``spec`` is {"roster": name, "on": day} or {"indicator": code, "month": …,
    "on": …} (ISO days); its creator downloads the file once from the job page."""
    region = region_get(viewer=viewer, code=region_code)  # 404 outside the viewer's region
    gate.require(viewer, Measure if spec.get("roster") == "assistance" else Household, "export")
    params = {"user": viewer.pk, "region": region.code, "language": language, **spec}
    return job_enqueue(kind=EXPORT, params=params, user=viewer, region=region)


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


@job_handler(EXPORT)
def dashboard_export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and whose export), ``region``, ``language`` and either ``roster`` and
    ``on``, or ``indicator`` with ``month`` and ``on``."""
    viewer = User.objects.select_related("region").get(pk=params["user"])
    code = str(params["region"])
    progress.start(1, gettext_noop("writing the roster"))
    with translation.override(params.get("language") or "zh-hans"):
        if params.get("roster"):
            roster, on = str(params["roster"]), _day(params.get("on")) or timezone.localdate()
            _region, content = roster_export(viewer=viewer, region_code=code, roster=roster, on=on)
            rows = roster_size(viewer=viewer, region_code=code, roster=roster, on=on)
            name = f"{roster}-{code}-{on:%Y%m%d}.xlsx"
        else:
            indicator = str(params["indicator"])
            drill, content = drill_export(
                viewer=viewer,
                region_code=code,
                indicator=indicator,
                month=_day(params.get("month")),
                on=_day(params.get("on")),
            )
            rows, name = drill.count(), f"{indicator}-{code}-{drill.period.end:%Y%m%d}.xlsx"
    stored = download_store(content, ".xlsx")
    progress.advance()
    return {"rows": rows, "download": stored, "file_name": name}
