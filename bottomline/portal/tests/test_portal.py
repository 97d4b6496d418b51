"""The public self-declaration portal: declaring, matching, anti-automation, receipts, staff work, posters."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from bottomline.monitoring.models import Case, Channel, Signal
from bottomline.monitoring.selectors import case_queue
from bottomline.monitoring.tests.factories import walk
from bottomline.monitoring.workflow import State
from bottomline.portal import posters
from bottomline.portal.models import Attempt, Declaration, DeclarationStatus
from bottomline.portal.tests.factories import declaration
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db

NAME = "王建国"
PHONE = "13987654321"


def form_data(village: Any, number: str, **overrides: str) -> dict[str, str]:
    data = {
        "name": NAME,
        "phone": PHONE,
        "id_number": number,
        "village": village.code,
        "risk_type": "illness",
        "description": "住院花了很多钱",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def receipt_of(response: Any) -> str:
    match = re.search(r'id="receipt">([A-Z0-9-]+)<', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1).replace("-", "")


@pytest.fixture
def registered(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    """A household of 永丰村 with one registered member."""
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    number = id_number(sequence=11)
    member(cadre, home, number, name=NAME)
    return {"household": home, "id_number": number}


def declare(client: Client, data: dict[str, str], ip: str = "10.0.0.1", language: str = "en") -> Any:
    return client.post("/declare/", data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)


def test_a_registered_member_opens_a_lead_and_a_case_in_the_to_visit_queue(
    client: Client, tree: Any, personas: dict[str, Any], registered: dict[str, Any]
) -> None:
    response = declare(client, form_data(tree.village, registered["id_number"]))
    assert response.status_code == 200
    receipt = receipt_of(response)
    declared = Declaration.objects.get(receipt=receipt)
    assert declared.status == DeclarationStatus.MATCHED
    assert declared.household == registered["household"]
    signal = Signal.objects.get(channel=Channel.SELF_DECLARATION, reference=receipt)
    assert signal.lead == declared.lead
    assert NAME not in str(signal.detail) and registered["id_number"] not in str(signal.detail)
    assert set(signal.detail) == {"en", "zh"}
    queue = case_queue(viewer=personas["village_cadre"], queue="to_visit")
    assert list(queue.values_list("household_id", flat=True)) == [registered["household"].pk]
    assert queue.get().lead == declared.lead
    # Nothing personal in the answer.
    body = response.content.decode()
    for secret in (NAME, PHONE, registered["id_number"], tree.village.name):
        assert secret not in body


def test_a_wrong_name_or_another_village_is_left_unmatched_for_staff(
    client: Client, tree: Any, personas: dict[str, Any], registered: dict[str, Any]
) -> None:
    declare(client, form_data(tree.village, registered["id_number"], name="王建"))
    declare(client, form_data(tree.sibling_village, registered["id_number"], phone="13900000001"))
    assert set(Declaration.objects.values_list("status", flat=True)) == {DeclarationStatus.UNMATCHED}
    assert not Signal.objects.exists()
    cadre = personas["village_cadre"]
    client.force_login(cadre)
    page = client.get("/portal/declarations/").content.decode()
    own = Declaration.objects.get(village=tree.village)
    other = Declaration.objects.get(village=tree.sibling_village)
    # The sibling village is outside the cadre's scope.
    assert own.receipt in page and other.receipt not in page
    assert "139****4321" in page and PHONE not in page and registered["id_number"] not in page
    assert "<td>王*</td>" in page
    client.force_login(personas["township_officer"])
    assert other.receipt in client.get("/portal/declarations/").content.decode()


def test_linking_an_unmatched_declaration_raises_the_lead(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    declared = declaration(tree.village, description="房子塌了")
    home = household(cadre, tree.village)  # registered afterwards with the registry pages
    client.force_login(cadre)
    detail = client.get(f"/portal/declarations/{declared.pk}/").content.decode()
    assert "房子塌了" in detail  # the village's households are found by name (test_loop), not listed
    response = client.post(f"/portal/declarations/{declared.pk}/link/", {"household": home.pk})
    assert response.status_code == 302
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.LINKED and declared.household == home
    assert declared.decided_by == cadre
    assert Signal.objects.get(reference=declared.receipt).lead == declared.lead
    assert case_queue(viewer=cadre, queue="to_visit").get().household == home
    # Once linked it is not linked again.
    again = client.post(f"/portal/declarations/{declared.pk}/link/", {"household": home.pk})
    assert again.status_code == 200 and Signal.objects.count() == 1


def test_linking_refuses_a_household_of_another_village(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    declared = declaration(tree.village)
    elsewhere = household(personas["township_officer"], tree.sibling_village)
    client.force_login(personas["township_officer"])
    response = client.post(f"/portal/declarations/{declared.pk}/link/", {"household": elsewhere.pk})
    assert response.status_code == 200
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.UNMATCHED and not Signal.objects.exists()


def test_dismissing_needs_a_reason(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    declared = declaration(tree.village)
    client.force_login(personas["village_cadre"])
    url = f"/portal/declarations/{declared.pk}/dismiss/"
    assert client.post(url, {"reason": " "}).status_code == 200
    assert client.post(url, {"reason": "重复申报"}).status_code == 302
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.DISMISSED and declared.dismiss_reason == "重复申报"


def test_a_filled_honeypot_looks_accepted_and_stores_nothing(
    client: Client, tree: Any, registered: dict[str, Any]
) -> None:
    response = declare(client, form_data(tree.village, registered["id_number"], website="http://spam"))
    assert response.status_code == 200
    assert len(receipt_of(response)) == 12
    assert not Declaration.objects.exists() and not Signal.objects.exists()


def test_fields_are_checked_in_both_languages(client: Client, tree: Any) -> None:
    bad = id_number(sequence=12)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    data = form_data(tree.township, bad, phone="12345", consent="")  # a township is not a village
    english = declare(client, data).content.decode()
    assert "The check digit (the 18th character) of the ID number is wrong." in english
    assert "Enter a mobile number of 11 digits or a landline number." in english
    assert "Choose your village" in english
    chinese = declare(client, data, language="zh-hans").content.decode()
    assert "身份证号校验码（第 18 位）错误。" in chinese
    assert not Declaration.objects.exists()
    too_long = declare(client, form_data(tree.village, id_number(sequence=13), description="长" * 501))
    assert 'id="id_description"' in too_long.content.decode()
    assert not Declaration.objects.exists()


def test_rate_limit_per_address(client: Client, tree: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(5):
            response = declare(
                client, form_data(tree.village, id_number(sequence=20 + n), phone=f"1390000{n:04d}")
            )
            assert response.status_code == 200
        refused = declare(client, form_data(tree.village, id_number(sequence=30), phone="13900009999"))
        assert refused.status_code == 429
        assert "Too many declarations from this network" in refused.content.decode()
        assert Declaration.objects.count() == 5
        other = declare(
            client, form_data(tree.village, id_number(sequence=31), phone="13900009998"), ip="10.0.0.2"
        )
        assert other.status_code == 200
        clock.shift(timedelta(minutes=61))
        later = declare(client, form_data(tree.village, id_number(sequence=32), phone="13900009997"))
        assert later.status_code == 200
    assert Declaration.objects.count() == 7
    keys = set(Attempt.objects.values_list("key", flat=True))
    assert "10.0.0.1" not in keys and all(len(k) == 64 for k in keys)


def test_rate_limit_per_phone_and_pruning(client: Client, tree: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(3):
            assert (
                declare(
                    client, form_data(tree.village, id_number(sequence=40 + n)), ip=f"10.1.0.{n}"
                ).status_code
                == 200
            )
        refused = declare(client, form_data(tree.village, id_number(sequence=44)), ip="10.1.0.9")
        assert refused.status_code == 429 and "this phone number" in refused.content.decode()
        assert Declaration.objects.count() == 3
        clock.shift(timedelta(days=2, minutes=1))
        assert (
            declare(client, form_data(tree.village, id_number(sequence=45)), ip="10.1.0.9").status_code == 200
        )
        # The rows of two days ago were pruned: only this declaration's two attempts are left.
        assert Attempt.objects.count() == 2


def test_status_shows_the_stage_and_nothing_personal(
    client: Client, tree: Any, personas: dict[str, Any], registered: dict[str, Any]
) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=7), tick=False):  # a week ago
        receipt = receipt_of(declare(client, form_data(tree.village, registered["id_number"])))
    grouped = f"{receipt[:4]}-{receipt[4:8]}-{receipt[8:]}".lower()
    answer = client.post("/declare/status/", {"receipt": grouped}, HTTP_ACCEPT_LANGUAGE="en")
    body = answer.content.decode()
    assert 'data-stage="visit"' in body and "Being verified at your home" in body
    for secret in (NAME, PHONE, registered["id_number"], tree.village.name, "永丰"):
        assert secret not in body
    case = Case.objects.get(household=registered["household"])
    walk(case, personas, to=State.NOTICE)
    body = client.post("/declare/status/", {"receipt": receipt}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # walk() appraises on the day of the declaration, a week ago: the notice is over, the township reviews it.
    assert 'data-stage="review"' in body
    Case.objects.filter(pk=case.pk).update(notice_end=timezone.localdate() + timedelta(days=2))
    body = client.post("/declare/status/", {"receipt": receipt}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-stage="notice"' in body and "In public notice" in body
    unmatched = declaration(tree.village)
    body = client.post("/declare/status/", {"receipt": unmatched.receipt}).content.decode()
    assert 'data-stage="received"' in body
    unknown = client.post("/declare/status/", {"receipt": "AAAA-BBBB-CCCC"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        unknown.status_code == 200 and "No declaration with this receipt number" in unknown.content.decode()
    )


def test_status_look_ups_are_rate_limited(client: Client, tree: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _n in range(30):
            assert client.post("/declare/status/", {"receipt": "AAAABBBBCCCC"}).status_code == 200
        assert client.post("/declare/status/", {"receipt": "AAAABBBBCCCC"}).status_code == 429
        clock.shift(timedelta(hours=1, minutes=1))
        assert client.post("/declare/status/", {"receipt": "AAAABBBBCCCC"}).status_code == 200


def test_no_plaintext_numbers_in_the_database(client: Client, tree: Any, registered: dict[str, Any]) -> None:
    declare(client, form_data(tree.village, registered["id_number"]))
    declaration(tree.village, phone="13811112222", name="赵六", description="腿摔断了")
    with connection.cursor() as cursor:
        dump = ""
        for table in ("portal_declaration", "portal_attempt", "auditlog_logentry", "monitoring_signal"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            dump += repr(cursor.fetchall())
    for secret in (
        PHONE,
        registered["id_number"],
        "13811112222",
        "赵六",
        "腿摔断了",
        "住院花了很多钱",
    ):
        assert secret not in dump, secret
    assert "139****4321" in dump  # the masked copy is there


def test_the_village_picker_and_the_qr_link(client: Client, tree: Any) -> None:
    form = client.get("/declare/").content.decode()
    assert 'id="id_province"' in form and "青海省" in form and 'name="website"' in form
    fragment = client.get(
        "/declare/picker/", {"province": tree.province.code, "prefecture": tree.prefecture.code}
    ).content.decode()
    assert "湟中区" in fragment and "大通回族土族自治县" in fragment
    changed = client.get(
        "/declare/picker/",
        {"province": tree.province.code, "prefecture": tree.prefecture.code, "county": tree.county.code},
        HTTP_HX_TRIGGER_NAME="province",
    ).content.decode()
    assert "田家寨镇" not in changed  # a changed province clears the levels below it
    fixed = client.get(f"/declare/?v={tree.village.code}").content.decode()
    assert 'id="fixed-village"' in fixed and "永丰村" in fixed and 'id="id_province"' not in fixed
    assert 'id="id_province"' in client.get(f"/declare/?v={tree.township.code}").content.decode()


def pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (WeasyPrint packs the font objects into object streams)."""
    inflated = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not deflated (or not a stream we need)
    return b"".join(inflated)


def test_the_poster_is_a_pdf_with_cjk_fonts_and_the_right_url(
    client: Client, tree: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PORTAL_BASE_URL = "https://bottomline.example.cn/"
    encoded: list[str] = []
    real = posters.qr_data_uri

    def spy(url: str) -> str:
        encoded.append(url)
        return real(url)

    monkeypatch.setattr(posters, "qr_data_uri", spy)
    client.force_login(personas["village_cadre"])
    response = client.get(f"/declare/poster/{tree.village.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"NotoSansCJK" in pdf_text(response.content)
    assert encoded == [f"https://bottomline.example.cn/declare/?v={tree.village.code}"]
    svg = real(encoded[0])
    assert svg.startswith("data:image/svg+xml")
    assert client.get(f"/declare/poster/{tree.other_county_village.code}.pdf").status_code == 404
    assert client.get(f"/declare/poster/{tree.township.code}.pdf").status_code == 404
    client.force_login(personas["prefecture_officer"])
    assert client.get(f"/declare/poster/{tree.village.code}.pdf").status_code == 403
