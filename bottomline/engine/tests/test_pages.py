"""Screening pages and API: an officer starts a run of their region as a job; results are seen inside one's region."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.engine.models import Result, Run
from bottomline.jobs.models import Job
from bottomline.registry.tests.factories import household


@pytest.mark.django_db
def test_county_officer_starts_a_run_of_the_county(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    response = client.post("/screening/", {"on": "2026-03-01", "engine": "duckdb"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "engine.screen"
    assert job.params == {
        "on": "2026-03-01",
        "region": tree.county.code,
        "engine": "duckdb",
        "incremental": False,
        "user": personas["county_officer"].pk,  # who ran it, for the audit trail
    }
    client.force_login(personas["village_cadre"])
    assert client.post("/screening/", {"on": "2026-03-01", "engine": "duckdb"}).status_code == 403
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_run_results_show_only_the_viewer_region(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    mine = household(personas["village_cadre"], tree.village)
    theirs = household(
        make_user("village_cadre", tree.other_township_village, username="o"), tree.other_township_village
    )
    run = Run.objects.create(on=date(2026, 3, 1), region=tree.county, households=2, flagged=2)
    for h in (mine, theirs):
        Result.objects.create(
            run=run,
            household=h,
            category=2,
            codes=["income_below_line"],
            risk_types=["other"],
            explanations={
                "en": ["per-capita net income 5,000 < line 6,700"],
                "zh": ["人均纯收入 5,000 元 < 监测范围 6,700 元"],
            },
        )
    client.force_login(personas["county_officer"])
    page = client.get(f"/screening/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert mine.number in page and theirs.number in page and "人均纯收入 5,000 元" in page
    headers = {"Authorization": f"Bearer {token_create(user=personas['township_officer'], name='t')[1]}"}
    # The township officer cannot see the county's run, but the village cadre's results are theirs to see
    # through the household pages; the run itself belongs to the county.
    assert client.get(f"/api/v1/screening/runs/{run.pk}", headers=headers).status_code == 404
    county = {"Authorization": f"Bearer {token_create(user=personas['county_officer'], name='c')[1]}"}
    results = client.get(f"/api/v1/screening/runs/{run.pk}/results?category=2", headers=county).json()
    assert results["count"] == 2
    assert {r["household_number"] for r in results["results"]} == {mine.number, theirs.number}
    started = client.post(
        "/api/v1/screening/runs",
        json.dumps({"on": "2026-03-01"}),
        content_type="application/json",
        headers=county,
    )
    assert started.status_code == 202 and started.json()["kind"] == "engine.screen"
