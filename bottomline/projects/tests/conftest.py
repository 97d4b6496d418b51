"""Shared set-up of the project library's tests: 30 June 2026, a county's allocations and an industry project
built in 永丰村 with central and east-west money, moved to implementation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from bottomline.projects.models import Project, Source, Stage
from bottomline.projects.services import allocation_set, project_propose, stage_change

TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


def propose(actor: Any, site: Any, *, region: Any = None, **overrides: Any) -> Project:
    """A project proposed by ``actor``, built in ``site`` (the region served: ``region``, else the site)."""
    values: dict[str, Any] = {
        "name": "永丰村牛羊养殖基地",
        "region_code": (region or site).code,
        "site_code": site.code,
        "kind": "industry",
        "year": 2026,
        "budgets": {Source.CENTRAL: Decimal(600000), Source.EAST_WEST: Decimal(200000)},
        "on": date(2026, 1, 10),
    }
    values.update(overrides)
    return project_propose(actor=actor, **values)


def implement(actor: Any, project: Project) -> Project:
    """Review, list and start the project (one step a month from February)."""
    for month, stage in ((2, Stage.REVIEWED), (3, Stage.LISTED), (4, Stage.IMPLEMENTING)):
        stage_change(actor=actor, project_id=project.pk, to=stage, on=date(2026, month, 1))
    project.refresh_from_db()
    return project


@pytest.fixture
def project(tree: Any, personas: dict[str, Any]) -> Project:
    """An industry project of the county, built in 永丰村, being implemented; the county received 1,000,000 yuan
    of central funds and 200,000 of east-west funds for 2026."""
    county = personas["county_officer"]
    allocation_set(
        actor=county, county_code=tree.county.code, year=2026, source=Source.CENTRAL, amount=Decimal(1000000)
    )
    allocation_set(
        actor=county, county_code=tree.county.code, year=2026, source=Source.EAST_WEST, amount=Decimal(200000)
    )
    return implement(county, propose(county, tree.village, region=tree.county, code="HZ2026-001"))
