"""Test data of the PV ledger: a station with a year's months, a post with a holder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bottomline.accounts.models import User
from bottomline.pv import services
from bottomline.pv.models import Funding, Post, Station

YEAR = 2025


def station(
    actor: User, village: Any, *, account: str = "", monthly: str = "10000", shares: Any = ()
) -> Station:
    """A 300 kW station on the grid since 2024, with every month of YEAR earning ``monthly`` yuan."""
    made = services.station_register(
        actor=actor,
        name=f"{village.name}光伏电站",
        village=village,
        capacity_kw=Decimal(300),
        grid_date=date(2024, 6, 30),
        owner="村集体",
        grid_account=account or f"PV{village.code}",
        shares=shares,
    )
    for month in range(1, 13):
        services.station_month_record(
            actor=actor,
            station_id=made.pk,
            month=date(YEAR, month, 1),
            generation_kwh=Decimal(13000),
            income=Decimal(monthly),
        )
    return made


def post(actor: User, village: Any, *, funding: str = Funding.PV_INCOME, pay: str = "800") -> Post:
    return services.post_create(
        actor=actor,
        village=village,
        kind="cleaner",
        funding=funding,
        monthly_pay=Decimal(pay),
        start=date(YEAR, 1, 1),
    )
