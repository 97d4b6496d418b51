"""Every test starts in the site's default language (the autouse fixture in conftest.py), whatever the request of
an earlier test on the same worker left active: each of these leaves English active, and the next must not see it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation


@pytest.mark.django_db
@pytest.mark.parametrize("turn", range(4))
def test_a_test_starts_in_the_default_language(turn: int) -> None:
    assert translation.get_language() == settings.LANGUAGE_CODE
    Client().get("/account/login/", headers={"accept-language": "en"})
    assert translation.get_language() == "en"  # what LocaleMiddleware leaves behind on this thread
