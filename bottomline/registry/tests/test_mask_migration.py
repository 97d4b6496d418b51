"""The migrations that cut stored ID masks to the first 3 and the check character (docs/data-model.md)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from bottomline.feeds.models import FeedBatch, UnmatchedRow
from bottomline.portal.models import Declaration
from bottomline.portal.tests.factories import declaration
from bottomline.registry.models import Member
from bottomline.registry.tests.factories import household, id_number, member


@pytest.mark.django_db
def test_old_masks_are_cut_to_the_new_form(personas: dict[str, Any], tree: Any) -> None:
    number, other = id_number(sequence=123), id_number(sequence=456)
    person = member(personas["village_cadre"], household(personas["village_cadre"], tree.village), number)
    declared = declaration(tree.village, id_number=other)
    # As rows written before the change hold them: first 3, last 4.
    Member.objects.filter(pk=person.pk).update(id_number_masked=number[:3] + "*" * 11 + number[-4:])
    Declaration.objects.filter(pk=declared.pk).update(id_number_masked=other[:3] + "*" * 11 + other[-4:])
    batch = FeedBatch.objects.create(
        feed_type="medical_claims",
        department="health_insurance",
        region=tree.county,
        uploaded_by=personas["department_officer"],
        file_sha256="0" * 64,
    )
    unmatched = UnmatchedRow.objects.create(
        batch=batch, key="k", row=2, id_number_masked=other[:3] + "*" * 11 + other[-4:], reason="not_found"
    )
    for migration in (
        "registry.migrations.0003_id_number_mask_check_only",
        "portal.migrations.0003_id_number_mask_check_only",
        "feeds.migrations.0002_id_number_mask_check_only",
    ):
        importlib.import_module(f"bottomline.{migration}").remask(apps, None)
    assert Member.objects.get(pk=person.pk).id_number_masked == number[:3] + "*" * 14 + number[-1]
    assert Declaration.objects.get(pk=declared.pk).id_number_masked == other[:3] + "*" * 14 + other[-1]
    assert UnmatchedRow.objects.get(pk=unmatched.pk).id_number_masked == other[:3] + "*" * 14 + other[-1]
