"""Each role sees only the navigation it can use (issue #15 item 2), and every link it sees opens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bottomline.web.context_processors import account_entries, nav_entries

COUNTY_TOOLS = ("policy:home", "engine:runs", "jobs:list", "accounts:tokens")


def _urls(entries: list[Any]) -> set[str]:
    return {entry.url for entry in entries}


@pytest.mark.django_db
def test_village_cadre_sees_no_county_tools(personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    shown = _urls(nav_entries(cadre)) | _urls(account_entries(cadre))
    for name in COUNTY_TOOLS:
        assert reverse(name) not in shown, name
    # what the cadre does use is there
    for name in ("web:home", "registry:household_list", "monitoring:case_list", "portal:declaration_list"):
        assert reverse(name) in shown, name
    assert reverse("accounts:password") in shown
    assert reverse("two_factor:profile") in shown


@pytest.mark.django_db
def test_county_officer_sees_the_county_tools(personas: dict[str, Any]) -> None:
    officer = personas["county_officer"]
    shown = _urls(nav_entries(officer)) | _urls(account_entries(officer))
    for name in COUNTY_TOOLS:
        assert reverse(name) in shown, name


@pytest.mark.django_db
def test_auditor_sees_the_trail_and_not_the_archive_tools(personas: dict[str, Any]) -> None:
    shown = _urls(nav_entries(personas["auditor"]))
    assert reverse("audit:trail") in shown
    assert reverse("registry:import") not in shown
    assert reverse("registry:income_collection") not in shown


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        "village_cadre",
        "township_officer",
        "county_officer",
        "prefecture_officer",
        "province_officer",
        "department_officer",
        "auditor",
        "sysadmin",
    ],
)
def test_every_link_shown_opens(personas: dict[str, Any], role: str) -> None:
    """A link in the navigation or the account menu opens for the role (no 403 behind a visible link)."""
    client = Client()
    client.force_login(personas[role])
    for entry in nav_entries(personas[role]) + account_entries(personas[role]):
        response = client.get(entry.url)
        assert response.status_code in (200, 302), (role, entry.url, response.status_code)


@pytest.mark.django_db
def test_the_page_draws_the_role_navigation_in_chinese(personas: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(personas["village_cadre"])
    page = client.get(reverse("web:home")).content.decode()
    nav = page[page.index('id="bl-nav"') : page.index("</nav>", page.index('id="bl-nav"'))]
    for label in ("政策参数", "规则筛查", "后台任务", "API 令牌"):
        assert label not in page, label
    assert "监测户" in nav and reverse("monitoring:case_list") in nav
    assert reverse("accounts:password") in page
    assert reverse("two_factor:profile") in page
