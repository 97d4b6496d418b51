"""API: who am I."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from bottomline.accounts import gate
from bottomline.api import ERRORS

router = Router(tags=["accounts"])


class MeOut(Schema):
    """The caller: role and region."""

    username: str
    role: str
    region_code: str
    region_name: str
    department: str


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The authenticated staff member."""
    user = gate.staff_of(request)
    return MeOut(
        username=user.username,
        role=user.role,
        region_code=user.region.code,
        region_name=user.region.name,
        department=user.department,
    )
