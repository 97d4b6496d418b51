"""A county with one registered household, the feed types' templates filled in, and a loader."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.accounts.models import User
from bottomline.feeds.schemas import BY_CODE
from bottomline.feeds.services import FeedReport, feed_load
from bottomline.feeds.workbooks import template_csv
from bottomline.jobs.progress import NullProgress
from bottomline.registry.importing import read_rows
from bottomline.registry.models import Household, Member
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

HEAD_ID = id_number(sequence=1)
CHILD_ID = id_number(birth=date(2015, 3, 1), sequence=2)
ELSEWHERE_ID = id_number(area="630121", sequence=9)  # registered in the other county
NOBODY_ID = id_number(sequence=77)  # registered nowhere


@dataclass
class Home:
    """The household of 永丰村 the feeds talk about."""

    household: Household
    head: Member
    child: Member
    elsewhere: Household


@pytest.fixture
def home(tree: Any, personas: dict[str, Any], make_user: Any) -> Home:
    call_command("policy_seed", stdout=io.StringIO())
    cadre = personas["village_cadre"]
    h = household(cadre, tree.village)
    head = member(cadre, h, HEAD_ID, labour="ordinary")
    child = member(cadre, h, CHILD_ID, relation="son", education="primary", student_status="primary")
    income_record(
        actor=cadre,
        household_id=h.pk,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        wage=Decimal("40000"),
    )
    other = make_user("county_officer", tree.other_county, username="other-county")
    far = household(other, tree.other_county_village)
    member(other, far, ELSEWHERE_ID)
    return Home(h, head, child, far)


def filled(tmp_path: Path, feed_type: str, rows: list[dict[str, str]], name: str = "") -> Path:
    """The feed type's CSV template with its example row replaced by ``rows`` (by column key)."""
    feed = BY_CODE[feed_type]
    template = tmp_path / f"template-{feed_type}.csv"
    template.write_bytes(template_csv(feed))
    headings, _example = read_rows(template)
    heading_of = {c.key: c.zh for c in feed.columns}
    path = tmp_path / (name or f"{feed_type}.csv")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        for row in rows:
            writer.writerow([row.get(key, "") for key in heading_of if heading_of[key] in headings])
    return path


def load(path: Path, feed_type: str, user: User, *, commit: bool = True) -> FeedReport:
    """Run the feed service as every adapter does."""
    return feed_load(feed_type=feed_type, path=path, user=user, commit=commit, progress=NullProgress())
