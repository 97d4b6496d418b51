"""The client's address behind a reverse proxy: lockout, portal limits and the audit see the client, not the
proxy, and nobody else can choose their address by sending X-Forwarded-For."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client

from bottomline.accounts.network import address_resolve, trusted_networks
from bottomline.audit.models import Event, EventKind
from bottomline.portal.models import Declaration
from bottomline.portal.tests.test_portal import declare, form_data
from bottomline.registry.tests.factories import id_number
from conftest import PASSWORD

PROXY = "10.0.0.7"
PROXIES = ["10.0.0.0/24", "fd00::/64"]


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES


def login(client: Client, username: str, password: str, **meta: Any) -> Any:
    return client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
        **meta,
    )


def via_proxy(client_ip: str, *, header: str | None = None) -> dict[str, Any]:
    """What a request from ``client_ip`` looks like through the proxy (which appends the address it saw)."""
    forwarded = f"{header}, {client_ip}" if header else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.0.7", "203.0.113.5", "203.0.113.5"),  # through the proxy
        ("10.0.0.7", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the client's own header is not believed
        ("10.0.0.7", "203.0.113.5, 10.0.0.9", "203.0.113.5"),  # two proxies of ours
        ("10.0.0.7", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # all ours: the farthest
        ("10.0.0.7", "junk, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.7", "203.0.113.5, junk", "10.0.0.7"),  # an unreadable hop: stop at the proxy
        ("10.0.0.7", "", "10.0.0.7"),
        ("198.51.100.2", "203.0.113.5", "198.51.100.2"),  # not a proxy of ours: the header is ignored
        ("::ffff:10.0.0.7", "203.0.113.5", "203.0.113.5"),
        ("fd00::1", "[2001:db8::5]", "2001:db8::5"),
        ("not an address", "203.0.113.5", None),
        (None, None, None),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str | None, forwarded: str | None, expected: str | None, behind_proxy: None
) -> None:
    assert address_resolve(peer=peer, forwarded=forwarded, networks=trusted_networks()) == expected


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert (
        address_resolve(peer="10.0.0.7", forwarded="203.0.113.5", networks=trusted_networks()) == "10.0.0.7"
    )


@pytest.mark.django_db
def test_one_users_failures_behind_the_proxy_lock_out_only_that_client(
    personas: dict[str, Any], behind_proxy: None
) -> None:
    attacker, colleague = Client(), Client()
    for _ in range(5):
        login(attacker, "county_officer", "Wrong-pass-1", **via_proxy("203.0.113.5"))
    assert login(attacker, "auditor", PASSWORD, **via_proxy("203.0.113.5")).status_code == 429
    assert login(colleague, "auditor", PASSWORD, **via_proxy("203.0.113.6")).status_code == 302


@pytest.mark.django_db
def test_a_forged_header_from_outside_does_not_escape_the_lockout(
    personas: dict[str, Any], behind_proxy: None
) -> None:
    attacker = Client()
    for n in range(5):
        login(
            attacker,
            "county_officer",
            "Wrong-pass-1",
            REMOTE_ADDR="198.51.100.2",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}",
        )
    forged = login(attacker, "auditor", PASSWORD, REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="1.1.1.99")
    assert forged.status_code == 429


@pytest.mark.django_db
def test_portal_limits_count_each_client_behind_the_proxy(
    client: Client, tree: Any, behind_proxy: None
) -> None:
    for n in range(6):
        data = form_data(tree.village, id_number(sequence=40 + n), phone=f"1390000{n:04d}")
        response = client.post(
            "/declare/", data, HTTP_ACCEPT_LANGUAGE="en", **via_proxy(f"203.0.113.{n + 1}")
        )
        assert response.status_code == 200, n
    assert Declaration.objects.count() == 6
    for n in range(5):
        data = form_data(tree.village, id_number(sequence=50 + n), phone=f"1390001{n:04d}")
        assert declare(client, data, ip="198.51.100.2").status_code == 200
    forged = form_data(tree.village, id_number(sequence=60), phone="13900029999")
    refused = client.post("/declare/", forged, REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert refused.status_code == 429


@pytest.mark.django_db
def test_the_audit_records_the_client_not_the_proxy(personas: dict[str, Any], behind_proxy: None) -> None:
    staff = Client()
    assert (
        login(staff, "county_officer", PASSWORD, **via_proxy("203.0.113.5", header="6.6.6.6")).status_code
        == 302
    )
    assert Event.objects.get(kind=EventKind.LOGIN).ip == "203.0.113.5"
    staff.force_login(personas["village_cadre"])
    page = staff.post(
        "/account/tokens/", {"name": "reports", "scope": "read", "days": "30"}, **via_proxy("203.0.113.8")
    )
    assert page.status_code == 200
    entry = LogEntry.objects.filter(content_type__model="apitoken").get()
    assert entry.remote_addr == "203.0.113.8"
    outsider = Client()
    outsider.force_login(personas["village_cadre"])
    outsider.post(
        "/account/tokens/",
        {"name": "more", "scope": "read", "days": "30"},
        REMOTE_ADDR="198.51.100.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    forged = LogEntry.objects.filter(content_type__model="apitoken").order_by("-pk").first()
    assert forged is not None and forged.remote_addr == "198.51.100.2"
