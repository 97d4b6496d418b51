"""Property tests: every valid generated ID passes; every corruption of one is caught."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from bottomline.privacy.ids import AreaInfo, IdNumberError, parse_number, parse_resident_id

AREAS = {
    "630000": AreaInfo("青海省", 1949),
    "630106": AreaInfo("湟中区", 2020),
    "630121": AreaInfo("大通回族土族自治县", 1949),
    "520000": AreaInfo("贵州省", 1949),
    "520102": AreaInfo("南明区", 1949),
}
TODAY = date(2026, 11, 22)


def area(code: str) -> AreaInfo | None:
    return AREAS.get(code)


def make_id(area_code: str, birth: date, sequence: int) -> str:
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


valid_ids = st.builds(
    make_id,
    st.sampled_from(["630106", "630121", "520102"]),
    st.dates(min_value=date(1920, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(valid_ids)
def test_every_valid_id_is_accepted_with_birth_date_and_sex(number: str) -> None:
    parsed = parse_resident_id(number, area=area, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.sex == ("M" if int(number[16]) % 2 else "F")


@given(valid_ids, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_digit_is_caught(number: str, position: int, delta: int) -> None:
    digit = str((int(number[position]) + delta) % 10)
    corrupted = number[:position] + digit + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse_resident_id(corrupted, area=area, today=TODAY)


@given(valid_ids, st.integers(min_value=0, max_value=15))
def test_swapping_two_different_neighbours_is_caught(number: str, position: int) -> None:
    assume(number[position] != number[position + 1])
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    with pytest.raises(IdNumberError):
        parse_resident_id(swapped, area=area, today=TODAY)


@given(valid_ids)
def test_dropped_or_extra_characters_are_a_length_error(number: str) -> None:
    for wrong in (number[:-1], number + "1"):
        with pytest.raises(IdNumberError) as caught:
            parse_resident_id(wrong, area=area, today=TODAY)
        assert caught.value.code == "length"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("6.30106E+17", "scientific"),
        (630106199001011234, "not_text"),
        ("630106199001011000", "mangled"),
        ("63010619900101123A", "format"),
        ("630106199002301230", "birth_date"),
    ],
)
def test_spreadsheet_damage_and_bad_dates_are_named(raw: object, code: str) -> None:
    if code == "birth_date":
        raw = make_id("630106", date(1990, 1, 1), 123)[:10] + "0230" + "123"
        raw = raw + ric.calc_check_digit(raw + "0")
    with pytest.raises(IdNumberError) as caught:
        parse_resident_id(raw, area=area, today=TODAY)
    assert caught.value.code == code


def test_a_birth_in_the_future_is_refused() -> None:
    with pytest.raises(IdNumberError):
        parse_resident_id(make_id("630106", TODAY + timedelta(days=1), 1), area=area, today=TODAY)


def test_unknown_province_is_refused_but_unknown_county_in_a_known_province_warns() -> None:
    with pytest.raises(IdNumberError) as caught:
        parse_resident_id(make_id("990101", date(1980, 5, 5), 12), area=area, today=TODAY)
    assert caught.value.code == "area"
    retired = parse_resident_id(make_id("630122", date(1980, 5, 5), 12), area=area, today=TODAY)
    assert retired.warnings and "630122" in retired.warnings[0]


def test_an_area_code_newer_than_the_birth_is_a_warning_not_a_rejection() -> None:
    older = parse_resident_id(make_id("630106", date(1975, 3, 9), 21), area=area, today=TODAY)
    assert len(older.warnings) == 1 and "2020" in older.warnings[0]
    younger = parse_resident_id(make_id("630106", date(2021, 3, 9), 21), area=area, today=TODAY)
    assert younger.warnings == ()


def test_lower_case_x_and_spaces_are_normalised() -> None:
    for sequence in range(1000):
        number = make_id("520102", date(1988, 8, 8), sequence)
        if number.endswith("X"):
            break
    assert (
        parse_resident_id(" " + number[:9] + " " + number[9:].lower(), area=area, today=TODAY).number
        == number
    )


# The fast path (parse_number) against python-stdnum's cn.ric, the reference for format, check digit and
# birth date: on valid numbers, on any 18 characters of digits and X, and on valid numbers with one change.
def stdnum_verdict(number: str) -> tuple[str, date | None]:
    """What cn.ric says: "ok" with the birth date, or which check fails first."""
    if len(number) != 18:
        return "length", None
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "format", None
    if ric.calc_check_digit(number) != number[17]:
        return "checksum", None
    try:
        return "ok", ric.get_birth_date(number)
    except ric.InvalidComponent:
        return "birth_date", None


def fast_verdict(number: str) -> tuple[str, date | None]:
    try:
        parsed = parse_number(number, today=date(9999, 12, 31))
    except IdNumberError as exc:
        return ("checksum" if exc.code == "mangled" else exc.code), None
    assert parsed.sex == ("M" if int(number[16]) % 2 else "F")
    return "ok", parsed.birth_date


def _birth_possible(verdict: tuple[str, date | None]) -> tuple[str, date | None]:
    # parse_number also refuses births before 1890 (a rule of ours, not of stdnum's).
    _code, birth = verdict
    return ("birth_date", None) if birth is not None and birth.year < 1890 else verdict


@given(valid_ids)
def test_the_fast_path_agrees_with_stdnum_on_valid_numbers(number: str) -> None:
    assert fast_verdict(number) == stdnum_verdict(number) == ("ok", ric.get_birth_date(number))


@given(st.text(alphabet="0123456789X", min_size=16, max_size=19))
def test_the_fast_path_agrees_with_stdnum_on_any_digits(number: str) -> None:
    assert fast_verdict(number) == _birth_possible(stdnum_verdict(number))


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_the_fast_path_agrees_with_stdnum_on_corrupted_numbers(number: str, position: int, char: str) -> None:
    corrupted = number[:position] + char + number[position + 1 :]
    assert fast_verdict(corrupted) == _birth_possible(stdnum_verdict(corrupted))


def test_digits_that_are_not_ascii_are_a_format_error() -> None:
    number = make_id("630106", date(1980, 5, 5), 12)
    with pytest.raises(IdNumberError) as caught:
        parse_resident_id(number[:5] + "²" + number[6:], area=area, today=TODAY)
    assert caught.value.code == "format"


@pytest.mark.parametrize("birth", [date(1980, 5, 5), date(1975, 3, 9)])
def test_the_area_warnings_are_in_the_users_language(birth: date) -> None:
    """The warnings are shown to the user as they are (issue 15 item 5): Chinese in zh-Hans, English in en."""
    import re

    from django.utils import translation

    area_code = "630122" if birth.year == 1980 else "630106"
    number = make_id(area_code, birth, 12)
    with translation.override("zh-hans"):
        chinese = parse_resident_id(number, area=area, today=TODAY).warnings
    with translation.override("en"):
        english = parse_resident_id(number, area=area, today=TODAY).warnings
    assert chinese and english
    assert not re.search(r"[A-Za-z]{3,}", chinese[0]), chinese
    assert area_code in chinese[0]
    assert not re.search(r"[\u4e00-\u9fff]", english[0].replace("湟中区", "")), english
