"""Baseline flags on regions (issue 14 item 8): set by code on the right level only, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bottomline.regions.models import Region


def test_flags_set_on_the_right_level_all_or_nothing(tree: Any) -> None:
    call_command("region_flags", "key_county", "630106")
    call_command("region_flags", "former_poor_village", tree.village.code)
    assert list(Region.objects.filter(key_county=True).values_list("code", flat=True)) == [tree.county.code]
    assert list(Region.objects.filter(former_poor_village=True)) == [tree.village]
    with pytest.raises(CommandError):  # a county is no village: nothing changes
        call_command("region_flags", "former_poor_village", tree.sibling_village.code, tree.county.code)
    assert not Region.objects.get(pk=tree.sibling_village.pk).former_poor_village
    call_command("region_flags", "key_county", "630106", "--clear")
    assert not Region.objects.filter(key_county=True).exists()
