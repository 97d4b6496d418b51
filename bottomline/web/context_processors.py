"""What every page needs to draw its navigation: the sections the user's role may open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event
from bottomline.dashboards.models import VillageMonth
from bottomline.engine.models import Run
from bottomline.feeds.models import FeedBatch
from bottomline.monitoring.models import Case
from bottomline.portal.models import Declaration
from bottomline.registry.models import Household


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation entries, asked of the gate so that a link appears only where the page would open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    entries = [(_("Home"), reverse("web:home"))]
    if gate.allowed(user, VillageMonth, "view"):
        entries.append((_("Dashboard"), reverse("dashboards:home")))
    if gate.allowed(user, Household, "view"):
        entries.append((_("Households"), reverse("registry:household_list")))
    if gate.allowed(user, Case, "view"):
        entries.append((_("Cases"), reverse("monitoring:case_list")))
    if gate.allowed(user, Declaration, "view"):
        entries.append((_("Self-declarations"), reverse("portal:declaration_list")))
    if gate.allowed(user, Household, "import"):
        entries.append((_("Import"), reverse("registry:import")))
    if gate.allowed(user, Household, "change"):
        entries.append((_("Income collection"), reverse("registry:income_collection")))
    if gate.allowed(user, Household, "export"):
        entries.append((_("National exchange"), reverse("interop:export")))
    entries.append((_("Policy"), reverse("policy:home")))
    if gate.allowed(user, Run, "view"):
        entries.append((_("Screening"), reverse("engine:runs")))
    if gate.allowed(user, FeedBatch, "view"):
        entries.append((_("Department feeds"), reverse("feeds:batch_list")))
    entries.append((_("Jobs"), reverse("jobs:list")))
    if gate.allowed(user, Event, "view"):
        entries.append((_("Audit trail"), reverse("audit:trail")))
    if gate.allowed(user, User, "view"):
        entries.append((_("Users"), reverse("admin:index")))
    entries.append((_("API tokens"), reverse("accounts:tokens")))
    entries.append((_("Password"), reverse("accounts:password")))
    return {"nav": entries}
