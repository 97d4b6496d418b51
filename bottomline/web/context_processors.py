"""What every page needs to draw its navigation: the sections the user's role may open, and the account menu.

Each entry is asked of the gate, so that a link appears only where the page would open and where the role has
work to do there: a village cadre, who may read policy in force and the screening runs of the village, is not
shown the county's tools (policy parameters, screening, background jobs, API tokens)."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event
from bottomline.dashboards.models import VillageMonth
from bottomline.employment.models import Job
from bottomline.engine.models import Run
from bottomline.feeds.models import FeedBatch
from bottomline.industry.models import Entity
from bottomline.insurance.models import Policy
from bottomline.loans.models import Loan
from bottomline.monitoring.models import Case
from bottomline.monitoring.selectors import OVERSEERS
from bottomline.mutualaid.models import Association
from bottomline.points.models import Supermarket
from bottomline.policy.models import Proposal
from bottomline.portal.models import Declaration
from bottomline.projects.models import Project
from bottomline.pv.models import Station
from bottomline.registry.models import Household
from bottomline.relocation.models import Relocation


class Entry(NamedTuple):
    """One link of the navigation: its label, address and icon (a Bootstrap Icons name)."""

    label: str | Promise
    url: str
    icon: str


def _county_tools(user: Any) -> bool:
    """Whether the role works with the county's tools: policy proposals (county, prefecture, province,
    auditor), department feeds (departments) or the users (system administrators)."""
    return (
        gate.allowed(user, Proposal, "view")
        or gate.allowed(user, FeedBatch, "add")
        or gate.allowed(user, User, "view")
    )


def nav_entries(user: Any) -> list[Entry]:
    """The sections of the side (desktop) or collapsed (phone) navigation the user may open."""
    entries = [Entry(_("Home"), reverse("web:home"), "house")]
    if gate.allowed(user, VillageMonth, "view"):
        entries.append(Entry(_("Dashboard"), reverse("dashboards:home"), "bar-chart"))
    if gate.allowed(user, Household, "view"):
        entries.append(Entry(_("Households"), reverse("registry:household_list"), "people"))
    if gate.allowed(user, Case, "view"):
        entries.append(Entry(_("Cases"), reverse("monitoring:case_list"), "clipboard-check"))
    if getattr(user, "role", None) in OVERSEERS:
        entries.append(Entry(_("Oversight"), reverse("monitoring:oversight"), "binoculars"))
    if gate.allowed(user, Declaration, "view"):
        entries.append(Entry(_("Self-declarations"), reverse("portal:declaration_list"), "megaphone"))
    if gate.allowed(user, Entity, "view"):
        entries.append(Entry(_("Industries"), reverse("industry:entity_list"), "shop"))
    if gate.allowed(user, Job, "view"):
        entries.append(Entry(_("Employment and training"), reverse("employment:job_list"), "briefcase"))
    if gate.allowed(user, Station, "view"):
        entries.append(Entry(_("PV stations and posts"), reverse("pv:station_list"), "sun"))
    if gate.allowed(user, Loan, "view"):
        entries.append(Entry(_("Small loans"), reverse("loans:list"), "bank"))
    if gate.allowed(user, Relocation, "view"):
        entries.append(Entry(_("Relocation follow-up"), reverse("relocation:list"), "houses"))
    if gate.allowed(user, Policy, "view"):
        entries.append(Entry(_("Anti-poverty insurance"), reverse("insurance:policy_list"), "shield-check"))
    if gate.allowed(user, Project, "view"):
        entries.append(Entry(_("Project library"), reverse("projects:list"), "kanban"))
    if gate.allowed(user, Supermarket, "view"):
        entries.append(Entry(_("Points supermarkets"), reverse("points:list"), "basket"))
    if gate.allowed(user, Association, "view"):
        entries.append(Entry(_("Mutual-aid funds"), reverse("mutualaid:list"), "people-fill"))
    if gate.allowed(user, Household, "import"):
        entries.append(Entry(_("Import"), reverse("registry:import"), "upload"))
    if gate.allowed(user, Household, "change"):
        entries.append(Entry(_("Income collection"), reverse("registry:income_collection"), "cash-coin"))
    if gate.allowed(user, Household, "export"):
        entries.append(Entry(_("National exchange"), reverse("interop:export"), "arrow-left-right"))
    if gate.allowed(user, Proposal, "view"):
        entries.append(Entry(_("Policy"), reverse("policy:home"), "sliders"))
    if gate.allowed(user, Run, "view") and gate.allowed(user, Proposal, "view"):
        entries.append(Entry(_("Screening"), reverse("engine:runs"), "funnel"))
    if gate.allowed(user, FeedBatch, "view"):
        entries.append(Entry(_("Department feeds"), reverse("feeds:batch_list"), "database"))
    if _county_tools(user):
        entries.append(Entry(_("Jobs"), reverse("jobs:list"), "hourglass-split"))
    if gate.allowed(user, Event, "view"):
        entries.append(Entry(_("Audit trail"), reverse("audit:trail"), "journal-text"))
    if gate.allowed(user, User, "view"):
        entries.append(Entry(_("Users"), reverse("admin:index"), "person-gear"))
    return entries


def account_entries(user: Any) -> list[Entry]:
    """The account menu: the staff member's own password and second factor (and API tokens where used)."""
    entries = [
        Entry(_("Change password"), reverse("accounts:password"), "key"),
        Entry(_("Two-factor authentication"), reverse("two_factor:profile"), "shield-lock"),
    ]
    if _county_tools(user):
        entries.append(Entry(_("API tokens"), reverse("accounts:tokens"), "braces"))
    return entries


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation entries and the account menu for the signed-in user (none before signing in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "account_nav": []}
    return {"nav": nav_entries(user), "account_nav": account_entries(user)}
