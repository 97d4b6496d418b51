"""The village public notice (公示): the households whose identification or risk elimination is in notice.

A public notice is posted on the village board, so it carries the head of household's name, the village group
and the category, and never an ID number, phone, bank account or health detail (DESIGN.md §4). The HTML
preview and the PDF are drawn from one template; the PDF uses the Debian Noto CJK fonts through WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import State
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import Relation
from bottomline.registry.models import Member

NOTICE_TEMPLATE = "monitoring/notice_document.html"


@dataclass(frozen=True)
class Notice:
    """What one village's notice lists: the two kinds of proposal and where to object."""

    village: Region
    township: Region | None
    committee: str  # the village committee that signs it
    office: str  # the township government or the sub-district office
    identification: list[Case]
    elimination: list[Case]
    start: date | None
    end: date | None
    today: date


def committee_name(village: str) -> str:
    """The village's own committee, which signs the notice: 永丰村 → 永丰村村民委员会, 田家寨社区 →
    田家寨社区居民委员会; a name that is already a committee's (the division data's 白石山村村民委员会) stays."""
    if village.endswith(("村民委员会", "居民委员会")):
        return village
    if village.endswith("村委会"):  # 田家寨村委会: the committee of 田家寨村
        return village.removesuffix("委会") + "村民委员会"
    if village.endswith("居委会"):
        return village.removesuffix("居委会") + "居民委员会"
    if village.endswith("社区"):
        return village + "居民委员会"
    return village + "村民委员会"


def township_office(township: str) -> str:
    """Where else to object: a township's or town's government (田家寨镇人民政府), a sub-district's office
    (城关街道办事处: a 街道 has no 人民政府)."""
    if township.endswith(("办事处", "人民政府")):
        return township
    return township + ("办事处" if township.endswith("街道") else "人民政府")


def head_name() -> Subquery:
    """The name of each case's head of household (a subquery, so lists do not grow queries with rows)."""
    heads = Member.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD).order_by("id")
    return Subquery(heads.values("name")[:1])


def notice_village(*, viewer: User, code: str) -> Region:
    """A village of the viewer's region whose notice they may print (village, township and county staff)."""
    gate.require(viewer, Case, "act")
    return gate.access(Region.objects.select_related("parent"), viewer, code=code, level=Level.VILLAGE)


def _in_notice(viewer: User, village: Region, state: State) -> QuerySet[Case]:
    return (
        gate.restrict(Case.objects.select_related("household"), viewer, "act")
        .filter(household__village=village, state=state)
        .annotate(head_name=head_name())
        .order_by("household__village_group", "household__number")
    )


def notice_for(*, viewer: User, village: Region) -> Notice:
    """The cases of ``village`` in public notice now, identification and elimination apart."""
    identification = list(_in_notice(viewer, village, State.NOTICE))
    elimination = list(_in_notice(viewer, village, State.ELIM_NOTICE))
    starts = [c.notice_start for c in (*identification, *elimination) if c.notice_start]
    ends = [c.notice_end for c in (*identification, *elimination) if c.notice_end]
    return Notice(
        village=village,
        township=village.parent,
        committee=committee_name(village.name),
        office=township_office(village.parent.name) if village.parent else "",
        identification=identification,
        elimination=elimination,
        start=min(starts) if starts else None,
        end=max(ends) if ends else None,
        today=timezone.localdate(),
    )


def notice_pdf(*, viewer: User, village: Region) -> bytes:
    """The village's public notice as an A4 PDF with Chinese fonts."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # no type hints; heavy, imported when used

    notice = notice_for(viewer=viewer, village=village)
    html = render_to_string(NOTICE_TEMPLATE, {"notice": notice, "standalone": True})
    return bytes(HTML(string=html).write_pdf() or b"")  # bytes when no target is given
