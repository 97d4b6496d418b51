"""The self-declaration loop (issue #15 items 10, 11, 12): posters linked from where staff work, a township's
posters in one PDF, the declarant's phone revealed to call back, linking by name or registering the household
from the declaration, and a photo of the hardship kept sealed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bottomline.audit.models import Event, EventKind
from bottomline.monitoring.models import Signal
from bottomline.monitoring.selectors import case_queue
from bottomline.portal import services
from bottomline.portal.models import Declaration, DeclarationStatus
from bottomline.portal.tests.factories import declaration
from bottomline.portal.tests.test_portal import form_data, pdf_text, receipt_of
from bottomline.privacy.fields import encrypted_file_fields
from bottomline.registry.models import Household, Member
from bottomline.registry.tests.factories import household, id_number, member
from conftest import _region

pytestmark = pytest.mark.django_db


def page_count(pdf: bytes) -> int:
    """The PDF's pages: its /Type /Page objects (not /Pages), in the clear or inside an object stream."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_text(pdf)))


def test_posters_are_linked_from_the_village_the_township_and_the_declarations(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    village_page = client.get(f"/regions/{tree.village.code}/").content.decode()
    assert f'href="/declare/poster/{tree.village.code}.pdf"' in village_page
    listing = client.get("/portal/declarations/").content.decode()
    assert f'href="/declare/poster/{tree.village.code}.pdf"' in listing

    client.force_login(personas["township_officer"])
    township_page = client.get(f"/regions/{tree.township.code}/").content.decode()
    assert f'href="/declare/poster/{tree.township.code}.pdf"' in township_page
    assert (
        f'href="/declare/poster/{tree.township.code}.pdf"'
        in client.get("/portal/declarations/").content.decode()
    )

    client.force_login(personas["county_officer"])
    listing = client.get("/portal/declarations/").content.decode()
    for township in (tree.township, tree.other_township):
        assert f'href="/declare/poster/{township.code}.pdf"' in listing
    assert "/declare/poster/" not in client.get(f"/regions/{tree.county.code}/").content.decode()

    # Roles that do not print posters see no link.
    client.force_login(personas["prefecture_officer"])
    assert "/declare/poster/" not in client.get(f"/regions/{tree.village.code}/").content.decode()
    assert "/declare/poster/" not in client.get("/portal/declarations/").content.decode()


def test_a_township_prints_one_pdf_with_a_page_per_village(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    third = _region("630106100203", "三合村", 5, tree.township)
    client.force_login(personas["township_officer"])
    response = client.get(f"/declare/poster/{tree.township.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) == 3  # 永丰村, 后街村, 三合村
    assert f"poster-{tree.township.code}.pdf" in response["Content-Disposition"]
    single = client.get(f"/declare/poster/{third.code}.pdf")
    assert page_count(single.content) == 1
    # Another township, a village cadre asking for its township, a county: none of theirs.
    assert client.get(f"/declare/poster/{tree.other_township.code}.pdf").status_code == 404
    client.force_login(personas["village_cadre"])
    assert client.get(f"/declare/poster/{tree.township.code}.pdf").status_code == 404
    client.force_login(personas["county_officer"])
    assert client.get(f"/declare/poster/{tree.county.code}.pdf").status_code == 404
    assert page_count(client.get(f"/declare/poster/{tree.other_township.code}.pdf").content) == 1


def test_the_cadre_reveals_the_declarants_phone_audited_and_limited(
    client: Client, tree: Any, personas: dict[str, Any], settings: Any
) -> None:
    declared = declaration(tree.village, phone="13911112222")
    cadre = personas["village_cadre"]
    client.force_login(cadre)
    detail = client.get(f"/portal/declarations/{declared.pk}/").content.decode()
    assert "13911112222" not in detail and "139****2222" in detail
    assert f"/portal/declarations/{declared.pk}/reveal-phone/" in detail
    url = f"/portal/declarations/{declared.pk}/reveal-phone/"
    response = client.post(url)
    assert response.status_code == 200
    assert 'href="tel:13911112222"' in response.content.decode()
    event = Event.objects.get(kind=EventKind.REVEAL)
    assert event.actor == cadre and event.target == f"declaration:{declared.pk}:phone"
    assert event.region == tree.village
    assert "13911112222" not in str(event.detail)

    # A cadre of another village: the declaration does not exist for them, and nothing is revealed.
    client.force_login(make_cadre(tree.sibling_village))
    assert client.post(url).status_code == 404
    assert Event.objects.filter(kind=EventKind.REVEAL).count() == 1
    # The prefecture reads declarations but does not reveal numbers.
    client.force_login(personas["prefecture_officer"])
    assert "/reveal-phone/" not in client.get(f"/portal/declarations/{declared.pk}/").content.decode()
    assert client.post(url).status_code == 403

    # The same hourly allowance as the archive's reveals: past it, refused and the refusal audited.
    settings.REVEAL_LIMIT_PER_HOUR = 2
    client.force_login(cadre)
    assert client.post(url).status_code == 200
    refused = client.post(url)
    assert refused.status_code == 429 and "13911112222" not in refused.content.decode()
    assert Event.objects.filter(kind=EventKind.REVEAL).count() == 2
    assert Event.objects.filter(kind=EventKind.PERMISSION_DENIED, target="reveal:rate-limit").count() == 1


def make_cadre(village: Any) -> Any:
    from bottomline.accounts.services import user_save
    from conftest import PASSWORD

    return user_save(
        username=f"cadre-{village.code}", role="village_cadre", region=village, password=PASSWORD
    )


def test_a_declaration_is_linked_to_a_household_found_by_name(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    declared = declaration(tree.village, name="张秀英")
    wanted = household(cadre, tree.village)
    member(cadre, wanted, id_number(sequence=31), name="张大山")
    member(cadre, wanted, id_number(sequence=32), name="张秀英", relation="spouse")
    other = household(cadre, tree.village)
    member(cadre, other, id_number(sequence=33), name="李明")
    township = personas["township_officer"]
    elsewhere = household(township, tree.sibling_village)
    member(township, elsewhere, id_number(sequence=34), name="张秀英")
    client.force_login(cadre)

    search = f"/portal/declarations/{declared.pk}/search/"
    found = client.post(search, {"name": "秀英"}).content.decode()
    assert wanted.number in found and "张大山" in found  # the household and its head
    assert other.number not in found and elsewhere.number not in found  # another family, another village
    partial = client.post(search, {"name": "秀英"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="candidates">') and wanted.number in partial
    nobody = client.post(search, {"name": "赵"}).content.decode()
    assert 'id="no-candidates"' in nobody
    response = client.post(f"/portal/declarations/{declared.pk}/link/", {"household": wanted.pk})
    assert response.status_code == 302
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.LINKED and declared.household == wanted
    assert Signal.objects.get(reference=declared.receipt).lead == declared.lead

    # A cadre of another village can neither search nor link it: 404.
    again = declaration(tree.village, sequence=901)
    client.force_login(make_cadre(tree.sibling_village))
    assert client.post(f"/portal/declarations/{again.pk}/search/", {"name": "张"}).status_code == 404
    assert (
        client.post(f"/portal/declarations/{again.pk}/link/", {"household": elsewhere.pk}).status_code == 404
    )


def test_register_the_household_from_the_declaration_and_link_it(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    number = id_number(sequence=41)
    declared = declaration(tree.village, name="马德福", id_number=number, phone="13922223333")
    client.force_login(personas["village_cadre"])
    detail = client.get(f"/portal/declarations/{declared.pk}/").content.decode()
    assert 'id="register-form"' in detail
    url = f"/portal/declarations/{declared.pk}/register/"
    fields = {"household_type": "ordinary", "housing_grade": "C", "labour": "weak", "education": "primary"}
    incomplete = client.post(url, {**fields, "housing_grade": ""})
    assert incomplete.status_code == 200 and not Household.objects.exists()

    # A cadre of another village: 404, nothing registered.
    client.force_login(make_cadre(tree.sibling_village))
    assert client.post(url, fields).status_code == 404
    assert not Household.objects.exists()

    client.force_login(personas["village_cadre"])
    response = client.post(url, {**fields, "village_group": "3社"})
    assert response.status_code == 302
    declared.refresh_from_db()
    home = declared.household
    assert home is not None and declared.status == DeclarationStatus.LINKED
    assert home.village == tree.village and home.housing_grade == "C" and home.village_group == "3社"
    assert home.phone_masked == "139****3333" and home.phone_index == declared.phone_index
    head = Member.objects.get(household=home)
    assert head.name == "马德福" and head.relation == "head" and head.labour == "weak"
    assert head.id_number_index == declared.id_number_index
    assert Signal.objects.get(reference=declared.receipt).lead == declared.lead
    assert case_queue(viewer=personas["village_cadre"], queue="to_visit").get().household == home
    # Registered once: a second click finds it decided, and registers nothing more.
    assert client.post(url, fields).status_code == 200
    assert Household.objects.count() == 1


def test_registering_a_person_already_in_the_archive_leaves_nothing_behind(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    number = id_number(sequence=51)
    county = personas["county_officer"]
    member(county, household(county, tree.other_township_village), number, name="韩梅")
    declared = declaration(tree.village, name="韩梅", id_number=number)
    client.force_login(cadre)
    fields = {"household_type": "ordinary", "housing_grade": "B", "labour": "ordinary", "education": "junior"}
    response = client.post(f"/portal/declarations/{declared.pk}/register/", fields, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "registered elsewhere" in response.content.decode()
    assert Household.objects.filter(village=tree.village).count() == 0
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.UNMATCHED and declared.household is None


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"the roof fell in" * 64


def declare_with(client: Client, tree: Any, photo: Any, **extra: str) -> Any:
    data = form_data(tree.village, id_number(sequence=61), **extra)
    return client.post(
        "/declare/", {**data, "photo": photo}, REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_photo_of_the_hardship_is_kept_sealed_and_shown_only_to_staff(
    client: Client, tree: Any, personas: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    form = client.get("/declare/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input type="file" name="photo"[^>]*accept="image/\*"[^>]*capture="environment"', form)
    response = declare_with(client, tree, SimpleUploadedFile("IMG_0001.jpg", JPEG, content_type="image/jpeg"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="keep-screenshot"' in page and "screenshot" in page
    receipt = receipt_of(response)
    assert receipt[:4] in page
    declared = Declaration.objects.get(receipt=receipt)
    name = declared.photo.name or ""
    assert name.startswith("declarations/") and "IMG_0001" not in name
    on_disk = (tmp_path / name).read_bytes()
    assert not on_disk.startswith(b"\xff\xd8") and b"the roof fell in" not in on_disk  # sealed
    assert (Declaration, "photo") in encrypted_file_fields()  # so key rotation, backups and pruning reach it

    url = f"/portal/declarations/{declared.pk}/photo/"
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    client.force_login(personas["village_cadre"])
    assert url in client.get(f"/portal/declarations/{declared.pk}/").content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg" and shown.content == JPEG
    assert "no-store" in shown["Cache-Control"]
    client.force_login(make_cadre(tree.sibling_village))
    assert client.get(url).status_code == 404


def test_a_file_that_is_not_a_photo_or_too_large_is_refused_and_the_form_kept(
    client: Client, tree: Any, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = declare_with(client, tree, SimpleUploadedFile("bill.jpg", b"MZ\x90\x00 not a picture"))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="photo-error"' in page and "not a photo" in page
    assert 'value="王建国"' in page and 'value="13987654321"' in page and "住院花了很多钱" in page
    assert "checked" in page  # the consent box stays ticked
    assert not Declaration.objects.exists()

    monkeypatch.setattr(services, "PHOTO_LIMIT", 1000)
    large = declare_with(client, tree, SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 2000))
    assert "larger than 10 MB" in large.content.decode() and not Declaration.objects.exists()

    # Another mistake with a good photo: the photo must be chosen again, and the page says so.
    again = declare_with(client, tree, SimpleUploadedFile("a.jpg", JPEG[:500]), phone="12")
    assert 'id="photo-again"' in again.content.decode() and not Declaration.objects.exists()
    assert not list(tmp_path.rglob("*.jpg"))  # nothing written for forms that came back
