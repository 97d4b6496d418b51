"""Dashboard tests read the policy parameters in force (deadlines, the monitoring line)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def policy(tree: Any) -> None:  # after the tree: Qinghai's line names its province
    call_command("policy_seed", stdout=io.StringIO())
