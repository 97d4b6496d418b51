"""The pages and the API of industries and benefit linkage, the household page's lines, the export and the
dashboards' figures as of a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from bottomline.accounts.services import token_create
from bottomline.industry.figures import FIGURES
from bottomline.industry.models import Entity, Linkage, LinkageKind
from bottomline.industry.services import linkage_add
from bottomline.registry.models import Household, IncomeRecord


def _linked(home: Household, entity: Entity, officer: Any, **given: Any) -> Linkage:
    values: dict[str, Any] = {
        "kind": LinkageKind.SHARE_DIVIDEND,
        "amount_per_year": Decimal(1200),
        "start": date(2025, 1, 1),
    }
    values.update(given)
    return linkage_add(actor=officer, household_id=home.pk, entity_id=entity.pk, **values)


@pytest.mark.django_db
def test_an_officer_adds_and_ends_a_linkage_and_the_cadre_sees_it(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client
) -> None:
    client.force_login(personas["township_officer"])
    page = client.get(reverse("industry:household", args=[home.pk]))
    assert page.status_code == 200 and entity.name in page.content.decode()
    answer = client.post(
        reverse("industry:household", args=[home.pk]),
        {"entity": entity.pk, "kind": "land_rent", "amount_per_year": "2400", "start": "2025-01-01"},
    )
    assert answer.status_code == 302
    linkage = Linkage.objects.get()
    assert IncomeRecord.objects.get(household=home).property_income == Decimal("2400.00")
    client.post(reverse("industry:linkage_end", args=[linkage.pk]), {"end": "2025-06-30"})
    assert IncomeRecord.objects.get(household=home).property_income == Decimal("1200.00")
    client.force_login(personas["village_cadre"])
    seen = client.get(reverse("industry:household", args=[home.pk])).content.decode()
    assert "2400" in seen and "2025-06-30" in seen and 'name="amount_per_year"' not in seen
    assert (
        client.post(reverse("industry:linkage_end", args=[linkage.pk]), {"end": "2025-03-31"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_entity_pages_and_forms(entity: Entity, personas: dict[str, Any], client: Client, tree: Any) -> None:
    client.force_login(personas["county_officer"])
    listed = client.get(reverse("industry:entity_list"), {"q": "合作社"}).content.decode()
    assert entity.name in listed
    answer = client.post(
        reverse("industry:entity_add"),
        {
            "name": "湟中区文旅公司",
            "kind": "enterprise",
            "region": tree.county.code,
            "villages": [tree.village.code],
        },
    )
    made = Entity.objects.get(name="湟中区文旅公司")
    assert answer.status_code == 302 and list(made.villages.all()) == [tree.village]
    answer = client.post(
        reverse("industry:project_add", args=[made.pk]),
        {"name": "乡村旅游", "kind": "tourism", "start": "2024-05-01", "investment": "300000"},
    )
    assert answer.status_code == 302
    assert "乡村旅游" in client.get(reverse("industry:entity_detail", args=[made.pk])).content.decode()
    assert "乡村旅游" in client.get(reverse("industry:project_list")).content.decode()
    client.force_login(personas["township_officer"])  # the county's entity is not the township's to change
    assert client.get(reverse("industry:entity_edit", args=[made.pk])).status_code == 404


@pytest.mark.django_db
def test_the_api_adds_lists_and_ends(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client
) -> None:
    _token, raw = token_create(user=personas["township_officer"], name="t")
    auth = {"Authorization": f"Bearer {raw}"}
    answer = client.post(
        f"/api/v1/industry/households/{home.pk}/linkages",
        {"entity_id": entity.pk, "kind": "order_farming", "amount_per_year": "3600", "start": "2025-01-01"},
        content_type="application/json",
        headers=auth,
    )
    assert answer.status_code == 201, answer.content
    linkage_id = answer.json()["id"]
    assert answer.json()["income_kind"] == "production"
    listed = client.get(f"/api/v1/industry/households/{home.pk}/linkages", headers=auth).json()
    assert [item["id"] for item in listed] == [linkage_id]
    ended = client.post(
        f"/api/v1/industry/linkages/{linkage_id}/end",
        {"end": "2024-12-31"},
        content_type="application/json",
        headers=auth,
    )
    assert ended.status_code == 422  # before it starts
    entities = client.get("/api/v1/industry/entities", headers=auth).json()
    assert [e["name"] for e in entities["results"]] == [entity.name]


@pytest.mark.django_db
def test_the_export_has_a_row_per_linkage(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client, tmp_path: Path
) -> None:
    from bottomline.registry.importing import read_sheet

    _linked(home, entity, personas["township_officer"])
    client.force_login(personas["auditor"])
    answer = client.get(reverse("industry:linkage_export"))
    path = tmp_path / "export.xlsx"
    path.write_bytes(answer.content)
    sheet = read_sheet(path)
    assert len(sheet.rows) == 1 and sheet.rows[0][0] == home.number and float(str(sheet.rows[0][6])) == 1200


@pytest.mark.django_db
def test_figures_are_as_of_the_period_end_with_households_behind(
    home: Household, entity: Entity, personas: dict[str, Any], tree: Any
) -> None:
    _linked(home, entity, personas["township_officer"], start=date(2025, 3, 1), end=date(2025, 8, 31))
    bounds = tree.county.bounds

    def where(path: str) -> list[Q]:
        return [Q(**{f"{path}__range": bounds})]

    village = tree.village.code
    assert FIGURES.compute(where, date(2025, 2, 1), date(2025, 2, 28)) == {village: {"industry_entities": 1}}
    assert FIGURES.compute(where, date(2025, 6, 1), date(2025, 6, 30))[village] == {
        "industry_entities": 1,
        "industry_linkage_hh": 1,
        "industry_linkage_people": 2,
        "industry_linkage_yuan": 1200,
    }
    assert FIGURES.drill(where, date(2025, 6, 1), date(2025, 6, 30), "industry_linkage_hh") == [
        (village, home.number, home.pk)
    ]
    assert FIGURES.drill(where, date(2025, 9, 1), date(2025, 9, 30), "industry_linkage_hh") == []


@pytest.mark.django_db
def test_the_dashboard_drills_through_to_the_linked_households(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client, tree: Any
) -> None:
    _linked(home, entity, personas["township_officer"], start=date(2025, 3, 1), end=date(2025, 8, 31))
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:drill", kwargs={"code": tree.county.code, "indicator": "industry_linkage_hh"})
    assert home.number in client.get(url, {"on": "2025-06-30"}).content.decode()
    assert home.number not in client.get(url, {"on": "2025-09-30"}).content.decode()
    people = reverse(
        "dashboards:drill", kwargs={"code": tree.county.code, "indicator": "industry_linkage_people"}
    )
    assert client.get(people, {"on": "2025-06-30"}).status_code == 200


@pytest.mark.django_db
def test_a_large_export_is_a_job(
    home: Household,
    entity: Entity,
    personas: dict[str, Any],
    client: Client,
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    from bottomline.industry import exports
    from bottomline.jobs.models import Job
    from bottomline.registry.spreadsheets import xlsx_rows

    _linked(home, entity, personas["township_officer"])
    from bottomline.jobs import services as job_services
    from bottomline.jobs.services import job_run

    monkeypatch.setattr(job_services, "EXPORT_INLINE_ROWS", 0)
    client.force_login(personas["county_officer"])
    answer = client.get(reverse("industry:linkage_export"))
    job = Job.objects.get(kind=exports.EXPORT)
    assert answer.status_code == 302 and answer["Location"] == reverse("jobs:detail", args=[job.pk])
    done = job_run(job_id=job.pk)
    assert done.result["rows"] == 1 and done.result["file_name"].startswith("benefit-linkages-")
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    path = tmp_path / "linkages.xlsx"
    path.write_bytes(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    assert xlsx_rows(path)[1][0] == home.number


@pytest.mark.django_db
def test_lists_take_the_same_queries_for_one_row_or_many(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client, tree: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bottomline.industry.services import entity_save

    officer = personas["county_officer"]
    _linked(home, entity, officer)
    client.force_login(officer)
    pages = [reverse("industry:entity_list"), reverse("industry:household", args=[home.pk])]

    def counts() -> list[int]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # the first requests read the session and caches
    before = counts()
    for n in range(4):
        more = entity_save(
            actor=officer, name=f"合作社{n}", kind="cooperative", region_code=tree.township.code
        )
        _linked(home, more, officer, kind=LinkageKind.LAND_RENT, start=date(2025, 2 + n, 1))
    assert counts() == before


@pytest.mark.django_db
def test_a_cadre_sees_the_entities_serving_the_village_and_another_township_does_not(
    entity: Entity, personas: dict[str, Any], client: Client, make_user: Any, tree: Any
) -> None:
    client.force_login(personas["village_cadre"])  # the township's cooperative serves 永丰村
    assert entity.name in client.get(reverse("industry:entity_list")).content.decode()
    assert client.get(reverse("industry:entity_detail", args=[entity.pk])).status_code == 200
    assert client.get(reverse("industry:entity_edit", args=[entity.pk])).status_code == 403
    client.force_login(make_user("township_officer", tree.other_township, username="other-township"))
    assert entity.name not in client.get(reverse("industry:entity_list")).content.decode()
    assert client.get(reverse("industry:entity_detail", args=[entity.pk])).status_code == 404
    assert client.get(reverse("industry:entity_edit", args=[entity.pk])).status_code == 404


@pytest.mark.django_db
def test_the_api_adds_an_entity_and_its_projects(personas: dict[str, Any], client: Client, tree: Any) -> None:
    _token, raw = token_create(user=personas["township_officer"], name="t")
    auth = {"Authorization": f"Bearer {raw}"}
    made = client.post(
        "/api/v1/industry/entities",
        {
            "name": "永丰村家庭农场",
            "kind": "family_farm",
            "region_code": tree.township.code,
            "village_codes": [tree.village.code],
        },
        content_type="application/json",
        headers=auth,
    )
    assert made.status_code == 201 and made.json()["village_codes"] == [tree.village.code]
    entity_id = made.json()["id"]
    refused = client.post(
        "/api/v1/industry/entities",
        {"name": "外镇合作社", "kind": "cooperative", "region_code": tree.other_township.code},
        content_type="application/json",
        headers=auth,
    )
    assert refused.status_code == 422
    url = f"/api/v1/industry/entities/{entity_id}/projects"
    added = client.post(
        url,
        {"name": "蔬菜种植基地", "kind": "crop", "start": "2025-04-01"},
        content_type="application/json",
        headers=auth,
    )
    assert added.status_code == 201
    assert [p["name"] for p in client.get(url, headers=auth).json()] == ["蔬菜种植基地"]


@pytest.mark.django_db
def test_an_officer_corrects_a_linkage_and_the_income_follows_audited(
    home: Household, entity: Entity, personas: dict[str, Any], client: Client, make_user: Any, tree: Any
) -> None:
    from auditlog.models import LogEntry

    officer = personas["township_officer"]
    linkage = _linked(home, entity, officer, kind=LinkageKind.LAND_RENT)
    client.force_login(officer)
    household_page = client.get(reverse("industry:household", args=[home.pk])).content.decode()
    assert reverse("industry:linkage_change", args=[linkage.pk]) in household_page
    url = reverse("industry:linkage_change", args=[linkage.pk])
    form = client.get(url).content.decode()
    assert 'name="amount_per_year"' in form and 'value="1200.00"' in form
    assert client.post(url, {"amount_per_year": "3600", "end": ""}).status_code == 302
    assert IncomeRecord.objects.get(household=home).property_income == Decimal("3600.00")
    assert client.post(url, {"amount_per_year": "3600", "end": "2025-06-30"}).status_code == 302
    assert IncomeRecord.objects.get(household=home).property_income == Decimal("1800.00")
    refused = client.post(url, {"amount_per_year": "3600", "end": "2024-01-01"})
    assert refused.status_code == 200 and Linkage.objects.get().end == date(2025, 6, 30)
    changes = LogEntry.objects.get_for_object(Linkage.objects.get()).filter(action=LogEntry.Action.UPDATE)
    assert changes.count() == 2 and all(entry.actor == officer for entry in changes)
    client.force_login(personas["village_cadre"])
    assert client.get(url).status_code == 403
    assert (
        reverse("industry:linkage_change", args=[linkage.pk])
        not in client.get(reverse("industry:household", args=[home.pk])).content.decode()
    )
    client.force_login(make_user("township_officer", tree.other_township, username="other-township"))
    assert client.get(url).status_code == 404
