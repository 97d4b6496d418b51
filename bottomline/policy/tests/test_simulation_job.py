"""A proposal's simulation runs as a job, never inside the request, and reads only the proposal's region
(issue #17): the page and the API answer at once with the proposal and its job; the worker fills the simulation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from bottomline.jobs.models import JobStatus
from bottomline.policy.models import Proposal


def _income(actor: Any, household_id: int, wage: str) -> None:
    from bottomline.registry.services import income_record

    income_record(
        actor=actor,
        household_id=household_id,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        wage=Decimal(wage),
    )


@pytest.mark.django_db
def test_the_request_only_queues_the_simulation(
    client: Any,
    tree: Any,
    personas: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    def not_in_the_request(**kwargs: Any) -> Any:
        raise AssertionError("the simulation ran inside the request")

    monkeypatch.setattr("bottomline.engine.simulation.simulate", not_in_the_request)
    call_command("policy_seed")
    client.force_login(personas["province_officer"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/policy/",
            {
                "name": "monitoring_line",
                "value": "7500",
                "effective_from": "2026-01-01",
                "source": "青海 2026 文件",
            },
        )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/policy/proposals/{proposal.pk}/"
    assert proposal.simulation == {}
    assert proposal.job is not None and proposal.job.kind == "policy.simulate"
    assert proposal.job.status == JobStatus.QUEUED and len(queued) == 1
    page = client.get(f"/policy/proposals/{proposal.pk}/")
    assert page.status_code == 200 and f"/jobs/{proposal.job.pk}/".encode() in page.content
    # Not applied before its simulation has been seen.
    from bottomline.policy.services import proposal_decide

    with pytest.raises(ValidationError):
        proposal_decide(actor=personas["province_officer"], proposal_id=proposal.pk, apply=True)


@pytest.mark.django_db(transaction=True)
def test_the_simulation_reads_only_the_proposals_region(
    client: Any, tree: Any, personas: dict[str, Any], monkeypatch: Any
) -> None:
    from bottomline.engine import simulation, snapshot
    from bottomline.registry.tests.factories import household, id_number, member

    call_command("policy_seed")
    cadre = personas["village_cadre"]
    inside = household(cadre, tree.village)
    member(cadre, inside, id_number(sequence=9))
    _income(cadre, inside.pk, "7000")
    county = personas["county_officer"]
    from bottomline.registry.models import Household

    outside = Household.objects.create(village=tree.other_county_village, household_type="lifted")
    read: list[Any] = []
    real = snapshot.read_snapshot

    def spy(households: Any = None) -> Any:
        read.append(None if households is None else set(households))
        return real(households)

    monkeypatch.setattr(simulation, "read_snapshot", spy)
    client.force_login(county)
    client.post(
        "/policy/",
        {
            "name": "monitoring_line",
            "value": "7500",
            "effective_from": "2026-01-01",
            "source": "湟中区 2026 文件",
        },
    )
    proposal = Proposal.objects.get()
    assert proposal.job is not None and proposal.job.status == JobStatus.SUCCEEDED  # the worker ran it
    assert read == [{inside.pk}] and outside.pk not in read[0]
    assert proposal.simulation["households"] == 1
    assert proposal.simulation["entering"] == [
        {"county": "630106", "county_name": "湟中区", "category": 1, "households": 1}
    ]
