"""A signed-in request loads its user with their region in one query (the region gate reads it on every page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user
from django.test import Client, RequestFactory

from bottomline.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_session_user_comes_with_their_region(
    personas: dict[str, Any], django_assert_num_queries: Any
) -> None:
    cadre = personas["village_cadre"]
    client = Client()
    client.force_login(cadre)
    request = RequestFactory().get("/")
    request.session = client.session
    with django_assert_num_queries(2):  # the session and the user; not a third for the region
        user = get_user(request)
        assert isinstance(user, User) and user.pk == cadre.pk and user.region.bounds == cadre.region.bounds
