"""Corrections of the loan ledger: a loan's terms and borrower corrected (the repayments recorded must still fit),
a repayment entered by mistake removed, both audited, on the pages and behind the gate; the borrower in the API."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.loans.models import Loan, Repayment
from bottomline.loans.services import loan_change, loan_record, repayment_record, repayment_remove
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db

TERMS: dict[str, Any] = {
    "lender": "湟中农商银行",
    "contract": "HZ-9",
    "amount": Decimal(30000),
    "term_months": 12,
    "rate": Decimal("4.00"),
    "subsidy_rate": Decimal("4.00"),
    "purpose": "livestock",
    "disbursed_on": date(2025, 1, 10),
}


@pytest.fixture
def book(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    officer = personas["township_officer"]
    home = household(officer, tree.village)
    head = member(officer, home, id_number(sequence=11))
    son = member(officer, home, id_number(sequence=12), relation="son", name="王小明")
    loan = loan_record(actor=officer, household_id=home.pk, borrower_id=head.pk, **TERMS)
    paid = repayment_record(
        actor=officer, loan_id=loan.pk, on=date(2025, 4, 10), principal=Decimal(10000), interest=Decimal(300)
    )
    return {"home": home, "head": head, "son": son, "loan": loan, "paid": paid, "officer": officer}


def test_corrected_terms_must_still_fit_the_repayments(
    book: dict[str, Any], tree: Any, personas: dict[str, Any]
) -> None:
    officer, loan = book["officer"], book["loan"]
    changed = loan_change(
        actor=officer, loan_id=loan.pk, borrower_id=book["son"].pk, **(TERMS | {"amount": Decimal(20000)})
    )
    assert changed.amount == Decimal("20000") and changed.borrower_id == book["son"].pk
    for wrong, field in (
        ({"amount": Decimal(5000)}, "amount"),  # 10,000 principal repaid already
        ({"disbursed_on": date(2025, 5, 1)}, "disbursed_on"),  # a repayment before it
        (
            {"rate": Decimal("0.50"), "subsidy_rate": Decimal("0.50")},
            "rate",
        ),  # 300 interest is more than asked
        ({"purpose": "wedding"}, "purpose"),
        ({"term_months": 48}, "term_months"),
    ):
        with pytest.raises(ValidationError) as refused:
            loan_change(actor=officer, loan_id=loan.pk, **(TERMS | wrong))
        assert field in refused.value.message_dict, wrong
    other = household(officer, tree.village)
    stranger = member(officer, other, id_number(sequence=13))
    with pytest.raises(ValidationError):
        loan_change(actor=officer, loan_id=loan.pk, borrower_id=stranger.pk, **TERMS)
    loan_record(actor=officer, household_id=other.pk, **(TERMS | {"contract": "HZ-10"}))
    with pytest.raises(ValidationError):
        loan_change(actor=officer, loan_id=loan.pk, **(TERMS | {"contract": "HZ-10"}))
    assert Loan.objects.get(pk=loan.pk).amount == Decimal("20000.00")
    entries = LogEntry.objects.get_for_object(loan).filter(action=LogEntry.Action.UPDATE)
    assert entries.count() == 1 and entries.get().actor == officer
    with pytest.raises(PermissionDenied):  # a cadre reads loans, does not correct them
        loan_change(actor=personas["village_cadre"], loan_id=loan.pk, **TERMS)


def test_a_repayment_entered_by_mistake_is_removed_audited(book: dict[str, Any], personas: dict[str, Any],
                                                          make_user: Any, tree: Any) -> None:  # fmt: skip
    paid = book["paid"]
    outsider = make_user("township_officer", tree.other_township, username="other-township")
    with pytest.raises(Http404):
        repayment_remove(actor=outsider, repayment_id=paid.pk)
    assert repayment_remove(actor=book["officer"], repayment_id=paid.pk) == book["loan"]
    assert not Repayment.objects.exists()
    removed = LogEntry.objects.get(action=LogEntry.Action.DELETE, object_pk=str(paid.pk))
    assert removed.actor == book["officer"] and removed.content_type.model == "repayment"


def test_the_pages_correct_and_remove_and_the_cadre_only_reads(book: dict[str, Any], personas: dict[str, Any],
                                                              client: Client) -> None:  # fmt: skip
    loan, paid = book["loan"], book["paid"]
    client.force_login(book["officer"])
    detail = client.get(f"/loans/{loan.pk}/").content.decode()
    assert f"/loans/{loan.pk}/edit/" in detail and f"/loans/repayments/{paid.pk}/remove/" in detail
    assert "王建国" in detail  # the borrower
    form = client.get(f"/loans/{loan.pk}/edit/").content.decode()
    assert 'name="borrower"' in form and "王小明" in form and 'value="HZ-9"' in form
    posted = {k: str(v) for k, v in TERMS.items()} | {"amount": "25000", "borrower": str(book["son"].pk)}
    assert client.post(f"/loans/{loan.pk}/edit/", posted).status_code == 302
    loan.refresh_from_db()
    assert loan.amount == Decimal("25000.00") and loan.borrower_id == book["son"].pk
    refused = client.post(f"/loans/{loan.pk}/edit/", posted | {"amount": "5000"})
    assert refused.status_code == 200 and Loan.objects.get(pk=loan.pk).amount == Decimal("25000.00")
    assert client.post(f"/loans/repayments/{paid.pk}/remove/").status_code == 302
    assert not Repayment.objects.exists()
    client.force_login(personas["village_cadre"])
    assert client.get(f"/loans/{loan.pk}/edit/").status_code == 403
    assert f"/loans/{loan.pk}/edit/" not in client.get(f"/loans/{loan.pk}/").content.decode()


def test_the_loan_form_takes_the_borrower_once_the_household_is_known(
    book: dict[str, Any], client: Client
) -> None:
    client.force_login(book["officer"])
    blank = client.get("/loans/new/").content.decode()
    assert 'type="hidden" name="borrower"' in blank
    chosen = client.get("/loans/new/", {"household": book["home"].pk}).content.decode()
    assert "<select" in chosen and "王小明" in chosen
    posted = {k: str(v) for k, v in TERMS.items()} | {
        "number": book["home"].number, "contract": "HZ-11", "borrower": str(book["son"].pk),
    }  # fmt: skip
    assert client.post("/loans/new/", posted).status_code == 302
    assert Loan.objects.get(contract="HZ-11").borrower_id == book["son"].pk


def test_the_api_records_and_shows_the_borrower(book: dict[str, Any], client: Client) -> None:
    token = token_create(user=book["officer"], name="t", scope="write")[1]
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    body = {k: str(v) for k, v in TERMS.items()} | {
        "household_id": book["home"].pk, "contract": "HZ-12", "borrower_id": book["son"].pk,
    }  # fmt: skip
    made = client.post(
        "/api/v1/loans/loans", json.dumps(body), content_type="application/json", headers=headers
    )
    assert made.status_code == 201 and made.json()["borrower_id"] == book["son"].pk
    stranger = body | {"contract": "HZ-13", "borrower_id": book["head"].pk + 1000}
    refused = client.post("/api/v1/loans/loans", json.dumps(stranger), content_type="application/json",
                          headers=headers)  # fmt: skip
    assert refused.status_code in (400, 422)
    listed = client.get("/api/v1/loans/loans", headers=headers).json()
    assert {row["contract"]: row["borrower_id"] for row in listed["results"]}["HZ-9"] == book["head"].pk
