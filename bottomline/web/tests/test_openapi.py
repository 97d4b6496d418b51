"""The published API schema, checked by schemathesis over every operation with a real token: no server
error, no undocumented status, every answer valid against the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bottomline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection() -> Any:
    """As Django's test client does: requests must not close the connection the test's transaction is on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(tree: Any, personas: dict[str, Any], keep_test_connection: None) -> str:
    from bottomline.accounts.services import token_create
    from bottomline.registry.tests.factories import household, id_number, member

    officer = personas["county_officer"]
    home = household(officer, tree.village, phone="13912345678")
    member(officer, home, id_number(sequence=77))
    return token_create(user=officer, name="schemathesis")[1]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_every_operation_conforms(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
def test_unauthenticated_calls_get_the_documented_401() -> None:
    from django.test import Client

    operations = [(m, p, op) for p, ops in schema.raw_schema["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 10
    for method, path, operation in operations:
        assert {"400", "401", "403", "404", "422"} <= set(operation["responses"]), (method, path)
    response = Client().get("/api/v1/accounts/me")
    assert response.status_code == 401 and response.json() == {"detail": "Authentication required"}
