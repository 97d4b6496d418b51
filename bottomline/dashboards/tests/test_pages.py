"""The dashboard pages: drill-down from the province to the village within query budgets, the region gate, the
definitions page, XLSX rosters that read back equal to the figures on screen, and the PDF briefing."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from bottomline.audit.models import Event
from bottomline.dashboards.indicators import INDICATORS
from bottomline.dashboards.maps import map_build, map_key, simplify_ring
from bottomline.dashboards.models import RegionMonth
from bottomline.dashboards.selectors import region_figures
from bottomline.dashboards.services import figures_refresh
from bottomline.dashboards.tests.test_figures import population  # noqa: F401  # a fixture, used by name
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.tests.test_notice import inflated
from bottomline.monitoring.workflow import State
from bottomline.registry.models import Member

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Queries per dashboard page at any level: session and user (5, the idle timeout saves the session), the
# region and the viewer's region (2), figures, children and trend (2 + 2 + 2), the breadcrumb (1).
PAGE_BUDGET = 14


def _refresh() -> None:
    figures_refresh(months=[timezone.localdate()])


def _shown(html: str, code: str) -> str:
    found = re.search(rf'id="figure-{code}" data-value="([^"]*)"', html)
    assert found, code
    return found.group(1)


def _chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_drill_down_from_the_province_to_the_village_within_a_query_budget(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
    django_assert_max_num_queries: Any,
) -> None:
    _refresh()
    officer = personas["province_officer"]
    client.force_login(officer)
    start = client.get(reverse("dashboards:home"))
    assert start.status_code == 302 and start["Location"] == reverse(
        "dashboards:region", args=[tree.province.code]
    )
    path = (tree.province, tree.prefecture, tree.county, tree.township, tree.village)
    for depth, region in enumerate(path):
        with django_assert_max_num_queries(PAGE_BUDGET):
            page = client.get(reverse("dashboards:region", args=[region.code]))
        assert page.status_code == 200, region.code
        html = page.content.decode()
        figures = region_figures(viewer=officer, region_code=region.code)
        for code in ("objects_households", "elimination_rate_households", "leads_open", "measure_coverage"):
            value = figures.values[code]
            assert _shown(html, code) == ("" if value is None else str(value)), (region.code, code)
        for up in path[:depth]:  # the breadcrumb leads back up
            assert reverse("dashboards:region", args=[up.code]) in html
        if depth < len(path) - 1:  # the next level down is in the child table
            assert f'id="child-{path[depth + 1].code}"' in html
        data = _chart_data(html)
        assert len(data["trend"]["months"]) == 24
        assert {c["id"] for c in data["charts"]} >= {"chart-risk_type", "chart-income", "chart-measure_kind"}
        for code in ("objects_households", "leads_overdue"):  # every figure links to its definition
            assert f"{reverse('dashboards:indicators')}#{code}" in html
    village = region_figures(viewer=officer, region_code=tree.village.code).values
    assert village["objects_households"] == 2 and village["elimination_rate_households"] == 50.0


def test_a_month_and_an_as_of_day_are_shown(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 9, 10, 10, tzinfo=SHANGHAI), tick=False):
        case = open_case(personas, tree.village, ago=timedelta(0))
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=SHANGHAI), tick=False):
        walk(case, personas, State.MONITORED)
    figures_refresh(months=[date(2026, 9, 1), date(2026, 10, 1), timezone.localdate()])
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:region", args=[tree.county.code])
    september = client.get(url, {"month": "2026-09"}).content.decode()
    assert _shown(september, "leads_open") == "1" and _shown(september, "objects_households") == "0"
    mid_october = client.get(url, {"on": "2026-10-10"}).content.decode()
    assert _shown(mid_october, "objects_households") == "0" and 'id="figures-live"' in mid_october
    late = client.get(url, {"on": "2026-10-20"}).content.decode()
    assert _shown(late, "objects_households") == "1" and _shown(late, "identified_month_households") == "1"
    future = client.get(url, {"on": "2099-01-01"})
    assert future.status_code == 200 and 'role="alert"' in future.content.decode()


def test_the_region_gate_holds_on_every_dashboard_page(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    _refresh()
    client.force_login(personas["village_cadre"])
    assert client.get(reverse("dashboards:region", args=[tree.village.code])).status_code == 200
    for code in (tree.county.code, tree.township.code, tree.sibling_village.code, "999999999999"):
        for name in ("dashboards:region", "dashboards:export", "dashboards:briefing"):
            assert client.get(reverse(name, args=[code])).status_code == 404, (name, code)
    client.force_login(personas["department_officer"])  # reads no figures at all
    assert client.get(reverse("dashboards:region", args=[tree.county.code])).status_code == 403
    assert client.get(reverse("dashboards:home")).status_code == 403


def test_the_definitions_page_lists_every_indicator_in_the_users_language(
    client: Client, personas: dict[str, Any]
) -> None:
    """Each indicator by its name in the user's language only (issue 15 item 5: no Chinese in English)."""
    client.force_login(personas["county_officer"])
    chinese = client.get(reverse("dashboards:indicators"), headers={"accept-language": "zh-hans"})
    english = client.get(reverse("dashboards:indicators"), headers={"accept-language": "en"})
    html, en_html = chinese.content.decode(), english.content.decode()
    for indicator in INDICATORS:
        assert f'id="{indicator.code}"' in html and indicator.zh in html
        assert f'id="{indicator.code}"' in en_html and indicator.zh not in en_html
    assert "风险消除率（户）" in html and "Elimination rate (households)" not in html
    assert "Elimination rate (households)" in en_html


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_rosters_read_back_equal_the_figures_on_screen(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
) -> None:
    head = Member.objects.filter(household=population["kept"].household).first()
    assert head is not None
    Member.objects.filter(pk=head.pk).update(name="=HYPERLINK(1)")  # a formula must come out as text
    _refresh()
    officer = personas["county_officer"]
    client.force_login(officer)
    html = client.get(reverse("dashboards:region", args=[tree.county.code])).content.decode()
    screen = {code: _shown(html, code) for code in ("objects_households", "objects_people", "eliminated_households",
                                                    "leads_overdue", "monitored_households")}  # fmt: skip
    counts = {}
    for roster in ("objects", "eliminated", "overdue", "assistance"):
        answer = client.get(reverse("dashboards:export", args=[tree.county.code]), {"roster": roster})
        assert answer.status_code == 200, roster
        assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
        sheets = _sheets(answer.content)
        rows, figures = list(sheets.values())
        counts[roster] = rows[1:]
        shown = {row[0]: row[2] for row in figures[5:]}
        assert str(int(shown["objects_households"])) == screen["objects_households"]
        assert str(int(shown["leads_overdue"])) == screen["leads_overdue"]
        text = json.dumps(rows, ensure_ascii=False)
        assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")  # neutralised
        assert not re.search(r"\d{17}[\dX]", text)  # no whole ID number, masked only
    assert len(counts["objects"]) == int(screen["objects_households"]) == 2
    assert sum(int(row[5]) for row in counts["objects"]) == int(screen["objects_people"])
    assert len(counts["eliminated"]) == int(screen["eliminated_households"]) == 1
    assert len(counts["overdue"]) == int(screen["leads_overdue"])
    county = region_figures(viewer=officer, region_code=tree.county.code)
    measures = sum(v or 0 for k, v in county.values.items() if k.startswith("measures_"))
    assert len(counts["assistance"]) == measures
    assert any(row[3] == "'=HYPERLINK(1)" for row in counts["objects"])
    exported = Event.objects.filter(kind="export", target__startswith="dashboards.roster:")
    assert exported.count() == 4
    assert (
        client.get(reverse("dashboards:export", args=[tree.county.code]), {"roster": "x"}).status_code == 400
    )


def test_an_overdue_roster_as_of_a_past_day(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        open_case(personas, tree.village, ago=timedelta(0))
    figures_refresh(months=[date(2026, 9, 1), date(2026, 10, 1), timezone.localdate()])
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:export", args=[tree.county.code])
    for day, expected in (("2026-09-10", 0), ("2026-09-30", 1)):
        sheets = _sheets(client.get(url, {"roster": "overdue", "on": day}).content)
        rows, figures = list(sheets.values())
        shown = {row[0]: row[2] for row in figures[5:]}
        assert len(rows) - 1 == int(shown["leads_overdue"]) == expected, day


def test_the_briefing_is_a_pdf_with_a_chinese_font_in_either_language(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
) -> None:
    _refresh()
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:briefing", args=[tree.county.code])
    for lang in ("zh-hans", "en"):
        answer = client.get(url, {"lang": lang, "month": timezone.localdate().strftime("%Y-%m")})
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")
        inside = inflated(answer.content)
        assert b"NotoSansCJK" in inside or b"NotoSerifCJK" in inside
    assert Event.objects.filter(kind="export", target="dashboards.briefing").count() == 2
    assert client.get(url, {"lang": "fr"}).status_code == 400


def test_the_same_briefing_is_drawn_once_and_again_when_its_figures_change(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weasyprint  # type: ignore[import-untyped]  # no type hints

    drawn: list[str] = []
    real = weasyprint.HTML.write_pdf

    def counted(self: Any, *args: Any, **kwargs: Any) -> bytes:
        drawn.append("pdf")
        return bytes(real(self, *args, **kwargs))

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counted)
    cache.clear()  # an earlier test's briefing of the same figures
    _refresh()
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:briefing", args=[tree.county.code])
    month = {"lang": "zh-hans", "month": timezone.localdate().strftime("%Y-%m")}
    first, again = client.get(url, month), client.get(url, month)
    assert first.content == again.content and len(drawn) == 1
    assert Event.objects.filter(kind="export", target="dashboards.briefing").count() == 2  # each one audited
    client.get(url, {**month, "lang": "en"})
    RegionMonth.objects.update(objects_hh=F("objects_hh") + 1)  # the figures move
    changed = client.get(url, month)
    assert len(drawn) == 3 and changed.content != first.content


def test_the_briefing_charts_are_svg_drawn_on_the_server() -> None:
    from bottomline.dashboards.briefing import svg_bars, svg_lines

    bars = svg_bars([("因病 <script>", 3), ("因残", 0)])
    assert bars.startswith("<svg") and "&lt;script&gt;" in bars and "<script>" not in bars
    lines = svg_lines(["2026-10", "2026-11"], [{"name": "监测对象", "values": [1, 2]}])
    assert "<polyline" in lines


def _square(x: float, y: float, size: float) -> list[list[float]]:
    ring = [[x + size * i / 50, y] for i in range(50)]  # a long straight edge that simplifies to two points
    return [*ring, [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def test_the_map_is_built_simplified_and_keyed_by_code(
    client: Client, tree: Any, personas: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    assert (map_key("630000"), map_key("630100"), map_key("630106")) == ("63", "6301", "630106")
    simple = simplify_ring(_square(0, 0, 1), 0.01)
    assert simple is not None and len(simple) == 5
    source = tmp_path / "land"
    source.mkdir()
    for code, x in (("630000", 0.0), ("630100", 0.0), ("630106", 0.0), ("100000", 0.0)):
        geometry = {"type": "MultiPolygon", "coordinates": [[_square(x, 0, 1)]]}
        (source / f"{code}.geojson").write_text(json.dumps(geometry))
    target = tmp_path / "regions.geojson"
    assert map_build(source=source, target=target) == {"province": 1, "prefecture": 1, "county": 1}
    settings.MAP_GEOJSON = str(target)
    _refresh()
    client.force_login(personas["province_officer"])
    # The prefecture's children: 湟中区 has a shape, 大通 has none and is left off the map, which still renders.
    page = client.get(reverse("dashboards:region", args=[tree.prefecture.code])).content.decode()
    geo = _chart_data(page)["map"]["geo"]
    assert [f["properties"]["code"] for f in geo["features"]] == ["630106"]
    assert 'id="chart-map"' in page
    # Without a map file there is no map, and no pretending.
    settings.MAP_GEOJSON = str(tmp_path / "missing.geojson")
    page = client.get(reverse("dashboards:region", args=[tree.prefecture.code])).content.decode()
    assert 'id="chart-map"' not in page and _chart_data(page)["map"]["geo"] is None
