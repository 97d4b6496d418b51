"""A permission denial raised inside a service's transaction is still in the trail: the transaction rolls back,
the denial event does not go with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.audit.models import Event
from bottomline.monitoring.tests.factories import open_case


@pytest.mark.django_db(transaction=True)
def test_a_step_refused_inside_its_transaction_leaves_its_denial(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    case = open_case(personas, tree.village)
    token = token_create(user=personas["township_officer"], name="denied")[1]
    answer = client.post(  # the home visit is the village cadre's step, not the township's
        f"/api/v1/monitoring/cases/{case.pk}/steps",
        {"action": "visit"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    denial = Event.objects.get(kind="permission_denied")
    assert denial.actor == personas["township_officer"]
    assert denial.target == f"monitoring.case:visit@{case.state}"
    assert denial.region == tree.township  # the actor's region, as every denial's
