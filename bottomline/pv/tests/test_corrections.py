"""A PV station corrected with the villages sharing its income: refused whole when a village would have
distributed more of a year's income than the new shares leave it, audited, on its page and behind the gate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client

from bottomline.pv import services
from bottomline.pv.models import Purpose, Station, StationShare
from bottomline.pv.tests.factories import YEAR, station

pytestmark = pytest.mark.django_db


def _fields(made: Station, **changed: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": made.name,
        "village": made.village,
        "capacity_kw": made.capacity_kw,
        "grid_date": made.grid_date,
        "owner": made.owner,
        "grid_account": made.grid_account,
    }
    return values | changed


def test_shares_are_corrected_unless_a_village_has_distributed_more(
    tree: Any, personas: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village)  # 120,000 yuan in YEAR, all to the village it stands in
    services.allocation_record(
        actor=county, village=tree.village, year=YEAR, purpose=Purpose.COLLECTIVE, amount=Decimal(100000),
        decided_on=date(YEAR + 1, 3, 1),
    )  # fmt: skip
    shares = [services.Share(tree.village, Decimal(70)), services.Share(tree.sibling_village, Decimal(30))]
    with pytest.raises(ValidationError) as refused:
        services.station_change(actor=county, station_id=made.pk, shares=shares, **_fields(made))
    assert "shares" in refused.value.message_dict
    assert list(StationShare.objects.filter(station=made).values_list("percent", flat=True)) == [Decimal(100)]
    shares = [services.Share(tree.village, Decimal(90)), services.Share(tree.sibling_village, Decimal(10))]
    services.station_change(
        actor=county,
        station_id=made.pk,
        shares=shares,
        **_fields(made, name="永丰村一号电站", capacity_kw=Decimal(400)),
    )
    assert services.village_year_income(tree.sibling_village.pk, YEAR) == Decimal("12000.00")
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal("108000.00")
    made.refresh_from_db()
    assert made.name == "永丰村一号电站" and made.capacity_kw == Decimal(400)
    update = LogEntry.objects.get_for_object(made).filter(action=LogEntry.Action.UPDATE).get()
    assert update.actor == county
    with pytest.raises(ValidationError):  # shares not adding up to 100 %
        services.station_change(
            actor=county,
            station_id=made.pk,
            shares=[services.Share(tree.village, Decimal(50))],
            **_fields(made),
        )
    other = station(county, tree.sibling_village)
    with pytest.raises(ValidationError) as taken:
        services.station_change(
            actor=county, station_id=made.pk, **_fields(made, grid_account=other.grid_account)
        )
    assert "grid_account" in taken.value.message_dict


def test_the_page_corrects_a_station_and_only_who_keeps_them(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village)
    client = Client()
    client.force_login(personas["township_officer"])
    assert f"/pv/stations/{made.pk}/edit/" in client.get(f"/pv/stations/{made.pk}/").content.decode()
    form = client.get(f"/pv/stations/{made.pk}/edit/").content.decode()
    assert 'name="grid_account"' in form and made.grid_account in form
    answer = client.post(
        f"/pv/stations/{made.pk}/edit/",
        {
            "name": made.name, "village": tree.village.pk, "capacity_kw": "350", "grid_date": "2024-06-30",
            "owner": "村集体", "grid_account": made.grid_account, "village_2": tree.sibling_village.pk,
            "percent_2": "25",
        },
    )  # fmt: skip
    assert answer.status_code == 302
    assert dict(StationShare.objects.filter(station=made).values_list("village_id", "percent")) == {
        tree.village.pk: Decimal(75),
        tree.sibling_village.pk: Decimal(25),
    }
    assert Station.objects.get(pk=made.pk).capacity_kw == Decimal(350)
    client.force_login(personas["village_cadre"])
    assert client.get(f"/pv/stations/{made.pk}/edit/").status_code == 403
    client.force_login(make_user("township_officer", tree.other_township, username="other-township"))
    assert client.get(f"/pv/stations/{made.pk}/edit/").status_code == 404
