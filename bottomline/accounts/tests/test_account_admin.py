"""Account management in the admin: the service's rules, no editing one's own role or region, and every change
an audit event that the auditors of the affected account's region see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.models import User
from bottomline.audit.models import Event

NEW_PASSWORD = "Lakeside-walk-2027"


def form_data(response: Any) -> dict[str, Any]:
    """What the admin page's form would send back unchanged, inlines included."""
    data: dict[str, Any] = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if field.disabled or value is None or value is False:
            continue
        data[name] = "on" if value is True else getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, "")
        for sub in inline.formset.forms:
            for name in sub.fields:
                value = sub.initial.get(name)
                if value is not None:
                    data[sub.add_prefix(name)] = getattr(value, "pk", value)
    return data


def change(client: Client, user: User, **changes: Any) -> Any:
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


@pytest.fixture
def admin_client(client: Client, personas: dict[str, Any]) -> Client:
    client.force_login(personas["sysadmin"])
    return client


def add(client: Client, **fields: Any) -> Any:
    data = {
        "username": "newcomer",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "usable_password": "true",
    }
    data.update(fields)
    return client.post("/admin/accounts/user/add/", data)


@pytest.mark.django_db
def test_the_admin_refuses_a_role_that_does_not_fit_the_region(admin_client: Client, tree: Any) -> None:
    refused = add(admin_client, role="county_officer", region=tree.township.pk)
    assert refused.status_code == 200 and "role" in refused.context["adminform"].form.errors
    assert not User.objects.filter(username="newcomer").exists()
    no_department = add(admin_client, role="department_officer", region=tree.county.pk)
    assert no_department.status_code == 200 and not User.objects.filter(username="newcomer").exists()
    done = add(admin_client, role="township_officer", region=tree.township.pk)
    assert done.status_code == 302 and User.objects.get(username="newcomer").region == tree.township


@pytest.mark.django_db
def test_a_province_administrator_cannot_make_a_county_officer_of_the_province(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    client.force_login(make_user("sysadmin", tree.province, username="province-admin"))
    cadre = personas["village_cadre"]
    refused = change(client, cadre, role="county_officer", region=tree.province.pk)
    assert refused.status_code == 200
    cadre.refresh_from_db()
    assert (cadre.role, cadre.region) == ("village_cadre", tree.village)


@pytest.mark.django_db
def test_an_administrator_cannot_change_their_own_role_or_region(
    admin_client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    me = personas["sysadmin"]
    change(admin_client, me, role="county_officer", region=tree.county.pk, first_name="Wang")
    me.refresh_from_db()
    assert (me.role, me.region, me.is_active) == ("sysadmin", tree.county, True)
    change(admin_client, me, is_active="")
    me.refresh_from_db()
    assert me.is_active


@pytest.mark.django_db
def test_every_account_change_is_audited_in_the_accounts_region(
    admin_client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    assert change(admin_client, cadre, region=tree.sibling_village.pk).status_code == 302
    moved = Event.objects.filter(kind="account_changed", target=f"user:{cadre.pk}")
    assert {e.region for e in moved} == {tree.village, tree.sibling_village}  # both regions' auditors see it
    detail = moved.first().detail  # type: ignore[union-attr]
    assert detail["region"] == [tree.village.code, tree.sibling_village.code]
    assert all(e.actor == personas["sysadmin"] for e in moved)

    assert add(admin_client, role="village_cadre", region=tree.other_township_village.pk).status_code == 302
    newcomer = User.objects.get(username="newcomer")
    created = Event.objects.get(kind="account_created", target=f"user:{newcomer.pk}")
    assert created.region == tree.other_township_village and NEW_PASSWORD not in str(created.detail)

    url = f"/admin/accounts/user/{cadre.pk}/password/"
    set_password = admin_client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )
    assert set_password.status_code == 302
    reset = Event.objects.get(kind="password_changed", target=f"user:{cadre.pk}")
    assert reset.region == tree.sibling_village and reset.actor == personas["sysadmin"]

    # The auditor of the county sees all of it; the sysadmin's own region is the county as well, so look from
    # a township auditor's side too: the move into their township is in their trail.
    admin_client.force_login(personas["auditor"])
    trail = admin_client.get("/audit/").content.decode()
    assert trail.count(f"user:{cadre.pk}") >= 3


@pytest.mark.django_db
def test_the_service_refuses_ones_own_role_change_whatever_the_form(
    tree: Any, personas: dict[str, Any]
) -> None:
    from django.core.exceptions import PermissionDenied

    from bottomline.accounts.services import account_save

    me = User.objects.get(pk=personas["sysadmin"].pk)
    me.role = "county_officer"
    with pytest.raises(PermissionDenied):
        account_save(actor=personas["sysadmin"], account=me, request=None)
    me.refresh_from_db()
    assert me.role == "sysadmin"
