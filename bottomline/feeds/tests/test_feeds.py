"""Department feeds through their stable interfaces: the service, the page, the API and the command."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from bottomline.accounts.models import Department
from bottomline.accounts.services import token_create
from bottomline.engine.services import households_touched
from bottomline.feeds.docs import DOC, doc_render
from bottomline.feeds.models import Event, FeedBatch, UnmatchedRow
from bottomline.feeds.schemas import BY_CODE, FEED_TYPES
from bottomline.feeds.selectors import households_touched_since
from bottomline.feeds.tests.conftest import CHILD_ID, ELSEWHERE_ID, HEAD_ID, NOBODY_ID, Home, filled, load
from bottomline.monitoring.models import Channel, Lead, Signal
from bottomline.registry.models import Household, IncomeRecord, Member, MemberMove

Check = Callable[[Home], None]


def _medical(home: Home) -> None:
    income = IncomeRecord.objects.get(household=home.household)
    assert income.medical_out_of_pocket == Decimal("8500.00")
    assert list(Event.objects.values_list("kind", "occurred_on")) == [("severe_illness", date(2026, 3, 15))]


def _civil(home: Home) -> None:
    assert Household.objects.get(pk=home.household.pk).welfare == "dibao"


def _disability(home: Home) -> None:
    assert Member.objects.get(pk=home.head.pk).disability_grade == 2


def _education(home: Home) -> None:
    assert Member.objects.get(pk=home.child.pk).student_status == "dropped_out"


def _housing(home: Home) -> None:
    assert Household.objects.get(pk=home.household.pk).housing_grade == "D"


def _disaster(home: Home) -> None:
    assert list(Event.objects.values_list("household_id", "kind")) == [(home.household.pk, "disaster")]


def _employment(home: Home) -> None:
    head = Member.objects.get(pk=home.head.pk)
    assert (head.months_worked, head.labour) == (8, "weak")


def _public_security(home: Home) -> None:
    head = Member.objects.get(pk=home.head.pk)
    assert head.household_id is None
    move = MemberMove.objects.get(member=head)
    assert (move.reason, move.from_household_id, move.moved_on) == (
        "death",
        home.household.pk,
        date(2026, 4, 2),
    )
    assert list(Event.objects.values_list("kind", flat=True)) == ["death"]


ROUND_TRIPS: dict[str, tuple[dict[str, str], Check]] = {
    "medical_claims": (
        {
            "id_number": HEAD_ID,
            "claim_number": "YB1",
            "settled_on": "2026-03-15",
            "out_of_pocket": "8500",
            "serious_illness": "是",
        },
        _medical,
    ),
    "civil_affairs": (
        {
            "id_number": HEAD_ID,
            "welfare": "低保",
            "effective_on": "2026/03/01",
        },
        _civil,
    ),
    "disability": (
        {
            "id_number": HEAD_ID,
            "disability_certificate": "是",
            "disability_grade": "2",
            "issued_on": "2026/03/01",
        },
        _disability,
    ),
    "education": (
        {"id_number": CHILD_ID, "status": "辍学", "effective_on": "20260901"},
        _education,
    ),
    "housing": ({"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"}, _housing),
    "disasters": (
        {"id_number": HEAD_ID, "kind": "自然灾害", "occurred_on": "2026-07-12", "loss": "30000"},
        _disaster,
    ),
    "employment": (
        {
            "id_number": HEAD_ID,
            "status": "失业",
            "months_worked": "8",
            "labour": "弱劳动力或半劳动力",
            "changed_on": "2026-06-30",
        },
        _employment,
    ),
    "public_security": (
        {"id_number": HEAD_ID, "change": "死亡", "changed_on": "2026-04-02"},
        _public_security,
    ),
}


def test_every_declared_type_has_a_round_trip() -> None:
    assert set(ROUND_TRIPS) == set(BY_CODE)


@pytest.mark.parametrize("feed_type", sorted(ROUND_TRIPS))
@pytest.mark.django_db
def test_each_feed_type_round_trips_from_its_template(
    feed_type: str, home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    row, check = ROUND_TRIPS[feed_type]
    path = filled(tmp_path, feed_type, [row])
    report = load(path, feed_type, personas["county_officer"])
    assert report.errors == []
    assert (report.applied, report.unmatched, report.households) == (1, 0, 1)
    check(home)
    assert households_touched_since(since=None) == {home.household.pk}
    batch = FeedBatch.objects.get()
    assert households_touched_since(since=batch.committed_at) == {home.household.pk}
    assert households_touched_since(since=batch.committed_at + timedelta(seconds=1)) == set()
    assert home.household.pk in households_touched(batch.committed_at)  # what an incremental run screens
    # The same file again (even after a death took the person out of the archive) adds nothing.
    events, moves = Event.objects.count(), MemberMove.objects.count()
    again = load(path, feed_type, personas["county_officer"])
    assert (again.applied, again.unchanged, again.unmatched, again.batch) == (0, 1, 0, None)
    assert (FeedBatch.objects.count(), Event.objects.count(), MemberMove.objects.count()) == (
        1,
        events,
        moves,
    )
    check(home)


@pytest.mark.django_db
def test_an_xlsx_feed_with_english_headings_loads(
    home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "schools.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, (heading, value) in enumerate(
        [
            ("ID number", CHILD_ID),
            ("enrolment status", "enrolled"),
            ("stage", "junior"),
            ("date of the change", ""),
        ]
    ):
        sheet.write_string(0, c, heading)
        sheet.write_string(1, c, value)
    sheet.write_datetime(1, 3, datetime(2026, 9, 1), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    report = load(path, "education", personas["county_officer"])
    assert (report.errors, report.applied) == ([], 1)
    assert Member.objects.get(pk=home.child.pk).student_status == "junior"


@pytest.mark.django_db
def test_row_errors_give_row_column_and_message_in_both_languages(
    home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    path = filled(
        tmp_path,
        "civil_affairs",
        [
            {"id_number": HEAD_ID, "welfare": "低保", "effective_on": "2026-03-01"},
            {"id_number": "6.30106E+17", "welfare": "低保", "effective_on": "2026-03-01"},
            {"id_number": HEAD_ID, "welfare": "富裕", "effective_on": "三月"},
        ],
    )
    with translation.override("en"):
        en = load(path, "civil_affairs", personas["county_officer"])
    with translation.override("zh-hans"):
        zh = load(path, "civil_affairs", personas["county_officer"])
    assert [(e.row, e.column) for e in en.errors] == [(3, "身份证号码"), (4, "救助类别"), (4, "认定日期")]
    assert [(e.row, e.column) for e in zh.errors] == [(e.row, e.column) for e in en.errors]
    messages_en = [e.message for e in en.errors]
    messages_zh = [e.message for e in zh.errors]
    assert "spreadsheet" in messages_en[0] and "not one of the allowed values" in messages_en[1]
    assert "YYYY-MM-DD" in messages_en[2]
    assert "文本" in messages_zh[0] and "不是允许的取值" in messages_zh[1] and "日期" in messages_zh[2]
    assert FeedBatch.objects.count() == 0
    assert Household.objects.get(pk=home.household.pk).welfare == "none"  # the good first row waited too


@pytest.mark.django_db
def test_a_dry_run_changes_nothing(home: Home, personas: dict[str, Any], tmp_path: Path) -> None:
    path = filled(tmp_path, "housing", [{"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"}])
    report = load(path, "housing", personas["county_officer"], commit=False)
    assert (report.committed, report.applied, report.batch) == (False, 1, None)
    assert Household.objects.get(pk=home.household.pk).housing_grade == "B"
    assert FeedBatch.objects.count() == Lead.objects.count() == 0


@pytest.mark.django_db
def test_uploading_the_same_rows_again_adds_nothing(
    home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    claim = {"id_number": HEAD_ID, "claim_number": "YB1", "settled_on": "2026-03-15", "out_of_pocket": "1000"}
    other = {"id_number": HEAD_ID, "claim_number": "YB2", "settled_on": "2026-04-15", "out_of_pocket": "500"}
    officer = personas["county_officer"]
    first = load(filled(tmp_path, "medical_claims", [claim, claim]), "medical_claims", officer)
    assert (first.applied, first.unchanged) == (1, 1)  # the same claim twice in one file counts once
    again = load(
        filled(tmp_path, "medical_claims", [claim, claim], name="again.csv"), "medical_claims", officer
    )
    assert (again.applied, again.unchanged, again.batch) == (0, 2, None)
    more = load(
        filled(tmp_path, "medical_claims", [other, claim], name="more.csv"), "medical_claims", officer
    )
    assert (more.applied, more.unchanged) == (1, 1)
    assert IncomeRecord.objects.get(household=home.household).medical_out_of_pocket == Decimal("1500.00")
    assert FeedBatch.objects.count() == 2


@pytest.mark.django_db
def test_unmatched_rows_are_reported_masked_and_other_regions_look_like_nobody(
    home: Home, personas: dict[str, Any], tmp_path: Path, client: Client
) -> None:
    officer = personas["department_officer"]  # 医保, 湟中区
    rows = [
        {"id_number": HEAD_ID, "claim_number": "A", "settled_on": "2026-03-15", "out_of_pocket": "10"},
        {
            "id_number": ELSEWHERE_ID,
            "claim_number": "B",
            "settled_on": "2026-03-15",
            "out_of_pocket": "10",
            "name": "李四",
        },
        {
            "id_number": NOBODY_ID,
            "claim_number": "C",
            "settled_on": "2026-03-15",
            "out_of_pocket": "10",
            "name": "张三",
        },
        {"id_number": HEAD_ID, "claim_number": "D", "settled_on": "2025-03-15", "out_of_pocket": "10"},
    ]
    report = load(filled(tmp_path, "medical_claims", rows), "medical_claims", officer)
    # The claim without its income period is applied (its warning) and listed (its amount waits).
    assert (report.applied, report.unmatched) == (2, 3)
    unmatched = list(UnmatchedRow.objects.values_list("row", "id_number_masked", "reason"))
    assert unmatched == [
        (3, ELSEWHERE_ID[:3] + "*" * 14 + ELSEWHERE_ID[-1], "not_found"),
        (4, NOBODY_ID[:3] + "*" * 14 + NOBODY_ID[-1], "not_found"),
        (5, HEAD_ID[:3] + "*" * 14 + HEAD_ID[-1], "no_period"),
    ]
    client.force_login(officer)
    response = client.get(f"/feeds/batches/{report.batch}/unmatched.csv", headers={"Accept-Language": "en"})
    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and ELSEWHERE_ID not in text and NOBODY_ID not in text
    elsewhere, nowhere = (line.split(",") for line in text.splitlines()[1:3])
    assert (elsewhere[2], nowhere[2]) == ("李四", "张三")
    assert elsewhere[3] == nowhere[3] == "nobody registered with this ID number in your region"
    assert "大通" not in text and "630121" not in text.replace(ELSEWHERE_ID[:3], "")
    # Re-uploading reports nothing new.
    again = load(filled(tmp_path, "medical_claims", rows, name="again.csv"), "medical_claims", officer)
    assert (again.applied, again.unchanged, again.unmatched, again.batch) == (0, 2, 2, None)


@pytest.mark.django_db
def test_disability_certificates_come_from_the_disabled_persons_federation_not_civil_affairs(
    home: Home, tree: Any, make_user: Any, tmp_path: Path
) -> None:
    # 残疾证 are issued by 残联 (China Disabled Persons' Federation); 民政 sends only 低保 / 特困.
    assert BY_CODE["disability"].department == Department.DISABLED_PERSONS_FEDERATION
    assert "disability_grade" not in {c.key for c in BY_CODE["civil_affairs"].columns}
    civil = make_user("department_officer", tree.county, username="minzheng", department="civil_affairs")
    federation = make_user(
        "department_officer", tree.county, username="canlian", department="disabled_persons_federation"
    )
    row = {
        "id_number": HEAD_ID,
        "disability_certificate": "是",
        "disability_grade": "2",
        "issued_on": "2026-03-01",
    }
    path = filled(tmp_path, "disability", [row])
    with pytest.raises(PermissionDenied):
        load(path, "disability", civil)
    assert Member.objects.get(pk=home.head.pk).disability_grade is None
    assert load(path, "disability", federation).applied == 1
    assert Member.objects.get(pk=home.head.pk).disability_grade == 2
    with pytest.raises(PermissionDenied):
        load(filled(tmp_path, "civil_affairs", [], name="c.csv"), "civil_affairs", federation)


@pytest.mark.django_db
def test_a_department_officer_sends_only_their_departments_types_and_sees_only_their_region(
    home: Home, personas: dict[str, Any], tmp_path: Path, client: Client, make_user: Any, tree: Any
) -> None:
    officer = personas["department_officer"]  # 医保
    path = filled(tmp_path, "housing", [{"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"}])
    with pytest.raises(PermissionDenied):
        load(path, "housing", officer)
    client.force_login(officer)
    assert client.get("/feeds/templates/housing.csv").status_code == 403
    assert client.get("/feeds/templates/medical_claims.csv").status_code == 200
    with path.open("rb") as handle:
        assert (
            client.post("/feeds/upload/", {"feed_type": "housing", "file": handle}).status_code == 200
        )  # form error
    assert Household.objects.get(pk=home.household.pk).housing_grade == "B"
    # Another county's batch, and another department's batch in the officer's own county: 404.
    far_officer = make_user(
        "department_officer", tree.other_county, username="far", department="health_insurance"
    )
    far = load(
        filled(
            tmp_path,
            "medical_claims",
            [
                {
                    "id_number": ELSEWHERE_ID,
                    "claim_number": "X",
                    "settled_on": "2026-03-15",
                    "out_of_pocket": "1",
                }
            ],
            name="far.csv",
        ),
        "medical_claims",
        far_officer,
    )
    housing = load(path, "housing", personas["county_officer"])
    assert far.batch and housing.batch
    for batch in (far.batch, housing.batch):
        assert client.get(f"/feeds/batches/{batch}/").status_code == 404
        assert client.get(f"/feeds/batches/{batch}/unmatched.csv").status_code == 404
    assert client.get("/feeds/").content.decode().count("/feeds/batches/") == 0
    county = Client()
    county.force_login(personas["county_officer"])
    assert county.get(f"/feeds/batches/{housing.batch}/").status_code == 200
    assert county.get(f"/feeds/batches/{far.batch}/").status_code == 404


@pytest.mark.django_db
def test_a_household_the_feed_puts_at_risk_gets_a_department_lead(
    home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    path = filled(tmp_path, "housing", [{"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"}])
    report = load(path, "housing", personas["county_officer"])
    assert report.leads == 1
    lead = Lead.objects.get(household=home.household)
    signal = Signal.objects.get(lead=lead)
    assert (signal.channel, signal.reference) == (Channel.DEPARTMENT, f"feed:{report.batch}")
    assert signal.detail["en"] and signal.detail["zh"]
    assert any("D" in line for line in signal.detail["en"]) and any(
        "D" in line for line in signal.detail["zh"]
    )
    assert FeedBatch.objects.get().leads == 1
    # A household the feed leaves safe gets none.
    safe = filled(
        tmp_path,
        "employment",
        [{"id_number": CHILD_ID, "status": "就业", "months_worked": "0", "changed_on": "2026-06-30"}],
    )
    Lead.objects.all().update(status="closed")
    housing_back = filled(
        tmp_path,
        "housing",
        [{"id_number": HEAD_ID, "grade": "A", "appraised_on": "2026-06-20"}],
        name="a.csv",
    )
    load(housing_back, "housing", personas["county_officer"])
    assert load(safe, "employment", personas["county_officer"]).leads == 0
    assert Lead.objects.filter(status="open").count() == 0


@pytest.mark.django_db
def test_the_page_the_api_and_the_command_load_through_one_service(
    home: Home,
    personas: dict[str, Any],
    tmp_path: Path,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from bottomline.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path / "media"
    officer = personas["county_officer"]
    client.force_login(officer)
    assert client.get("/feeds/upload/").status_code == 200
    template = client.get("/feeds/templates/disasters.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    path = filled(
        tmp_path, "disasters", [{"id_number": HEAD_ID, "kind": "accident", "occurred_on": "2026-07-12"}]
    )
    with path.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/feeds/upload/", {"feed_type": "disasters", "file": handle, "commit": "1"})
    job = Job.objects.get(kind="feeds.load")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.result["applied"] == 1 and Event.objects.get().kind == "accident"
    assert list((tmp_path / "media" / "feeds").iterdir()) == []  # the upload held ID numbers: deleted
    # The API: a dry run of a housing file.
    _token, raw = token_create(user=officer, name="feeds")
    housing = filled(
        tmp_path, "housing", [{"id_number": HEAD_ID, "grade": "C", "appraised_on": "2026-05-20"}]
    )
    with housing.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            "/api/v1/feeds/uploads",
            {"feed_type": "housing", "file": handle},
            headers={"Authorization": f"Bearer {raw}"},
        )
    assert answer.status_code == 202
    dry = Job.objects.get(pk=answer.json()["job_id"])
    assert (dry.result["applied"], dry.result["committed"]) == (1, False)
    assert Household.objects.get(pk=home.household.pk).housing_grade == "B"
    with housing.open("rb") as handle:
        denied = Client().post(
            "/api/v1/feeds/uploads",
            {"feed_type": "medical_claims", "file": handle},
            headers={"Authorization": f"Bearer {token_create(user=personas['village_cadre'], name='x')[1]}"},
        )
    assert denied.status_code == 403
    batches = Client().get("/api/v1/feeds/batches", headers={"Authorization": f"Bearer {raw}"})
    assert [b["feed_type"] for b in batches.json()] == ["disasters"]
    # The command.
    call_command(
        "feed_load",
        "--type",
        "housing",
        "--file",
        str(housing),
        "--user",
        officer.username,
        "--commit",
        stdout=io.StringIO(),
    )
    assert Household.objects.get(pk=home.household.pk).housing_grade == "C"
    bad = filled(
        tmp_path,
        "housing",
        [{"id_number": HEAD_ID, "grade": "E", "appraised_on": "2026-05-20"}],
        name="bad.csv",
    )
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "feed_load",
            "--type",
            "housing",
            "--file",
            str(bad),
            "--user",
            officer.username,
            "--commit",
            stdout=io.StringIO(),
        )


def test_the_documentation_matches_the_declarations() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert doc_render(text) == text, "run manage.py feed_doc"
    for feed in FEED_TYPES:
        assert f"`{feed.code}`" in text
        for column in feed.columns:
            assert f"| `{column.key}` | {column.zh} | {column.en} |" in text


@pytest.mark.django_db
def test_a_row_the_registry_refuses_while_applying_rolls_the_whole_load_back(
    home: Home, personas: dict[str, Any], tmp_path: Path, make_user: Any, tree: Any, monkeypatch: Any
) -> None:
    from bottomline.feeds import services
    from bottomline.registry.services import RowsRefused
    from bottomline.registry.tests.factories import household, member

    second = household(personas["village_cadre"], tree.village)
    member(personas["village_cadre"], second, NOBODY_ID)
    real = services.households_set  # type: ignore[attr-defined]  # imported there from the registry

    def refuse_the_second(**kwargs: Any) -> Any:
        if second.pk in kwargs["changes"]:  # the registry refuses the second household's change
            raise RowsRefused({second.pk: ["refused"]})
        return real(**kwargs)

    monkeypatch.setattr(services, "households_set", refuse_the_second)
    rows = [
        {"id_number": HEAD_ID, "grade": "D", "appraised_on": "2026-05-20"},
        {"id_number": NOBODY_ID, "grade": "C", "appraised_on": "2026-05-20"},
    ]
    report = load(filled(tmp_path, "housing", rows), "housing", personas["county_officer"])
    assert [(e.row, e.message) for e in report.errors] == [(3, "refused")]
    assert (report.committed, report.batch) == (False, None)
    assert Household.objects.get(pk=home.household.pk).housing_grade == "B"
    assert FeedBatch.objects.count() == Lead.objects.count() == 0


def _claim_household(cadre: Any, village: Any, sequence: int) -> tuple[Household, str]:
    from bottomline.registry.services import income_record
    from bottomline.registry.tests.factories import household, id_number, member

    h = household(cadre, village)
    number = id_number(sequence=sequence)
    member(cadre, h, number, labour="ordinary")
    income_record(
        actor=cadre,
        household_id=h.pk,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        wage=Decimal("30000"),
    )
    return h, number


@pytest.mark.django_db
def test_a_claim_raises_the_same_warning_with_or_without_its_income_period(
    home: Home, personas: dict[str, Any], tree: Any, tmp_path: Path
) -> None:
    """Issue #13: a claim settled this year, before this year's income is recorded, was dropped as unmatched
    and raised nothing, while the same claim dated last year (inside a recorded period) raised a lead."""
    import time_machine

    cadre, officer = personas["village_cadre"], personas["department_officer"]
    last_year, this_year = (
        _claim_household(cadre, tree.village, 41),
        _claim_household(cadre, tree.village, 42),
    )
    rows = [
        {
            "id_number": last_year[1],
            "claim_number": "L",
            "settled_on": "2025-10-15",
            "out_of_pocket": "25000",
        },
        {
            "id_number": this_year[1],
            "claim_number": "T",
            "settled_on": "2026-03-15",
            "out_of_pocket": "25000",
        },
    ]
    with time_machine.travel(datetime(2026, 4, 1, 9), tick=False):
        report = load(filled(tmp_path, "medical_claims", rows), "medical_claims", officer)
    leads = {lead.household_id: lead for lead in Lead.objects.filter(signals__channel=Channel.DEPARTMENT)}
    assert set(leads) == {last_year[0].pk, this_year[0].pk}, report.as_dict()
    assert leads[this_year[0].pk].category == leads[last_year[0].pk].category == 3
    # The claim without its period is still listed, so that its amount is counted once the period exists.
    assert list(UnmatchedRow.objects.values_list("row", "reason")) == [(3, "no_period")]
    assert not IncomeRecord.objects.filter(household=this_year[0], medical_out_of_pocket__gt=0).exists()
    # Once this year's period is recorded, the same file adds the waiting amount, and only that.
    from bottomline.registry.services import income_record

    income_record(
        actor=cadre,
        household_id=this_year[0].pk,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        wage=Decimal("30000"),
    )
    with time_machine.travel(datetime(2026, 4, 2, 9), tick=False):
        again = load(filled(tmp_path, "medical_claims", rows, name="again.csv"), "medical_claims", officer)
    assert (again.applied, again.unchanged, again.unmatched) == (1, 1, 0)
    period = IncomeRecord.objects.get(household=this_year[0], period_start=date(2026, 1, 1))
    assert period.medical_out_of_pocket == Decimal("25000")


@pytest.mark.django_db
def test_future_dated_rows_are_refused_with_a_row_error(
    home: Home, personas: dict[str, Any], tmp_path: Path
) -> None:
    import time_machine

    officer = personas["department_officer"]
    rows = [
        {"id_number": HEAD_ID, "claim_number": "F", "settled_on": "2026-04-02", "out_of_pocket": "10"},
        {"id_number": HEAD_ID, "claim_number": "G", "settled_on": "2026-04-01", "out_of_pocket": "10"},
    ]
    with time_machine.travel(datetime(2026, 4, 1, 9), tick=False), translation.override("en"):
        report = load(filled(tmp_path, "medical_claims", rows), "medical_claims", officer)
    assert [(e.row, e.message) for e in report.errors] == [(2, "A date after today is refused.")]
    assert not report.committed and not Event.objects.exists()
