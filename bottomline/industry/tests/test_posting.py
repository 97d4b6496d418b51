"""How a yearly amount becomes one entry per calendar year (industry.posting)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bottomline.industry.posting import YearPart, linkage_of, source_of, year_parts


def test_a_whole_year_is_the_yearly_amount_dated_the_last_of_december() -> None:
    parts = year_parts(amount_per_year=Decimal(1200), start=date(2025, 1, 1), end=None, through=2025)
    assert parts == [YearPart(2025, 12, Decimal("1200.00"), date(2025, 12, 31))]


def test_a_month_counts_when_the_linkage_is_in_effect_on_its_last_day() -> None:
    # From 15 January (January counts) to 10 March (March does not): two months.
    parts = year_parts(
        amount_per_year=Decimal(1000), start=date(2025, 1, 15), end=date(2025, 3, 10), through=2030
    )
    assert parts == [YearPart(2025, 2, Decimal("166.67"), date(2025, 2, 28))]


def test_one_entry_per_year_up_to_the_year_posted_in() -> None:
    parts = year_parts(amount_per_year=Decimal(600), start=date(2023, 7, 1), end=None, through=2025)
    assert [(p.year, p.months, p.amount) for p in parts] == [
        (2023, 6, Decimal("300.00")),
        (2024, 12, Decimal("600.00")),
        (2025, 12, Decimal("600.00")),
    ]
    ended = year_parts(
        amount_per_year=Decimal(600), start=date(2023, 7, 1), end=date(2024, 4, 30), through=2025
    )
    assert [(p.year, p.months, p.on) for p in ended] == [
        (2023, 6, date(2023, 12, 31)),
        (2024, 4, date(2024, 4, 30)),
    ]


def test_a_linkage_with_no_whole_month_end_has_no_entry() -> None:
    assert (
        year_parts(amount_per_year=Decimal(600), start=date(2025, 3, 2), end=date(2025, 3, 20), through=2025)
        == []
    )


def test_sources_name_the_linkage_and_year() -> None:
    assert source_of(12, 2025) == "industry.linkage:12:2025"
    assert linkage_of("industry.linkage:12:2025") == 12
    assert linkage_of("industry.linkage:1") is None and linkage_of("pv.postpay:12:2025") is None
