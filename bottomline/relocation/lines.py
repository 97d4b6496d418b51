"""The household page's line for relocation (registry.programs.household_lines_register): the site, the year,
the status today and the last support."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts.models import User
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine
from bottomline.relocation.models import Stability, SupportKind
from bottomline.relocation.selectors import last_supports, relocations_visible, statuses


def relocation_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household's relocation, if it was relocated and the viewer may see it (no money: not income)."""
    relocation = relocations_visible(viewer).filter(household=household).select_related("site").first()
    if relocation is None:
        return []
    today = timezone.localdate()
    assessed = statuses([relocation.pk], today).get(relocation.pk)
    supported = last_supports([relocation.pk], today).get(relocation.pk)
    what = _("%(site)s, relocated in %(year)d") % {"site": relocation.site.name, "year": relocation.year}
    if assessed is not None:
        what += "; " + _("%(status)s (assessed %(day)s)") % {
            "status": Stability(assessed.status).label,
            "day": assessed.on.isoformat(),
        }
    else:
        what += "; " + _("not assessed yet")
    if supported is not None:
        what += "; " + _("last support: %(kind)s, %(day)s") % {
            "kind": SupportKind(supported.kind).label,
            "day": supported.on.isoformat(),
        }
    return [
        ProgramLine(_("Relocation follow-up"), what, None, reverse("relocation:detail", args=[relocation.pk]))
    ]
