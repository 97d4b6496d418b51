"""The PV pages and API as each role uses them: the county officer keeps stations, distributions and posts, the
village cadre reads them and records pay, a township officer of another township finds nothing (404)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.pv.models import Allocation, Assignment, Post, PostPay, Station, StationMonth
from bottomline.pv.tests.factories import YEAR, post, station
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def test_the_county_officer_keeps_the_ledger_through_the_pages(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    created = client.post(
        "/pv/stations/new/",
        {
            "name": "永丰村光伏电站", "village": tree.village.pk, "capacity_kw": "300", "grid_date": "2024-06-30",
            "owner": "村集体", "grid_account": "PV-1", "village_2": tree.sibling_village.pk, "percent_2": "40",
        },
    )  # fmt: skip
    assert created.status_code == 302, created.context["form"].errors
    made = Station.objects.get()
    assert sorted(made.shares.values_list("village__code", "percent")) == [
        (tree.village.code, Decimal(60)),
        (tree.sibling_village.code, Decimal(40)),
    ]
    recorded = client.post(
        f"/pv/stations/{made.pk}/month/",
        {"month": f"{YEAR}-03", "generation_kwh": "15000", "income": "10000"},
    )
    assert recorded.status_code == 302
    assert StationMonth.objects.get().month == date(YEAR, 3, 1)
    page = client.get(f"/pv/stations/{made.pk}/").content.decode()
    assert f"{YEAR}-03" in page and "10000" in page
    listed = client.get(f"/pv/stations/?year={YEAR}").content.decode()
    assert "永丰村光伏电站" in listed
    url = f"/pv/distributions/{tree.village.code}/{YEAR}/"
    assert (
        client.post(url, {"purpose": "posts", "amount": "5000", "decided_on": f"{YEAR}-12-01"}).status_code
        == 302
    )
    refused = client.post(url, {"purpose": "awards", "amount": "1000.01", "decided_on": f"{YEAR}-12-01"})
    assert refused.status_code == 200 and "never more than the income" in refused.content.decode()
    assert Allocation.objects.count() == 1
    assert "6000.00" in client.get(url).content.decode()  # 60 % of 10,000
    assert tree.village.name in client.get(f"/pv/distributions/?year={YEAR}").content.decode()
    made_post = client.post(
        "/pv/posts/new/",
        {"village": tree.village.pk, "kind": "cleaner", "funding": "pv_income", "monthly_pay": "500", "start": f"{YEAR}-01-01"},
    )  # fmt: skip
    assert made_post.status_code == 302
    job = Post.objects.get()
    home = household(personas["county_officer"], tree.village)
    worker = member(personas["county_officer"], home, id_number(sequence=1))
    assign = client.get(f"/pv/posts/{job.pk}/assign/").content.decode()
    assert worker.name in assign
    assert (
        client.post(
            f"/pv/posts/{job.pk}/assign/", {"member": worker.pk, "start": f"{YEAR}-03-01"}
        ).status_code
        == 302
    )
    paid = client.post(
        f"/pv/posts/{job.pk}/pay/",
        {
            "assignment": Assignment.objects.get().pk,
            "month": f"{YEAR}-03",
            "paid_on": f"{YEAR}-03-31",
            "amount": "",
        },
    )
    assert paid.status_code == 302
    assert PostPay.objects.get().amount == Decimal(500)
    assert worker.name in client.get("/pv/posts/").content.decode()
    household_page = client.get(f"/registry/households/{home.pk}/").content.decode()
    assert "Village cleaner" in household_page and f"/pv/posts/{job.pk}/" in household_page


def test_roles_and_regions_on_the_pages(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village)
    job = post(county, tree.village, funding="employment")
    other = make_user("township_officer", tree.other_township, username="other-township")
    client.force_login(other)
    for url in (
        f"/pv/stations/{made.pk}/",
        f"/pv/stations/{made.pk}/month/",
        f"/pv/distributions/{tree.village.code}/{YEAR}/",
        f"/pv/posts/{job.pk}/",
        f"/pv/posts/{job.pk}/assign/",
        f"/pv/posts/{job.pk}/pay/",
    ):
        assert client.get(url).status_code == 404, url
    assert "永丰村" not in client.get(f"/pv/stations/?year={YEAR}").content.decode()
    client.force_login(personas["village_cadre"])
    assert client.get(f"/pv/stations/{made.pk}/").status_code == 200
    assert client.get(f"/pv/stations/{made.pk}/month/").status_code == 403
    assert client.get("/pv/stations/new/").status_code == 403
    assert client.get(f"/pv/posts/{job.pk}/assign/").status_code == 403
    assert client.get(f"/pv/posts/{job.pk}/pay/").status_code == 200
    assert (
        client.post(f"/pv/distributions/{tree.village.code}/{YEAR}/", {"purpose": "posts"}).status_code == 403
    )


def test_the_api(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village)
    job = post(county, tree.village, funding="employment")
    home = household(county, tree.village)
    worker = member(county, home, id_number(sequence=1))
    from bottomline.pv import services

    held = services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 1, 1))
    _token, raw = token_create(user=county, name="t")
    auth = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/api/v1/pv/stations", headers=auth)
    assert listed.status_code == 200 and [s["grid_account"] for s in listed.json()] == [made.grid_account]
    month = client.post(
        f"/api/v1/pv/stations/{made.pk}/months",
        json.dumps({"month": f"{YEAR}-01-15", "generation_kwh": "1", "income": "20000"}),
        content_type="application/json",
        headers=auth,
    )
    assert month.status_code == 200 and month.json()["month"] == f"{YEAR}-01-01"
    detail = client.get(f"/api/v1/pv/stations/{made.pk}", headers=auth).json()
    assert len(detail["months"]) == 12
    url = f"/api/v1/pv/distributions/{tree.village.code}/{YEAR}"
    assert client.get(url, headers=auth).json()["income"] == "130000.00"
    over = client.post(
        f"{url}/allocations",
        json.dumps({"purpose": "awards", "amount": "130000.01", "decided_on": f"{YEAR}-12-31"}),
        content_type="application/json",
        headers=auth,
    )
    assert over.status_code == 422
    pay = client.post(
        f"/api/v1/pv/assignments/{held.pk}/pays",
        json.dumps({"month": f"{YEAR}-02-01", "paid_on": f"{YEAR}-02-28"}),
        content_type="application/json",
        headers=auth,
    )
    assert pay.status_code == 200 and pay.json()["amount"] == "800.00"
    posts = client.get("/api/v1/pv/posts", headers=auth).json()
    assert posts[0]["holders"][0]["household_number"] == home.number
