"""/api/v1/docs: Swagger UI from the project's own static files, working under the site's CSP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from bottomline.web.tests.browser import open_tab


def test_the_docs_page_loads_nothing_from_another_origin() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/static/"), source
        assert finders.find(source.removeprefix("/static/")), f"{source} is not among the static files"
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the CSP allows only nonced or same-origin scripts


@pytest.mark.browser
@pytest.mark.django_db
def test_swagger_ui_shows_the_operations_under_the_csp(browser: Any, live_server: Any) -> None:
    tab = open_tab(browser)
    tab.page.goto(f"{live_server.url}/api/v1/docs")
    tab.page.wait_for_selector(".opblock", timeout=15_000)
    assert tab.page.locator(".opblock").count() > 10
    assert not [e for e in tab.errors if "Content Security Policy" in e or "Refused" in e], tab.errors


def test_the_schema_is_built_once_per_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building it walks every operation (seconds on a busy machine): a second request, in either language,
    serves the document built before."""
    from ninja.openapi.schema import get_schema as real

    from bottomline.api import api

    built: list[str] = []

    def counted(**kwargs: Any) -> Any:
        built.append(kwargs["path_prefix"])
        return real(**kwargs)

    monkeypatch.setattr("ninja.main.get_schema", counted)
    monkeypatch.setattr(api, "_schemas", {})
    for language in ("en", "zh-hans", "en", "zh-hans"):
        answer = Client().get("/api/v1/openapi.json", headers={"accept-language": language})
        assert answer.status_code == 200 and answer.json()["info"]["title"] == "Bottomline API"
    assert built == ["/api/v1/", "/api/v1/"]
