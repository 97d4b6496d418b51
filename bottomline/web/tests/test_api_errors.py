"""Every API error is the documented JSON (issue #17), with DEBUG on or off: a body too large (413), a method
the operation does not take (405), an unexpected error (500 with a reference, never a traceback)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=user, name='errors')[1]}"}


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_the_limit_is_a_json_413(personas: dict[str, Any], settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"feed_type": "housing", "padding": "x" * 5000})
    answer = Client(raise_request_exception=False).post(
        "/api/v1/feeds/uploads",
        body,
        content_type="application/json",
        headers=_bearer(personas["county_officer"]),
    )
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"detail": "Request body too large"}


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_wrong_method_is_json(personas: dict[str, Any], settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    answer = Client().delete("/api/v1/feeds/uploads", headers=_bearer(personas["county_officer"]))
    assert answer.status_code == 405
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"detail": "Method not allowed"}


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_json_with_a_reference(
    personas: dict[str, Any], settings: Any, monkeypatch: Any, debug: bool
) -> None:
    settings.DEBUG = debug

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("bottomline.feeds.selectors.batch_list", broken)
    answer = Client(raise_request_exception=False).get(
        "/api/v1/feeds/batches", headers=_bearer(personas["county_officer"])
    )
    assert answer.status_code == 500
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["detail"] == "Internal server error" and body["reference"]
    assert b"secret detail" not in answer.content and b"Traceback" not in answer.content


@pytest.mark.django_db
def test_too_many_fields_is_a_json_400(personas: dict[str, Any], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    answer = Client(raise_request_exception=False).post(
        "/api/v1/feeds/uploads",
        {f"f{i}": "x" for i in range(20)},
        headers=_bearer(personas["county_officer"]),
    )
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"detail": "Bad request"}
