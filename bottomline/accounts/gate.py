"""The region gate: the one place that decides who may see or do what, and where.

Every list, detail page, export, dropdown, API endpoint and command reaches data through ``restrict`` (for
querysets) or ``access`` (for one object). A role that may not do an action at all gets 403 (and the denial is
audited); an object outside the user's region subtree does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import connection, models
from django.http import Http404, HttpRequest

from bottomline.accounts.models import Role, User

M = TypeVar("M", bound=models.Model)

STAFF = frozenset(Role)
# Roles that read the archive: everyone with business in the region (system administrators and department
# officers see no personal data; departments reach members only through their feeds).
ARCHIVE_READERS = frozenset(
    {
        Role.VILLAGE_CADRE,
        Role.TOWNSHIP_OFFICER,
        Role.COUNTY_OFFICER,
        Role.PREFECTURE_OFFICER,
        Role.PROVINCE_OFFICER,
        Role.AUDITOR,
    }
)
ARCHIVE_KEEPERS = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER})
# Who keeps a program's own records (workshops, courses, grants): the township and county officers.
PROGRAM_KEEPERS = frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER})


def _archive(region_path: str) -> Rule:
    return Rule(
        {
            "view": ARCHIVE_READERS,
            "add": ARCHIVE_KEEPERS,
            "change": ARCHIVE_KEEPERS,
            "reveal": ARCHIVE_KEEPERS,  # one value at a time, audited and rate-limited
            "import": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
            # the facts a department feed changes (welfare, housing grade, spending, deaths), never the pages
            "feed": frozenset({Role.DEPARTMENT_OFFICER, Role.COUNTY_OFFICER}),
        },
        region_path=region_path,
    )


def _program(region_path: str) -> Rule:
    """A program's ledger: the archive's readers view and export it; township and county officers keep it."""
    return Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": PROGRAM_KEEPERS,
            "import": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path=region_path,
    )


@dataclass(frozen=True)
class Rule:
    """Who may do which action on one model, and how an object finds its region and owner."""

    actions: Mapping[str, frozenset[str]]
    region_path: str | None = None  # lookup to the 12-digit code of the object's region
    owner_path: str | None = None  # lookup to the user who owns the object; owners always see their own
    everywhere: bool = False  # not personal data: every permitted role sees all rows (e.g. policy in force)
    # further lookups to region codes: the object is in the scope of each of these regions too (a relocated
    # household: where it is registered, the village it came from, and the site it lives at)
    also_paths: tuple[str, ...] = ()
    # Actions for which the objects of the regions above the user's are in scope too (a county's insurance
    # policy for its villages' cadres): region_path then names the object's own region, of any level.
    upward: frozenset[str] = frozenset()


RELOCATION_ALSO = ("origin__code", "site__region__code")

RULES: dict[str, Rule] = {
    "regions.region": Rule({"view": STAFF}, region_path="code"),
    "accounts.user": Rule(
        {action: frozenset({Role.SYSADMIN}) for action in ("view", "add", "change", "delete")},
        region_path="region__code",
    ),
    "accounts.apitoken": Rule({"view": STAFF, "add": STAFF, "change": STAFF}, owner_path="user"),
    "jobs.job": Rule({"view": STAFF}, region_path="region__code", owner_path="created_by"),
    "audit.event": Rule({"view": frozenset({Role.AUDITOR})}, region_path="region__code"),
    # The region of the changed object, annotated by audit.selectors.change_list (the actor's when it has none).
    "auditlog.logentry": Rule({"view": frozenset({Role.AUDITOR})}, region_path="region_touched"),
    "registry.household": _archive("village__code"),
    "registry.member": _archive("household__village__code"),
    "registry.incomerecord": _archive("household__village__code"),
    # Program money counted in the income records (registry.programs): written by the program apps' services.
    "registry.programincome": _archive("household__village__code"),
    "registry.membermove": _archive("from_household__village__code"),
    "monitoring.lead": _archive("household__village__code"),
    # Department feeds: department officers upload their department's types for their region, county officers
    # any type for their county; the feeds selectors narrow a department officer to their department's batches.
    "feeds.feedbatch": Rule(
        {
            "view": frozenset(
                {
                    Role.DEPARTMENT_OFFICER,
                    Role.COUNTY_OFFICER,
                    Role.PREFECTURE_OFFICER,
                    Role.PROVINCE_OFFICER,
                    Role.AUDITOR,
                }
            ),
            "add": frozenset({Role.DEPARTMENT_OFFICER, Role.COUNTY_OFFICER}),
        },
        region_path="region__code",
    ),
    "feeds.event": Rule({"view": ARCHIVE_READERS}, region_path="household__village__code"),
    "monitoring.signal": _archive("lead__household__village__code"),
    # Cases: everyone who reads the archive sees them; village, township and county staff act on them, each at
    # the steps the workflow table gives their role (monitoring.workflow).
    "monitoring.case": Rule(
        {"view": ARCHIVE_READERS, "act": ARCHIVE_KEEPERS, "export": ARCHIVE_READERS},
        region_path="household__village__code",
    ),
    "monitoring.step": Rule({"view": ARCHIVE_READERS}, region_path="case__household__village__code"),
    "monitoring.objection": _archive("case__household__village__code"),
    "monitoring.measure": _archive("case__household__village__code"),
    "monitoring.followup": _archive("case__household__village__code"),
    # Self-declarations belong to the village they name; the staff of that village and above see them (numbers
    # masked), and village, township and county staff link or dismiss them, print the village's poster and
    # reveal the declarant's phone to call back (one at a time, audited and limited as the archive's reveals).
    "portal.declaration": Rule(
        {
            "view": ARCHIVE_READERS,
            "change": ARCHIVE_KEEPERS,
            "poster": ARCHIVE_KEEPERS,
            "reveal": ARCHIVE_KEEPERS,
        },
        region_path="village__code",
    ),
    # Industries and benefit linkage (industry): county and township officers keep entities, projects and
    # linkages (a township officer within the township); village cadres, auditors and higher levels view them.
    "industry.entity": _program("region__code"),
    "industry.project": _program("region__code"),
    "industry.linkage": _program("household__village__code"),
    # Workshops and employment, courses and Rain and Dew grants (employment): county and township officers keep
    # workshops, courses and grants; village cadres also record the jobs of their village's members.
    "employment.workshop": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="village__code",
    ),
    "employment.job": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": ARCHIVE_KEEPERS,
            "change": ARCHIVE_KEEPERS,
            "import": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="household__village__code",
    ),
    "employment.course": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS, "change": PROGRAM_KEEPERS},
        region_path="region__code",
    ),
    "employment.trainee": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS, "change": PROGRAM_KEEPERS},
        region_path="household__village__code",
    ),
    "employment.grant": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="household__village__code",
    ),
    # Screening runs belong to the region they screened; county and province officers start them.
    "engine.run": Rule(
        {"view": ARCHIVE_READERS, "add": frozenset({Role.COUNTY_OFFICER, Role.PROVINCE_OFFICER})},
        region_path="region__code",
    ),
    "engine.result": _archive("household__village__code"),
    "engine.current": _archive("household__village__code"),
    # Village PV stations and public-welfare posts (bottomline.pv): county and township officers keep stations,
    # distributions and posts; village cadres read them and record the pay of their village's posts.
    "pv.station": Rule(
        {
            "view": ARCHIVE_READERS,
            "change": PROGRAM_KEEPERS,
            "import": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
        },
        region_path="village__code",
    ),
    "pv.stationmonth": Rule(
        {"view": ARCHIVE_READERS, "change": PROGRAM_KEEPERS}, region_path="station__village__code"
    ),
    "pv.allocation": Rule({"view": ARCHIVE_READERS, "change": PROGRAM_KEEPERS}, region_path="village__code"),
    "pv.post": Rule(
        {
            "view": ARCHIVE_READERS,
            "change": PROGRAM_KEEPERS,
            "pay": ARCHIVE_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="village__code",
    ),
    "pv.assignment": Rule(
        {"view": ARCHIVE_READERS, "change": PROGRAM_KEEPERS}, region_path="post__village__code"
    ),
    "pv.postpay": Rule(
        {"view": ARCHIVE_READERS, "change": ARCHIVE_KEEPERS}, region_path="assignment__post__village__code"
    ),
    # Dashboard figures (counts per village and month, no personal data) for everyone who reads the archive.
    "dashboards.villagemonth": Rule({"view": ARCHIVE_READERS}, region_path="village"),
    "dashboards.regionmonth": Rule({"view": ARCHIVE_READERS}, region_path="code"),
    "dashboards.regionday": Rule({"view": ARCHIVE_READERS}, region_path="code"),
    # Small loans: banks' statements come to the county, whose officers keep and import the loans; township
    # officers record disbursements and repayments within their township; everyone who reads the archive views.
    "loans.loan": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER}),
            "change": frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER}),
            "import": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
            "check": frozenset({Role.COUNTY_OFFICER}),  # the nightly overdue check that raises leads
        },
        region_path="household__village__code",
    ),
    # Anti-poverty insurance: county officers keep the policies and claims (assess, pay, import); township
    # officers record claims within their township; everyone who reads the archive views (a policy also below
    # the region that bought it: its villages' cadres read their county's policy, not its households elsewhere).
    "insurance.policy": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": frozenset({Role.COUNTY_OFFICER}),
            "change": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
        },
        region_path="region__code",
        upward=frozenset({"view", "export"}),
    ),
    "insurance.claim": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": frozenset({Role.COUNTY_OFFICER}),
            "import": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
        },
        region_path="household__village__code",
    ),
    "loans.repayment": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER}),
            "delete": frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER}),  # one entered by mistake
            "import": frozenset({Role.COUNTY_OFFICER}),
        },
        region_path="loan__household__village__code",
    ),
    # Relocation follow-up (relocation): county and township officers keep the sites and the relocated
    # households; village (community) cadres read theirs, assess their stability and record follow-up support.
    # A relocated household is in the scope of the village it is registered in, of its origin village and of
    # its site's region (both ends follow it up: docs/programs.md, "Relocation follow-up").
    "relocation.site": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="region__code",
    ),
    "relocation.relocation": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": PROGRAM_KEEPERS,
            "import": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
            "assess": ARCHIVE_KEEPERS,
            "support": ARCHIVE_KEEPERS,
        },
        region_path="household__village__code",
        also_paths=RELOCATION_ALSO,
    ),
    "relocation.assessment": Rule(
        {"view": ARCHIVE_READERS, "add": ARCHIVE_KEEPERS},
        region_path="relocation__household__village__code",
        also_paths=tuple(f"relocation__{path}" for path in RELOCATION_ALSO),
    ),
    "relocation.support": Rule(
        {"view": ARCHIVE_READERS, "add": ARCHIVE_KEEPERS},
        region_path="relocation__household__village__code",
        also_paths=tuple(f"relocation__{path}" for path in RELOCATION_ALSO),
    ),
    # Project library and bridging funds (projects): county officers keep the library (stages, budgets, money,
    # beneficiaries, assets, allocations, imports); township officers propose projects (申报) in their township;
    # village cadres read their village's projects; higher levels and auditors read. A project's region is its
    # site (the village where it is built).
    "projects.project": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": PROGRAM_KEEPERS,
            "change": frozenset({Role.COUNTY_OFFICER}),
            "import": frozenset({Role.COUNTY_OFFICER}),
            "export": ARCHIVE_READERS,
        },
        region_path="site__code",
    ),
    "projects.disbursement": Rule(
        {"view": ARCHIVE_READERS, "add": frozenset({Role.COUNTY_OFFICER})}, region_path="project__site__code"
    ),
    "projects.beneficiary": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": frozenset({Role.COUNTY_OFFICER}),
            "change": frozenset({Role.COUNTY_OFFICER}),
        },
        region_path="household__village__code",
    ),
    "projects.asset": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": frozenset({Role.COUNTY_OFFICER}),
            "change": frozenset({Role.COUNTY_OFFICER}),
        },
        region_path="project__site__code",
    ),
    "projects.allocation": Rule(
        {"view": ARCHIVE_READERS, "change": frozenset({Role.COUNTY_OFFICER})}, region_path="county__code"
    ),
    # Points supermarkets (points): township and county officers keep the supermarkets, the villages they serve,
    # their rules, goods and stock-taking within their region; village cadres, township and county officers
    # record the points and redemptions of the households of their region; everyone who reads the archive views.
    "points.supermarket": _program("village__code"),
    "points.coverage": Rule(
        {"view": ARCHIVE_READERS, "change": PROGRAM_KEEPERS}, region_path="village__code"
    ),
    "points.rule": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS, "change": PROGRAM_KEEPERS},
        region_path="region__code",
    ),
    "points.goods": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS, "change": PROGRAM_KEEPERS},
        region_path="supermarket__village__code",
    ),
    "points.stockmove": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS}, region_path="goods__supermarket__village__code"
    ),
    "points.account": Rule({"view": ARCHIVE_READERS}, region_path="household__village__code"),
    "points.entry": Rule(
        {
            "view": ARCHIVE_READERS,
            "add": ARCHIVE_KEEPERS,
            "import": PROGRAM_KEEPERS,
            "export": ARCHIVE_READERS,
        },
        region_path="household__village__code",
    ),
    "points.redemption": Rule(
        {"view": ARCHIVE_READERS, "add": ARCHIVE_KEEPERS}, region_path="household__village__code"
    ),
    # Village mutual-aid funds (mutualaid): township and county officers keep the associations, their capital,
    # members and loans in their region; village cadres also record repayments in their village; everyone who
    # reads the archive views.
    "mutualaid.association": _program("village__code"),
    "mutualaid.contribution": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS}, region_path="association__village__code"
    ),
    "mutualaid.membership": Rule(
        {"view": ARCHIVE_READERS, "add": PROGRAM_KEEPERS, "change": PROGRAM_KEEPERS},
        region_path="household__village__code",
    ),
    "mutualaid.loan": _program("household__village__code"),
    "mutualaid.repayment": Rule(
        {"view": ARCHIVE_READERS, "add": ARCHIVE_KEEPERS, "import": PROGRAM_KEEPERS},
        region_path="loan__household__village__code",
    ),
    # Policy in force is public to staff; a value is set by the province or county officer whose region it is.
    "policy.parameter": Rule(
        {"view": STAFF, "change": frozenset({Role.PROVINCE_OFFICER, Role.COUNTY_OFFICER})}, everywhere=True
    ),
    "policy.proposal": Rule(
        {
            "view": frozenset(
                {Role.PROVINCE_OFFICER, Role.COUNTY_OFFICER, Role.PREFECTURE_OFFICER, Role.AUDITOR}
            ),
            "change": frozenset({Role.PROVINCE_OFFICER, Role.COUNTY_OFFICER}),
        },
        region_path="region__code",
    ),
}


def _rule(model: type[models.Model]) -> Rule:
    label = model._meta.label_lower
    try:
        return RULES[label]
    except KeyError:
        raise LookupError(f"{label} has no rule in the region gate") from None


def _staff(user: Any) -> User | None:
    if isinstance(user, User) and user.is_active and user.role:
        return user
    return None


def allowed(user: Any, model: type[models.Model], action: str) -> bool:
    """Whether the user's role may do ``action`` on ``model`` at all (anywhere in their region)."""
    roles = _rule(model).actions.get(action, frozenset())
    staff = _staff(user)
    return staff is not None and staff.role in roles


def require(user: Any, model: type[models.Model], action: str, request: HttpRequest | None = None) -> None:
    """Raise PermissionDenied (audited) unless the user's role may do ``action`` on ``model``."""
    if not allowed(user, model, action):
        deny(user, f"{model._meta.label_lower}:{action}", request)


def deny(user: Any, target: str, request: HttpRequest | None = None) -> NoReturn:
    """Record a permission denial in the audit trail and raise PermissionDenied. Inside a transaction during a
    request the event is written when the request ends: the PermissionDenied rolls the transaction back, and
    the denial would go with it."""
    # The audit app depends on accounts, not the reverse.
    from bottomline.audit.reads import denial_defer
    from bottomline.audit.services import event_record

    event = {"kind": "permission_denied", "user": user, "request": request, "target": target}
    if not (connection.in_atomic_block and denial_defer(**event)):
        event_record(**event)
    raise PermissionDenied


def _above(code: str, level: int) -> list[str]:
    """The codes of the regions above a region (its county, prefecture, … as 12-digit codes)."""
    from bottomline.regions.models import CODE_LENGTH, PREFIX_LENGTH, Level

    return [code[:n].ljust(CODE_LENGTH, "0") for lvl, n in PREFIX_LENGTH.items() if lvl < Level(level)]


def scope_q(user: User, model: type[models.Model], action: str = "view") -> models.Q:
    """The filter that keeps the objects inside the user's region subtree (or owned by them); for a rule's
    ``upward`` actions, the objects of the regions above the user's too."""
    rule = _rule(model)
    if rule.everywhere:
        return models.Q()
    q = models.Q(pk__in=[])
    if rule.region_path is not None:
        low, high = user.region.bounds
        q |= models.Q(**{f"{rule.region_path}__range": (low, high)})
        for path in rule.also_paths:
            q |= models.Q(**{f"{path}__range": (low, high)})
        if action in rule.upward:
            q |= models.Q(**{f"{rule.region_path}__in": _above(user.region.code, user.region.level)})
    if rule.owner_path is not None:
        q |= models.Q(**{rule.owner_path: user})
    return q


def restrict(queryset: models.QuerySet[M], user: Any, action: str = "view") -> models.QuerySet[M]:
    """The part of ``queryset`` the user may act on: nothing for a role without the right."""
    if not allowed(user, queryset.model, action):
        return queryset.none()
    return queryset.filter(scope_q(user, queryset.model, action))


def access(
    queryset: models.QuerySet[M],
    user: Any,
    *,
    action: str = "view",
    request: HttpRequest | None = None,
    **lookup: object,
) -> M:
    """One object (found by ``lookup``) the user may act on: 403 for a role without the right, 404 outside
    their scope."""
    require(user, queryset.model, action, request)
    try:
        return restrict(queryset, user, action).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        from bottomline.audit.reads import outside_note  # the audit app depends on accounts, not the reverse

        outside_note(model=queryset.model, lookup=lookup)  # audited once the request has answered 404
        raise Http404 from None


def staff_of(request: HttpRequest) -> User:
    """The signed-in staff member behind a request (views are wrapped in ``login_required`` first)."""
    user = _staff(request.user)
    if user is None:
        raise PermissionDenied
    return user
