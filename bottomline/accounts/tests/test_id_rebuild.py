"""Nobody without the reveal right can rebuild an ID number from what they are shown.

For a sample of registered people, every URL of the permission matrix is opened by every role that may not
reveal numbers, in its own scope and another county's; everything answered (HTML, JSON, CSV, XLSX, PDF, error pages) is pooled, as an
attacker who reads it all would. For each person the test then counts the 18-digit numbers consistent with it:
the area code of their village, their sex and their age (assumed known: pages show them), every masked or full
number shown that agrees with theirs, and their birth date or birth month if either appears anywhere. The
count must be at least ``MIN_CANDIDATES``.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.tests import test_permission_matrix as matrix
from bottomline.accounts.tests.test_permission_matrix import TABLE, build_url, request, url_patterns
from bottomline.portal.tests.factories import declaration
from bottomline.registry.models import Member, age_on
from bottomline.registry.tests.factories import household, id_number, member

world = matrix.world  # the matrix's objects of every kind in every scope (a fixture)
MIN_CANDIDATES = 10_000
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"  # the check character for each weighted sum modulo 11 (GB 11643)
AREA = "630106"  # 湟中区, the county of the sample's village (known to anyone who sees the village)
# Birth dates of the sample: far from any date the test world writes (2026), one per person.
SAMPLE = [
    (date(1941, 2, 28), 11),
    (date(1952, 12, 31), 24),
    (date(1960, 1, 1), 137),
    (date(1968, 7, 19), 358),
    (date(1975, 4, 30), 461),
    (date(1983, 9, 9), 572),
    (date(1988, 2, 29), 683),
    (date(1994, 11, 3), 794),
    (date(2001, 5, 17), 805),
    (date(2009, 8, 21), 916),
    (date(2013, 3, 6), 27),
    (date(2016, 10, 12), 998),
]
# The sample lives in the own scope; another county's objects give the refusals and not-found pages.
SCOPES_SEEN = ("own", "other_county")
NUMBER = re.compile(r"(?<![0-9Xx*])[0-9Xx*]{18}(?![0-9Xx*])")


def _fits(pattern: str, at: int, text: str) -> bool:
    return all(pattern[at + i] in ("*", c) for i, c in enumerate(text))


def _weighted(text: str, at: int) -> int:
    return sum(int(c) * w for c, w in zip(text, WEIGHTS[at : at + len(text)], strict=True))


def candidates(*, pattern: str, area: str, days: Iterable[date], sex: str) -> int:
    """How many valid 18-digit numbers fit the pattern (``*`` unknown), the area, a birth day and the sex."""
    if not _fits(pattern, 0, area):
        return 0
    base = _weighted(area, 0)
    by_residue = [0] * 11  # sequences that fit, by their weighted sum modulo 11
    for seq in range(1000):
        digits = f"{seq:03d}"
        if (seq % 2 == 1) == (sex == "M") and _fits(pattern, 14, digits):
            by_residue[_weighted(digits, 14) % 11] += 1
    total = 0
    for day in days:
        ymd = f"{day:%Y%m%d}"
        if not _fits(pattern, 6, ymd):
            continue
        r = base + _weighted(ymd, 6)
        total += sum(n for s, n in enumerate(by_residue) if pattern[17] in ("*", CHECK[(r + s) % 11]))
    return total


def test_the_counter_rebuilds_what_the_old_mask_gave_away() -> None:
    """The counter itself: the old mask with the birth date leaves one number; nothing known leaves many."""
    number = id_number(birth=date(1985, 6, 15), sequence=123)
    old = number[:3] + "*" * 11 + number[-4:]
    assert candidates(pattern=old, area=AREA, days=[date(1985, 6, 15)], sex="M") == 1
    year = [date(1985, 1, 1) + timedelta(days=i) for i in range(365)]
    assert 16_000 < candidates(pattern="*" * 17 + number[-1], area=AREA, days=year, sex="M") < 17_000
    assert candidates(pattern="*" * 18, area=AREA, days=year, sex="M") == 365 * 500


def _pdf_text(pdf: bytes) -> str:
    """The text of a PDF: its streams inflated and the glyph ids of its text operators (WeasyPrint writes glyph
    ids, not characters) read through each font's ToUnicode map in turn; the right reading is among them."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    maps: list[dict[str, str]] = []
    for s in streams:
        if b"begincmap" not in s:
            continue
        glyphs: dict[str, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs[src.decode().upper()] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                width, start = len(lo), int(dst, 16)
                for i, g in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    glyphs[f"{g:0{width}X}"] = chr(start + i)
        maps.append(glyphs)
    runs = []
    for s in streams:
        for shown in re.findall(rb"\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj", s, re.S):
            hexes = re.findall(rb"<([0-9A-Fa-f]*)>", shown[0]) if shown[0] else [shown[1]]
            runs.append("".join(h.decode() for h in hexes).upper())
    return "\n".join(
        "".join(glyphs.get(run[i : i + 4], "") for i in range(0, len(run), 4))
        for glyphs in maps
        for run in runs
    )


def _text(response: Any) -> str:
    """Everything a response shows, as text, whatever its format."""
    body = getattr(response, "content", b"") or b"".join(getattr(response, "streaming_content", []))
    if body.startswith(b"%PDF"):
        return _pdf_text(body)
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            parts = [book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml")]
        return html.unescape(re.sub(r"<[^>]+>", "\n", "\n".join(parts)))
    return html.unescape(body.decode("utf-8", "replace"))


def _birth_shown(seen: str, birth: date) -> tuple[bool, bool]:
    """Whether the birth date, or its year and month, appear anywhere in what was seen."""
    day = (
        f"{birth:%Y-%m-%d}",
        f"{birth:%Y%m%d}",
        f"{birth:%Y/%m/%d}",
        f"{birth:%Y.%m.%d}",
        f"{birth.year}年{birth.month}月{birth.day}日",
        f"{birth:%Y年%m月%d日}",
    )
    month = (f"{birth:%Y-%m}", f"{birth:%Y/%m}", f"{birth.year}年{birth.month}月", f"{birth:%Y年%m月}")
    return any(d in seen for d in day), any(m in seen for m in month)


def _pooled(world: dict[str, Any], personas: dict[str, Any], client: Client) -> Iterator[str]:
    """What every non-revealing role gets from every URL of the matrix, in every scope."""
    blind = {role: user for role, user in personas.items() if not gate.allowed(user, Member, "reveal")}
    assert {"province_officer", "prefecture_officer", "auditor"} <= set(blind)
    for key, pattern, _route in url_patterns():
        spec = TABLE[key]
        for role, user in blind.items():
            for scope in SCOPES_SEEN if spec.kind else (None,):
                kwargs = world["objects"][(spec.kind, scope)] if spec.kind else {}
                url = build_url(key, pattern, kwargs)
                client.logout()
                if spec.api:
                    response = request(client, spec, url, world["tokens"][role], kwargs)
                else:
                    client.force_login(user)
                    response = request(client, spec, url)
                yield _text(response)


@pytest.mark.onedb
@pytest.mark.django_db
def test_no_id_number_can_be_rebuilt_without_the_reveal_right(world: dict[str, Any], client: Client) -> None:
    personas, tree = world["personas"], world["tree"]
    cadre = personas["village_cadre"]
    sample: list[tuple[str, date, str]] = []
    with set_actor(cadre):  # as a page does it: the change log (which auditors read) names the cadre
        home = household(cadre, tree.village)
        for i, (birth, sequence) in enumerate(SAMPLE):
            number = id_number(area=AREA, birth=birth, sequence=sequence)
            member(cadre, home, number, name=f"样本{i}", relation="head" if i == 0 else "other")
            sample.append((number, birth, "M" if sequence % 2 else "F"))
    # A change logged before the mask changed (audit rows are append-only): birth date and last 4 in it.
    old_number, old_birth, _sex = sample[2]
    old_mask = old_number[:3] + "*" * 11 + old_number[-4:]
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Member),
        object_pk=str(Member.objects.get(name="样本2").pk),
        object_repr=f"样本2 {old_mask}",
        action=LogEntry.Action.CREATE,
        changes={"birth_date": ["None", old_birth.isoformat()], "id_number_masked": ["None", old_mask]},
        actor=cadre,
    )
    # A declaration under a sample person's own number, as a neighbour might file it.
    declaration(tree.village, sequence=1, id_number=sample[1][0], name="样本1")

    seen = "\n".join(_pooled(world, personas, client))
    today = timezone.localdate()
    shown = {n.upper() for n in NUMBER.findall(seen)}
    weakest = []
    for number, birth, sex in sample:
        # Every shown form that agrees with this person's number tells its visible characters.
        known = ["*"] * 18
        for form in shown:
            if all(c in ("*", t) for c, t in zip(form, number, strict=True)):
                known = [c if c != "*" else k for c, k in zip(form, known, strict=True)]
        day_shown, month_shown = _birth_shown(seen, birth)
        age = age_on(birth, today)
        span = [today - timedelta(days=d) for d in range(365 * (age + 2))]
        days = [d for d in span if age_on(d, today) == age]
        if month_shown:
            days = [d for d in days if (d.year, d.month) == (birth.year, birth.month)]
        if day_shown:
            days = [birth]
        count = candidates(pattern="".join(known), area=AREA, days=days, sex=sex)
        assert count >= 1, number  # the true number always fits what is known
        weakest.append((count, "".join(known), day_shown, month_shown))
    assert min(weakest)[0] >= MIN_CANDIDATES, sorted(weakest)[:3]
