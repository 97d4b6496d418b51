"""The village public notice: names, village groups and categories of the households in notice, never their ID
numbers, phones or health; a printable PDF with Chinese fonts; only village, township and county staff in scope."""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.models import Case
from bottomline.monitoring.notices import notice_pdf
from bottomline.monitoring.tests.factories import income_above_line, monitored_case, open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.choices import Health
from bottomline.registry.models import Household, Member
from bottomline.registry.tests.factories import id_number, member

pytestmark = pytest.mark.django_db

ID_NUMBER = id_number(sequence=7)


def in_notice(personas: dict[str, Any], tree: Any) -> tuple[Case, Case, Case]:
    """A case in identification notice (with a sick spouse), one in elimination notice, one still to visit."""
    cadre = personas["village_cadre"]
    proposed = walk(open_case(personas, tree.village, sequence=1), personas, State.NOTICE)
    Household.objects.filter(pk=proposed.household_id).update(village_group="三社")
    member(cadre, proposed.household, ID_NUMBER, name="李秀英", relation="spouse", health="serious")
    leaving = monitored_case(personas, tree.village, months=7, sequence=2)
    Member.objects.filter(household=leaving.household).update(name="张德明")
    income_above_line(personas, leaving)
    leaving = case_step(actor=cadre, case_id=leaving.pk, action="propose_elimination")
    leaving = case_step(actor=cadre, case_id=leaving.pk, action="appraise", given=StepIn(minutes="评议通过"))
    waiting = open_case(personas, tree.village, sequence=3)
    Member.objects.filter(household=waiting.household).update(name="赵无关")
    return proposed, leaving, waiting


def test_the_preview_lists_names_and_nothing_private(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    proposed, leaving, _waiting = in_notice(personas, tree)
    assert leaving.state == State.ELIM_NOTICE
    client.force_login(personas["village_cadre"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("monitoring:notice", args=[tree.village.code]))
    assert page.status_code == 200
    text = page.text.split('id="notice-preview"')[1].split("</article>")[0]  # the notice itself
    identification = text.split('id="notice-identification"')[1].split("</table>")[0]
    elimination = text.split('id="notice-elimination"')[1].split("</table>")[0]
    assert "王建国" in identification and "三社" in identification and "边缘易致贫户" in identification
    assert "张德明" in elimination and "王建国" not in elimination
    assert "赵无关" not in text  # not in notice
    assert "李秀英" not in text  # only the head of household is named
    spouse = Member.objects.get(name="李秀英")
    household = Household.objects.get(pk=proposed.household_id)
    for private in (ID_NUMBER, spouse.id_number_masked, ID_NUMBER[-4:] + "<", "13912345678"):
        assert private not in text
    if household.phone_masked:
        assert household.phone_masked not in text
    for word in ("health", "Health", "健康", "illness", "因病", *[str(label) for label in Health.labels]):
        assert word not in text, word
    assert "village committee" in text and "田家寨镇" in text  # where to object
    assert reverse("monitoring:notice_pdf", args=[tree.village.code]) in page.text


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams hold the font dictionaries) inflated."""
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # an uncompressed or differently filtered stream
    return b"\n".join(parts)


def test_the_pdf_is_a4_with_a_chinese_font(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    in_notice(personas, tree)
    client.force_login(personas["township_officer"])
    answer = client.get(reverse("monitoring:notice_pdf", args=[tree.village.code]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    pdf = answer.content
    assert pdf.startswith(b"%PDF")
    inside = inflated(pdf)
    assert b"NotoSansCJK" in inside or b"NotoSerifCJK" in inside  # the font is embedded, by name
    assert re.search(rb"/MediaBox \[\s*0 0 595\.\d+ 841\.\d+", inside)  # A4: 595 x 842 points
    # The service gives the same document.
    direct = notice_pdf(viewer=personas["county_officer"], village=tree.village)
    assert direct.startswith(b"%PDF")


def test_who_may_open_a_notice(client: Client, tree: Any, personas: dict[str, Any], make_user: Any) -> None:
    url = reverse("monitoring:notice", args=[tree.village.code])
    client.force_login(personas["township_officer"])
    assert client.get(reverse("monitoring:notice", args=[tree.other_county_village.code])).status_code == 404
    assert (
        client.get(reverse("monitoring:notice_pdf", args=[tree.other_county_village.code])).status_code == 404
    )
    assert client.get(reverse("monitoring:notice", args=[tree.township.code])).status_code == 404  # a village
    neighbour = make_user("village_cadre", tree.sibling_village, username="neighbour")
    client.force_login(neighbour)
    assert client.get(url).status_code == 404
    for role in ("auditor", "province_officer", "sysadmin", "department_officer"):
        client.force_login(personas[role])
        assert client.get(url).status_code == 403, role
    client.force_login(personas["county_officer"])
    assert client.get(url).status_code == 200
    # The case page links the household's village notice for those who may print it.
    case = open_case(personas, tree.village)
    page = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert url in page.text
    client.force_login(personas["auditor"])
    assert url not in client.get(reverse("monitoring:case_detail", args=[case.pk])).text


@pytest.mark.parametrize(
    ("village", "committee"),
    [
        ("永丰村", "永丰村村民委员会"),
        ("白石山村村民委员会", "白石山村村民委员会"),
        ("田家寨村委会", "田家寨村村民委员会"),
        ("田家寨社区居民委员会", "田家寨社区居民委员会"),
        ("田家寨社区", "田家寨社区居民委员会"),
    ],
)
def test_the_committee_is_the_village_own(village: str, committee: str) -> None:
    from bottomline.monitoring.notices import committee_name

    assert committee_name(village) == committee


@pytest.mark.parametrize(
    ("township", "office"),
    [("田家寨镇", "田家寨镇人民政府"), ("城关街道", "城关街道办事处"), ("城关街道办事处", "城关街道办事处")],
)
def test_a_sub_district_has_an_office_not_a_government(township: str, office: str) -> None:
    from bottomline.monitoring.notices import township_office

    assert township_office(township) == office


def test_a_community_under_a_sub_district_signs_in_its_own_name(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    from bottomline.regions.models import Region

    Region.objects.filter(pk=tree.township.pk).update(name="鲁沙尔街道")
    Region.objects.filter(pk=tree.village.pk).update(name="田家寨社区居民委员会")
    walk(open_case(personas, tree.village, sequence=1), personas, State.NOTICE)
    client.force_login(personas["village_cadre"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = client.get(reverse("monitoring:notice", args=[tree.village.code])).text
    text = text.split('id="notice-preview"')[1].split("</article>")[0]
    assert "田家寨社区居民委员会" in text and "委员会村民委员会" not in text
    assert "鲁沙尔街道办事处" in text and "街道人民政府" not in text


def test_the_words_of_the_documents() -> None:
    """建档立卡 is kept for registered lifted-out households (农户档案 for all); a case is a 监测户 in its
    identification (识别纳入) or risk elimination (风险消除), never a "监测事项"; relocation is follow-up support."""
    from django.utils import translation

    from bottomline.dashboards.indicators import _ZH_MEASURE
    from bottomline.monitoring.models import MeasureKind

    with translation.override("zh-hans"):
        words = {
            msgid: translation.gettext(msgid)
            for msgid in ("case", "cases", "Case", "Cases", "Monitoring cases", "monitoring.bulk_step")
        }
        assert not [w for w in words.values() if "监测事项" in w], words
        assert words["Case"] == "监测户"
        assert str(MeasureKind.RELOCATION.label) == "易地扶贫搬迁后续扶持"
        assert translation.gettext("Registry (农户档案)") == "农户档案"
    assert _ZH_MEASURE["relocation"] == "易地扶贫搬迁后续扶持"
