"""A finished job's page reads as a result, not a Python dict (issue #15 item 9): every kind's result as labelled,
translated lines, links to what the job made (the feed load, the screening run, the download), errors as a list,
in both languages, and no raw result key anywhere on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.results import DESCRIBERS, LABELS, NOT_LINES
from bottomline.registry.importing import UNCHANGED, RowsReport

pytestmark = pytest.mark.django_db

# What each kind writes, as its handler returns it.
RESULTS: dict[str, dict[str, Any]] = {
    "feeds.load": {
        "feed_type": "medical_claims", "committed": True, "rows": 12, "applied": 10, "unchanged": 1,
        "unmatched": 1, "households": 9, "leads": 2, "batch": 7, "error_count": 0, "errors": [],
    },
    "registry.import": {
        "rows": 3, "households_created": 1, "members_created": 2, "unchanged": 0, "error_count": 1,
        "errors": [[2, "身份证号码", "校验位不对"]],
    },
    "interop.import": {
        "rows": 4, "households_created": 1, "members_created": 3, "incomes_created": 1, "cases_created": 1,
        "cases_eliminated": 0, "unchanged": 0, "unknown_columns": ["备注"], "error_count": 0, "errors": [],
    },
    "registry.income_import": RowsReport("incomes", rows=2, created=1, replaced=1).as_dict(),
    "pv.import": RowsReport("months", rows=2, created=1, replaced=1).as_dict(),
    "industry.linkage_import": RowsReport("linkages", rows=2, created=1, replaced=1).as_dict(),
    "employment.job_import": RowsReport("jobs", rows=2, created=1, replaced=1).as_dict(),
    "relocation.import": RowsReport("relocations", rows=2, created=1, unchanged=1, shows=UNCHANGED).as_dict(),
    "insurance.import": RowsReport("claims", rows=2, created=1, unchanged=1, shows=UNCHANGED).as_dict(),
    "projects.import": RowsReport("disbursements", rows=2, created=1, unchanged=1, shows=UNCHANGED).as_dict(),
    "points.import": RowsReport("entries", rows=2, created=1, unchanged=1, shows=UNCHANGED).as_dict(),
    "registry.export": {"households": 6000, "download": "abc.xlsx", "file_name": "roster-20261206.xlsx"},
    "dashboards.export": {"rows": 7000, "download": "def.xlsx", "file_name": "objects.xlsx"},
    "engine.screen": {
        "run": 5, "engine": "duckdb", "incremental": False, "households": 100, "flagged": 8, "leads": 3,
        "seconds": 1.5,
    },
    "policy.simulate": {"proposal": 3, "households": 100, "entering": 4, "leaving": 1},
    "monitoring.bulk_step": {"done": [1, 2], "failed": {"3": "该案件已不在此环节"}},
    "regions.load": {"created": 10, "updated": 0, "unchanged": 2, "merged": 0},
    "registry.synth": {"households": 100, "members": 380, "skipped": 0},
    "registry.rotate_keys": {"reencrypted": 50},
}  # fmt: skip


def _visible(html: str) -> str:
    """The text a person reads (tags, scripts and attributes left out)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_every_result_key_has_a_label() -> None:
    for kind, result in RESULTS.items():
        for key in result:
            assert key in LABELS or key in NOT_LINES or (kind, key) in DESCRIBERS, (kind, key)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_finished_job_page_shows_no_raw_result_keys(
    client: Client, personas: dict[str, Any], language: str
) -> None:
    officer = personas["county_officer"]
    client.force_login(officer)
    client.cookies["django_language"] = language
    for kind, result in RESULTS.items():
        job = Job.objects.create(
            kind=kind, params={}, status=JobStatus.SUCCEEDED, result=result, created_by=officer,
            region=officer.region, finished_at=timezone.now(), total=1, done=1,
        )  # fmt: skip
        with translation.override(language):
            html = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language).content
        text = _visible(html.decode())
        for key in result:  # never a key shown as the label of a value
            assert not re.search(rf">\s*{re.escape(key)}\s*<", html.decode()), (language, kind, key)
            if language == "zh-hans":  # and in Chinese, no key at all (nor an English label)
                assert not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text), (kind, key)
        assert "[]" not in text and "True" not in text and "False" not in text, (language, kind)
        if "download" in result:
            assert reverse("jobs:download", args=[job.pk]) in html.decode()
    feed = Job.objects.get(kind="feeds.load")
    page = client.get(reverse("jobs:detail", args=[feed.pk])).content.decode()
    assert reverse("feeds:batch_detail", args=[7]) in page
    run = Job.objects.get(kind="engine.screen")
    assert (
        reverse("engine:run", args=[5]) in client.get(reverse("jobs:detail", args=[run.pk])).content.decode()
    )
    bulk = Job.objects.get(kind="monitoring.bulk_step")
    page = client.get(reverse("jobs:detail", args=[bulk.pk])).content.decode()
    assert reverse("monitoring:case_detail", args=[3]) in page and "该案件已不在此环节" in page
    imported = Job.objects.get(kind="registry.import")
    page = client.get(reverse("jobs:detail", args=[imported.pk])).content.decode()
    assert "校验位不对" in page and 'id="job-problem-list"' in page
    if language == "zh-hans":
        assert "医保报销结算" in _visible(client.get(reverse("jobs:detail", args=[feed.pk])).content.decode())
