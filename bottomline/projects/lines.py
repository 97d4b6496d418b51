"""The household page's lines for projects (registry.programs.household_lines_register): the projects that
benefit the household, with their money a year (None: no money)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.projects.models import Beneficiary
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def project_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """One line per project the household benefits from (the projects the viewer may see)."""
    rows = gate.restrict(Beneficiary.objects.filter(household=household), viewer).select_related("project")
    lines: list[ProgramLine] = []
    for b in rows.order_by("project__year", "project__name", "pk"):
        what = _("%(project)s (%(year)d): %(benefit)s") % {
            "project": b.project.name,
            "year": b.project.year,
            "benefit": b.get_benefit_display(),
        }
        lines.append(
            ProgramLine(
                _("Library project"), what, b.amount_per_year, reverse("projects:detail", args=[b.project_id])
            )
        )
    return lines
