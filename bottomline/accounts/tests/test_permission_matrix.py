"""Every URL pattern against every role and four scopes: nothing succeeds that should not, and nothing
that should is refused. Objects outside the user's region answer 404.

A new URL pattern fails ``test_every_url_pattern_is_in_the_table`` until it is added to ``TABLE``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from bottomline.accounts.gate import ARCHIVE_KEEPERS, ARCHIVE_READERS, PROGRAM_KEEPERS
from bottomline.accounts.models import Role
from bottomline.accounts.services import token_create
from bottomline.employment.models import Course, Grant, Workshop
from bottomline.employment.models import Job as EmploymentJob
from bottomline.engine.models import Run
from bottomline.feeds.models import FeedBatch
from bottomline.industry.models import Entity, Linkage
from bottomline.insurance.models import Claim as InsuranceClaim
from bottomline.insurance.models import PayoutRule
from bottomline.insurance.models import Policy as InsurancePolicy
from bottomline.jobs.models import Job
from bottomline.jobs.services import worker_beat
from bottomline.loans.models import Loan, Repayment
from bottomline.monitoring.models import Case, Channel, Measure, Objection
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.workflow import State
from bottomline.mutualaid.models import Association, Contribution, Membership
from bottomline.mutualaid.models import Loan as MutualLoan
from bottomline.points.models import Account, Coverage, Entry, Goods, StockMove, Supermarket
from bottomline.policy.models import Proposal, ProposalStatus
from bottomline.portal.models import Attempt, Declaration, DeclarationStatus
from bottomline.portal.tests.factories import declaration
from bottomline.projects.models import Asset, Budget, Project
from bottomline.pv.models import Assignment, Post, Station, StationMonth, StationShare
from bottomline.regions.models import Region
from bottomline.registry.models import IncomeRecord
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.relocation.models import Relocation, Site
from conftest import ROLE_HOME, personas_make, tree_make, user_make

STAFF = frozenset(Role)
NOBODY: frozenset[str] = frozenset()
SYSADMIN = frozenset({Role.SYSADMIN})
AUDITOR = frozenset({Role.AUDITOR})
IMPORTERS = frozenset({Role.COUNTY_OFFICER})
PROPOSAL_DECIDERS = frozenset({Role.PROVINCE_OFFICER, Role.COUNTY_OFFICER})
PROPOSAL_READERS = PROPOSAL_DECIDERS | {Role.PREFECTURE_OFFICER, Role.AUDITOR}
FEED_UPLOADERS = frozenset({Role.DEPARTMENT_OFFICER, Role.COUNTY_OFFICER})
FEED_READERS = FEED_UPLOADERS | {Role.PREFECTURE_OFFICER, Role.PROVINCE_OFFICER, Role.AUDITOR}
OVERSEERS = ARCHIVE_READERS - {Role.VILLAGE_CADRE}
SCREENERS = frozenset({Role.COUNTY_OFFICER, Role.PROVINCE_OFFICER})
LOAN_KEEPERS = frozenset({Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER})
PROJECT_KEEPERS = frozenset({Role.COUNTY_OFFICER})

# Where the object under test lives, relative to the personas (who live in 永丰村 and the regions above it).
SCOPES = ("own", "sibling_village", "other_township", "other_county")
SCOPE_REGION = {
    "own": "village",
    "sibling_village": "sibling_village",
    "other_township": "other_township_village",
    "other_county": "other_county_village",
}
# The scopes each persona's region covers (see ROLE_HOME in conftest.py).
VISIBLE = {
    "village": {"own"},
    "township": {"own", "sibling_village"},
    "county": {"own", "sibling_village", "other_township"},
    "prefecture": set(SCOPES),
    "province": set(SCOPES),
}


@dataclass(frozen=True)
class Spec:
    """Who may use a URL, on which kind of object, with which method."""

    roles: frozenset[str]
    kind: str | None = None  # the object in the URL: region, job, user, token
    method: str = "get"
    public: bool = False  # reachable without signing in
    api: bool = False  # bearer-token API rather than the session
    own_account: bool = False  # a page about the signed-in user's own account: any staff, status may vary
    body: str | None = None  # the JSON body an API call sends: a name in BODIES


TABLE: dict[str, Spec] = {
    "web:home": Spec(STAFF),
    "web:health": Spec(STAFF, public=True),  # for the proxy and monitoring: no personal data
    "two_factor:login": Spec(STAFF, public=True),
    "two_factor:setup": Spec(STAFF, own_account=True),
    "two_factor:qr": Spec(STAFF, own_account=True),
    "two_factor:setup_complete": Spec(STAFF, own_account=True),
    "two_factor:backup_tokens": Spec(STAFF, own_account=True),
    "two_factor:profile": Spec(STAFF, own_account=True),
    "two_factor:disable": Spec(STAFF, own_account=True),
    "accounts:logout": Spec(STAFF, method="post", public=True),
    "accounts:tokens": Spec(STAFF),
    "accounts:password": Spec(STAFF),
    "accounts:enrol": Spec(STAFF),
    # The tokens in the table belong to other accounts: only their region's system administrator revokes them.
    "accounts:token_revoke": Spec(SYSADMIN, kind="token", method="post"),
    "regions:detail": Spec(STAFF, kind="region"),
    "regions:picker": Spec(STAFF),  # the children of the user's own region, through the gate
    "jobs:list": Spec(STAFF),
    "jobs:detail": Spec(STAFF, kind="job"),
    "jobs:progress": Spec(STAFF, kind="job"),
    # Only the user who started a job downloads its file, once; the table's job wrote none, so nobody can here
    # (the owner's download: registry/tests, the export job).
    "jobs:download": Spec(NOBODY, kind="job"),
    "audit:trail": Spec(AUDITOR),
    "audit:export": Spec(AUDITOR),
    "set_language": Spec(STAFF, method="post", public=True),
    "javascript-catalog": Spec(STAFF, public=True),
    "api:openapi-json": Spec(STAFF, public=True),
    "api:openapi-view": Spec(STAFF, public=True),
    "api:api-root": Spec(NOBODY, public=True),  # django-ninja's root: 404 for everyone
    "api:me": Spec(STAFF, api=True),
    "api:region_detail": Spec(STAFF, kind="region", api=True),
    "api:region_children": Spec(STAFF, kind="region", api=True),
    "api:job_detail": Spec(STAFF, kind="job", api=True),
    "admin:index": Spec(SYSADMIN),
    "admin:login": Spec(STAFF, public=True),
    "admin:logout": Spec(STAFF, method="post", public=True),  # signing oneself out is harmless
    "admin:password_change": Spec(SYSADMIN),
    "admin:password_change_done": Spec(SYSADMIN),
    "admin:autocomplete": Spec(NOBODY),  # no autocomplete fields: refused for everyone
    "admin:jsi18n": Spec(SYSADMIN),
    "admin:view_on_site": Spec(NOBODY, kind="user"),  # users have no public page
    "admin:auth_user_password_change": Spec(SYSADMIN, kind="user"),
    "admin:accounts_user_changelist": Spec(SYSADMIN),
    "admin:accounts_user_add": Spec(SYSADMIN),
    "admin:accounts_user_history": Spec(SYSADMIN, kind="user"),
    "admin:accounts_user_delete": Spec(NOBODY, kind="user"),  # accounts are deactivated, never deleted
    "admin:accounts_user_change": Spec(SYSADMIN, kind="user"),
    "admin:accounts_user_enrolment": Spec(SYSADMIN, kind="user", method="post"),
    "admin/accounts/user/<path:object_id>/": Spec(SYSADMIN, kind="user"),
    "admin:app_list": Spec(SYSADMIN),
    "admin/(?P<url>.*)$": Spec(NOBODY),  # the admin's catch-all: 404 for any unknown address
    "registry:household_list": Spec(ARCHIVE_READERS),
    "registry:household_create": Spec(ARCHIVE_KEEPERS),
    "registry:household_export": Spec(ARCHIVE_READERS),
    "registry:household_search": Spec(ARCHIVE_READERS, method="post"),
    "registry:household_detail": Spec(ARCHIVE_READERS, kind="household"),
    "registry:household_edit": Spec(ARCHIVE_KEEPERS, kind="household"),
    "registry:member_create": Spec(ARCHIVE_KEEPERS, kind="household"),
    "registry:household_reveal_phone": Spec(ARCHIVE_KEEPERS, kind="household", method="post"),
    "registry:member_reveal": Spec(ARCHIVE_KEEPERS, kind="member", method="post"),
    "registry:member_edit": Spec(ARCHIVE_KEEPERS, kind="member"),
    "registry:member_correct_id": Spec(ARCHIVE_KEEPERS, kind="member"),
    "registry:member_move": Spec(ARCHIVE_KEEPERS, kind="member"),
    "registry:household_head": Spec(ARCHIVE_KEEPERS, kind="household"),
    "registry:import": Spec(IMPORTERS),
    "registry:import_template": Spec(IMPORTERS, kind="template"),
    "interop:export": Spec(ARCHIVE_READERS),
    "dashboards:baseline": Spec(ARCHIVE_READERS, kind="region"),
    "interop:import": Spec(IMPORTERS),
    "policy:home": Spec(STAFF),
    "policy:proposal": Spec(PROPOSAL_READERS, kind="proposal"),
    "policy:proposal_decide": Spec(PROPOSAL_DECIDERS, kind="proposal", method="post"),
    "feeds:batch_list": Spec(FEED_READERS),
    "feeds:upload": Spec(FEED_UPLOADERS),
    "feeds:template": Spec(FEED_UPLOADERS, kind="template"),  # the persona's department sends medical claims
    "feeds:batch_detail": Spec(FEED_READERS, kind="feed_batch"),
    "feeds:batch_unmatched": Spec(FEED_READERS, kind="feed_batch"),
    "api:feed_types": Spec(FEED_READERS, api=True),
    "api:feed_upload": Spec(FEED_UPLOADERS, method="post", api=True, body="feed"),
    "api:feed_batch_list": Spec(FEED_READERS, api=True),
    "api:feed_batch_detail": Spec(FEED_READERS, kind="feed_batch", api=True),
    "engine:runs": Spec(ARCHIVE_READERS),
    "engine:run": Spec(ARCHIVE_READERS, kind="run"),
    "api:parameters_in_force": Spec(STAFF, api=True),
    "api:parameter_history": Spec(STAFF, api=True),
    "api:proposal_create": Spec(PROPOSAL_DECIDERS, method="post", api=True, body="proposal"),
    "api:proposal_detail": Spec(PROPOSAL_READERS, kind="proposal", api=True),
    "api:proposal_decide": Spec(PROPOSAL_DECIDERS, kind="proposal", method="post", api=True, body="decision"),
    "api:run_start": Spec(SCREENERS, method="post", api=True, body="run"),
    "api:run_list": Spec(ARCHIVE_READERS, api=True),
    "api:run_detail": Spec(ARCHIVE_READERS, kind="run", api=True),
    "api:run_results": Spec(ARCHIVE_READERS, kind="run", api=True),
    "api:household_list": Spec(ARCHIVE_READERS, api=True),
    "api:household_search": Spec(ARCHIVE_READERS, method="post", api=True, body="search"),
    "api:household_create": Spec(ARCHIVE_KEEPERS, kind="region", method="post", api=True, body="household"),
    "api:household_detail": Spec(ARCHIVE_READERS, kind="household", api=True),
    "api:member_create": Spec(ARCHIVE_KEEPERS, kind="household", method="post", api=True, body="member"),
    "api:member_detail": Spec(ARCHIVE_READERS, kind="member", api=True),
    "api:member_reveal": Spec(ARCHIVE_KEEPERS, kind="member", method="post", api=True),
    "api:household_change": Spec(
        ARCHIVE_KEEPERS, kind="household", method="patch", api=True, body="household_change"
    ),
    "api:member_change": Spec(ARCHIVE_KEEPERS, kind="member", method="patch", api=True, body="member_change"),
    # The self-declaration portal: public pages for households, staff pages behind the gate.
    "portal:declare": Spec(STAFF, public=True),
    "portal:picker": Spec(STAFF, public=True),
    "portal:status": Spec(STAFF, public=True),
    "portal:poster": Spec(ARCHIVE_KEEPERS, kind="region"),
    "portal:declaration_list": Spec(ARCHIVE_READERS),
    "portal:declaration_detail": Spec(ARCHIVE_READERS, kind="declaration"),
    "portal:declaration_link": Spec(ARCHIVE_KEEPERS, kind="declaration", method="post"),
    "portal:declaration_dismiss": Spec(ARCHIVE_KEEPERS, kind="declaration", method="post"),
    "portal:declaration_photo": Spec(ARCHIVE_READERS, kind="declaration"),
    "portal:declaration_search": Spec(ARCHIVE_KEEPERS, kind="declaration", method="post"),
    "portal:declaration_register": Spec(ARCHIVE_KEEPERS, kind="declaration", method="post"),
    "portal:declaration_reveal_phone": Spec(ARCHIVE_KEEPERS, kind="declaration", method="post"),
    "api:portal_declaration_list": Spec(ARCHIVE_READERS, api=True),
    "api:portal_declaration_detail": Spec(ARCHIVE_READERS, kind="declaration", api=True),
    "api:portal_declaration_link": Spec(
        ARCHIVE_KEEPERS, kind="declaration", method="post", api=True, body="link"
    ),
    "api:portal_declaration_dismiss": Spec(
        ARCHIVE_KEEPERS, kind="declaration", method="post", api=True, body="dismiss"
    ),
    "api:portal_poster_pdf": Spec(ARCHIVE_KEEPERS, kind="region", api=True),
    # The public API of the portal answers without a token (a token changes nothing).
    "api:portal_public_declare": Spec(STAFF, method="post", public=True, api=True, body="declaration"),
    "api:portal_public_status": Spec(STAFF, method="post", public=True, api=True, body="receipt"),
    "api:queue_list": Spec(ARCHIVE_READERS, api=True),
    "api:case_list": Spec(ARCHIVE_READERS, api=True),
    "api:case_detail": Spec(ARCHIVE_READERS, kind="case", api=True),
    "api:case_as_of": Spec(ARCHIVE_READERS, kind="case", api=True),
    "api:monitoring_lead_list": Spec(ARCHIVE_READERS, api=True),
    # The home visit is the village cadre's step (monitoring.workflow); township and county are refused.
    "api:case_step": Spec(frozenset({Role.VILLAGE_CADRE}), kind="case", method="post", api=True, body="step"),
    "api:objection_create": Spec(
        ARCHIVE_KEEPERS, kind="notice_case", method="post", api=True, body="objection"
    ),
    "api:objection_resolve": Spec(
        ARCHIVE_KEEPERS, kind="objection", method="post", api=True, body="resolution"
    ),
    "api:measure_create": Spec(
        ARCHIVE_KEEPERS, kind="monitored_case", method="post", api=True, body="measure"
    ),
    "api:measure_update": Spec(
        ARCHIVE_KEEPERS, kind="measure", method="patch", api=True, body="measure_change"
    ),
    "api:followup_create": Spec(
        ARCHIVE_KEEPERS, kind="monitored_case", method="post", api=True, body="followup"
    ),
    "api:bulk_step": Spec(ARCHIVE_KEEPERS, method="post", api=True, body="bulk"),
    "monitoring:report_risk": Spec(ARCHIVE_KEEPERS, kind="household"),
    # The income collection (registry.incomes): the collection view opens the user's first village.
    "registry:household_incomes": Spec(ARCHIVE_READERS, kind="household"),
    "registry:income_edit": Spec(ARCHIVE_KEEPERS, kind="income"),
    "registry:income_collection": Spec(ARCHIVE_KEEPERS),
    "registry:income_import": Spec(IMPORTERS),
    "registry:income_import_template": Spec(IMPORTERS, kind="template"),
    "api:income_list": Spec(ARCHIVE_READERS, kind="household", api=True),
    "api:income_create": Spec(ARCHIVE_KEEPERS, kind="household", method="post", api=True, body="income"),
    "api:income_update": Spec(ARCHIVE_KEEPERS, kind="income", method="patch", api=True, body="income_change"),
    "api:household_report_risk": Spec(
        ARCHIVE_KEEPERS, kind="household", method="post", api=True, body="risk_report"
    ),
    # The case pages (monitoring.views): the home visit is the village cadre's step; a measure's evidence is
    # served only through the gated file view.
    "monitoring:case_list": Spec(ARCHIVE_READERS),
    "monitoring:oversight": Spec(OVERSEERS),
    "monitoring:oversight_village": Spec(OVERSEERS, kind="region"),
    "monitoring:case_bulk": Spec(ARCHIVE_KEEPERS, method="post"),
    "monitoring:case_detail": Spec(ARCHIVE_READERS, kind="case"),
    "monitoring:case_step": Spec(frozenset({Role.VILLAGE_CADRE}), kind="case", method="post"),
    "monitoring:objection_add": Spec(ARCHIVE_KEEPERS, kind="notice_case", method="post"),
    "monitoring:objection_resolve": Spec(ARCHIVE_KEEPERS, kind="objection", method="post"),
    "monitoring:measure_add": Spec(ARCHIVE_KEEPERS, kind="monitored_case", method="post"),
    "monitoring:measure_update": Spec(ARCHIVE_KEEPERS, kind="measure", method="post"),
    "monitoring:followup_add": Spec(ARCHIVE_KEEPERS, kind="monitored_case", method="post"),
    "monitoring:case_file": Spec(ARCHIVE_READERS, kind="case_file"),
    "monitoring:notice": Spec(ARCHIVE_KEEPERS, kind="region"),
    "monitoring:notice_pdf": Spec(ARCHIVE_KEEPERS, kind="region"),
    "api:monitoring_notice_pdf": Spec(ARCHIVE_KEEPERS, kind="region", api=True),
    # The dashboards: figures of the user's region and below (a village cadre cannot open the county: 404).
    "dashboards:home": Spec(ARCHIVE_READERS),
    "dashboards:indicators": Spec(ARCHIVE_READERS),
    "dashboards:region": Spec(ARCHIVE_READERS, kind="region"),
    "dashboards:export": Spec(ARCHIVE_READERS, kind="region"),
    "dashboards:briefing": Spec(ARCHIVE_READERS, kind="region"),
    # The households behind a figure, and their export (issue #15 item 8): the same readers, the same scope.
    "dashboards:drill": Spec(ARCHIVE_READERS, kind="region"),
    "dashboards:drill_export": Spec(ARCHIVE_READERS, kind="region"),
    # Industries and benefit linkage: township and county officers keep them, the archive's readers view them.
    "industry:entity_list": Spec(ARCHIVE_READERS),
    "industry:entity_add": Spec(PROGRAM_KEEPERS),
    "industry:entity_detail": Spec(ARCHIVE_READERS, kind="entity"),
    "industry:entity_edit": Spec(PROGRAM_KEEPERS, kind="entity"),
    "industry:project_add": Spec(PROGRAM_KEEPERS, kind="entity"),
    "industry:project_list": Spec(ARCHIVE_READERS),
    "industry:household": Spec(ARCHIVE_READERS, kind="household"),
    "industry:linkage_end": Spec(PROGRAM_KEEPERS, kind="linkage", method="post"),
    "industry:linkage_change": Spec(PROGRAM_KEEPERS, kind="linkage"),
    "industry:linkage_export": Spec(ARCHIVE_READERS),
    "industry:linkage_import": Spec(PROGRAM_KEEPERS),
    "industry:linkage_import_template": Spec(PROGRAM_KEEPERS, kind="template"),
    "api:industry_entity_list": Spec(ARCHIVE_READERS, api=True),
    "api:industry_entity_detail": Spec(ARCHIVE_READERS, kind="entity", api=True),
    "api:industry_entity_add": Spec(PROGRAM_KEEPERS, method="post", api=True, body="entity"),
    "api:industry_project_list": Spec(ARCHIVE_READERS, kind="entity", api=True),
    "api:industry_project_add": Spec(PROGRAM_KEEPERS, kind="entity", method="post", api=True, body="project"),
    "api:industry_household_linkages": Spec(ARCHIVE_READERS, kind="household", api=True),
    "api:industry_linkage_add": Spec(
        PROGRAM_KEEPERS, kind="household", method="post", api=True, body="linkage"
    ),
    "api:industry_linkage_end": Spec(
        PROGRAM_KEEPERS, kind="linkage", method="post", api=True, body="linkage_end"
    ),
    # Workshops and employment, courses and grants (employment): officers keep workshops, courses and grants;
    # cadres also record jobs; the import is the officers'.
    "employment:workshop_list": Spec(ARCHIVE_READERS),
    "employment:workshop_create": Spec(PROGRAM_KEEPERS),
    "employment:workshop_detail": Spec(ARCHIVE_READERS, kind="workshop"),
    "employment:workshop_edit": Spec(PROGRAM_KEEPERS, kind="workshop"),
    "employment:job_list": Spec(ARCHIVE_READERS),
    "employment:job_edit": Spec(ARCHIVE_KEEPERS, kind="employment_job"),
    "employment:job_import": Spec(PROGRAM_KEEPERS),
    "employment:job_import_template": Spec(PROGRAM_KEEPERS, kind="template"),
    "employment:export": Spec(ARCHIVE_READERS),
    "employment:household": Spec(ARCHIVE_READERS, kind="household"),
    "employment:job_create": Spec(ARCHIVE_KEEPERS, kind="household"),
    "employment:grant_create": Spec(PROGRAM_KEEPERS, kind="household"),
    "employment:trainee_add": Spec(PROGRAM_KEEPERS, kind="household", method="post"),
    "employment:course_list": Spec(ARCHIVE_READERS),
    "employment:course_create": Spec(PROGRAM_KEEPERS),
    "employment:course_detail": Spec(ARCHIVE_READERS, kind="course"),
    "employment:course_edit": Spec(PROGRAM_KEEPERS, kind="course"),
    "employment:grant_list": Spec(ARCHIVE_READERS),
    "employment:grant_edit": Spec(PROGRAM_KEEPERS, kind="grant"),
    "api:employment_workshop_list": Spec(ARCHIVE_READERS, api=True),
    "api:employment_job_list": Spec(ARCHIVE_READERS, api=True),
    "api:employment_job_create": Spec(ARCHIVE_KEEPERS, kind="member", method="post", api=True, body="job"),
    "api:employment_job_update": Spec(
        ARCHIVE_KEEPERS, kind="employment_job", method="patch", api=True, body="job"
    ),
    "api:employment_transfer_counts": Spec(ARCHIVE_READERS, api=True),
    "api:employment_course_list": Spec(ARCHIVE_READERS, api=True),
    "api:employment_grant_list": Spec(ARCHIVE_READERS, api=True),
    "api:employment_grant_create": Spec(
        PROGRAM_KEEPERS, kind="member", method="post", api=True, body="grant"
    ),
    # Village PV stations and public-welfare posts (bottomline.pv): county and township officers keep them, village
    # cadres read them and record the pay of their village's posts.
    "pv:station_list": Spec(ARCHIVE_READERS),
    "pv:station_create": Spec(PROGRAM_KEEPERS),
    "pv:station_export": Spec(ARCHIVE_READERS),
    "pv:station_detail": Spec(ARCHIVE_READERS, kind="pv_station"),
    "pv:station_month": Spec(PROGRAM_KEEPERS, kind="pv_station"),
    "pv:station_change": Spec(PROGRAM_KEEPERS, kind="pv_station"),
    "pv:import": Spec(IMPORTERS),
    "pv:import_template": Spec(IMPORTERS, kind="template"),
    "pv:distribution_list": Spec(ARCHIVE_READERS),
    "pv:distribution": Spec(ARCHIVE_READERS, kind="pv_village_year"),
    "pv:post_list": Spec(ARCHIVE_READERS),
    "pv:post_create": Spec(PROGRAM_KEEPERS),
    "pv:post_export": Spec(ARCHIVE_READERS),
    "pv:post_detail": Spec(ARCHIVE_READERS, kind="pv_post"),
    "pv:post_assign": Spec(PROGRAM_KEEPERS, kind="pv_post"),
    "pv:post_pay": Spec(ARCHIVE_KEEPERS, kind="pv_post"),
    # ends a holder's term (the matrix posts no date: the page says so and goes back to the post)
    "pv:assignment_end": Spec(PROGRAM_KEEPERS, kind="pv_holder", method="post"),
    "api:pv_station_list": Spec(ARCHIVE_READERS, api=True),
    "api:pv_station_detail": Spec(ARCHIVE_READERS, kind="pv_station", api=True),
    "api:pv_station_month": Spec(
        PROGRAM_KEEPERS, kind="pv_station", method="post", api=True, body="pv_month"
    ),
    "api:pv_distribution": Spec(ARCHIVE_READERS, kind="pv_village_year", api=True),
    "api:pv_allocation_create": Spec(
        PROGRAM_KEEPERS, kind="pv_village_year", method="post", api=True, body="pv_allocation"
    ),
    "api:pv_post_list": Spec(ARCHIVE_READERS, api=True),
    "api:pv_post_pay": Spec(ARCHIVE_KEEPERS, kind="pv_post", method="post", api=True, body="pv_pay"),
    # Small loans (loans): county officers import the banks' statements; township and county officers record.
    "loans:list": Spec(ARCHIVE_READERS),
    "loans:create": Spec(LOAN_KEEPERS),
    "loans:export": Spec(ARCHIVE_READERS),
    "loans:import": Spec(IMPORTERS),
    "loans:import_template": Spec(IMPORTERS, kind="template"),
    "loans:detail": Spec(ARCHIVE_READERS, kind="loan"),
    "loans:repay": Spec(LOAN_KEEPERS, kind="loan", method="post"),
    "loans:change": Spec(LOAN_KEEPERS, kind="loan"),
    "loans:repayment_remove": Spec(LOAN_KEEPERS, kind="loan_repayment", method="post"),
    "api:loans_list": Spec(ARCHIVE_READERS, api=True),
    "api:loans_rates": Spec(ARCHIVE_READERS, api=True),
    "api:loans_detail": Spec(ARCHIVE_READERS, kind="loan", api=True),
    "api:loans_create": Spec(LOAN_KEEPERS, kind="household", method="post", api=True, body="loan"),
    "api:loans_repay": Spec(LOAN_KEEPERS, kind="loan", method="post", api=True, body="repayment"),
    # Relocation follow-up (relocation): township and county officers keep sites and relocated households;
    # village cadres (and the keepers) assess stability and record follow-up support; the readers read.
    "relocation:list": Spec(ARCHIVE_READERS),
    "relocation:create": Spec(PROGRAM_KEEPERS),
    "relocation:export": Spec(ARCHIVE_READERS),
    "relocation:import": Spec(PROGRAM_KEEPERS),
    "relocation:import_template": Spec(PROGRAM_KEEPERS, kind="template"),
    "relocation:detail": Spec(ARCHIVE_READERS, kind="relocation"),
    "relocation:assess": Spec(ARCHIVE_KEEPERS, kind="relocation", method="post"),
    "relocation:support": Spec(ARCHIVE_KEEPERS, kind="relocation", method="post"),
    "relocation:site_list": Spec(ARCHIVE_READERS),
    "relocation:site_create": Spec(PROGRAM_KEEPERS),
    "relocation:site_detail": Spec(ARCHIVE_READERS, kind="site"),
    "relocation:site_edit": Spec(PROGRAM_KEEPERS, kind="site"),
    "api:relocation_sites_list": Spec(ARCHIVE_READERS, api=True),
    "api:relocation_sites_detail": Spec(ARCHIVE_READERS, kind="site", api=True),
    "api:relocation_sites_create": Spec(PROGRAM_KEEPERS, method="post", api=True, body="site"),
    "api:relocations_list": Spec(ARCHIVE_READERS, api=True),
    "api:relocations_detail": Spec(ARCHIVE_READERS, kind="relocation", api=True),
    "api:relocations_create": Spec(
        PROGRAM_KEEPERS, kind="household", method="post", api=True, body="relocation"
    ),
    "api:relocations_assess": Spec(
        ARCHIVE_KEEPERS, kind="relocation", method="post", api=True, body="assessment"
    ),
    "api:relocations_support": Spec(
        ARCHIVE_KEEPERS, kind="relocation", method="post", api=True, body="support"
    ),
    # Anti-poverty insurance (insurance): county officers keep policies and claims (assess, pay, import);
    # township officers record claims in their township. A policy is read below the region that bought it (the
    # matrix's policies belong to the scopes' villages, so the scopes are the usual ones).
    "insurance:policy_list": Spec(ARCHIVE_READERS),
    "insurance:policy_create": Spec(IMPORTERS),
    "insurance:policy_detail": Spec(ARCHIVE_READERS, kind="insurance_policy"),
    "insurance:policy_propose": Spec(IMPORTERS, kind="insurance_policy", method="post"),
    "insurance:claim_list": Spec(ARCHIVE_READERS),
    "insurance:claim_create": Spec(PROGRAM_KEEPERS),
    "insurance:claim_export": Spec(ARCHIVE_READERS),
    "insurance:claim_import": Spec(IMPORTERS),
    "insurance:claim_import_template": Spec(IMPORTERS, kind="template"),
    "insurance:claim_detail": Spec(ARCHIVE_READERS, kind="insurance_claim"),
    # the matrix posts no form: the claim's page shows the form's errors to who may act
    "insurance:claim_assess": Spec(IMPORTERS, kind="insurance_claim", method="post"),
    "insurance:claim_pay": Spec(IMPORTERS, kind="insurance_claim", method="post"),
    "insurance:claim_withdraw": Spec(IMPORTERS, kind="insurance_claim", method="post"),
    "api:insurance_policies": Spec(ARCHIVE_READERS, api=True),
    "api:insurance_covered": Spec(ARCHIVE_READERS, kind="insurance_policy", api=True),
    "api:insurance_claims": Spec(ARCHIVE_READERS, api=True),
    "api:insurance_claim": Spec(ARCHIVE_READERS, kind="insurance_claim", api=True),
    "api:insurance_claim_create": Spec(
        PROGRAM_KEEPERS, kind="household", method="post", api=True, body="insurance_claim"
    ),
    "api:insurance_claim_assess": Spec(
        IMPORTERS, kind="insurance_claim", method="post", api=True, body="insurance_assess"
    ),
    "api:insurance_claim_pay": Spec(
        IMPORTERS, kind="insurance_claim", method="post", api=True, body="insurance_pay"
    ),
    "api:insurance_claim_withdraw": Spec(
        IMPORTERS, kind="insurance_claim", method="post", api=True, body="insurance_withdraw"
    ),
    # Project library (projects): county officers keep it; township and county officers propose projects.
    "projects:list": Spec(ARCHIVE_READERS),
    "projects:create": Spec(PROGRAM_KEEPERS),
    "projects:export": Spec(ARCHIVE_READERS),
    "projects:import": Spec(IMPORTERS),
    "projects:import_template": Spec(IMPORTERS, kind="template"),
    "projects:detail": Spec(ARCHIVE_READERS, kind="project"),
    "projects:stage": Spec(PROJECT_KEEPERS, kind="project", method="post"),
    "projects:disburse": Spec(PROJECT_KEEPERS, kind="project", method="post"),
    "projects:beneficiary_add": Spec(PROJECT_KEEPERS, kind="project", method="post"),
    "projects:payout": Spec(PROJECT_KEEPERS, kind="project", method="post"),
    "projects:asset_add": Spec(PROJECT_KEEPERS, kind="project", method="post"),
    "api:projects_list": Spec(ARCHIVE_READERS, api=True),
    "api:projects_indicators": Spec(ARCHIVE_READERS, api=True),
    "api:projects_detail": Spec(ARCHIVE_READERS, kind="project", api=True),
    "api:projects_create": Spec(PROGRAM_KEEPERS, method="post", api=True, body="library_project"),
    "api:projects_stage": Spec(
        PROJECT_KEEPERS, kind="project", method="post", api=True, body="project_stage"
    ),
    "api:projects_disburse": Spec(
        PROJECT_KEEPERS, kind="project", method="post", api=True, body="disbursement"
    ),
    "api:projects_allocation": Spec(PROJECT_KEEPERS, method="post", api=True, body="allocation"),
    "api:projects_asset_income": Spec(
        PROJECT_KEEPERS, kind="project_asset", method="post", api=True, body="asset_income"
    ),
    # Points supermarkets (points): township and county officers keep supermarkets, villages served, rules, goods
    # and stock-taking; village cadres, township and county officers record points and redemptions.
    "points:list": Spec(ARCHIVE_READERS),
    "points:create": Spec(PROGRAM_KEEPERS),
    "points:export": Spec(ARCHIVE_READERS),
    "points:import": Spec(PROGRAM_KEEPERS),
    "points:import_template": Spec(PROGRAM_KEEPERS, kind="template"),
    "points:detail": Spec(ARCHIVE_READERS, kind="supermarket"),
    "points:villages": Spec(PROGRAM_KEEPERS, kind="supermarket"),
    "points:rules": Spec(ARCHIVE_READERS, kind="supermarket"),
    "points:record": Spec(ARCHIVE_KEEPERS, kind="supermarket"),
    "points:goods": Spec(ARCHIVE_READERS, kind="supermarket"),
    "points:redeem": Spec(ARCHIVE_KEEPERS, kind="supermarket"),
    "points:stocktake": Spec(PROGRAM_KEEPERS, kind="supermarket"),
    "api:points_supermarkets": Spec(ARCHIVE_READERS, api=True),
    "api:points_supermarket_detail": Spec(ARCHIVE_READERS, kind="supermarket", api=True),
    "api:points_balance": Spec(ARCHIVE_READERS, kind="household", api=True),
    "api:points_entry_create": Spec(
        ARCHIVE_KEEPERS, kind="supermarket", method="post", api=True, body="points_entry"
    ),
    "api:points_redeem": Spec(
        ARCHIVE_KEEPERS, kind="supermarket", method="post", api=True, body="points_redemption"
    ),
    # Village mutual-aid funds (mutualaid): township and county officers keep them; village cadres also record
    # repayments in their village.
    "mutualaid:list": Spec(ARCHIVE_READERS),
    "mutualaid:create": Spec(PROGRAM_KEEPERS),
    "mutualaid:export": Spec(ARCHIVE_READERS),
    "mutualaid:import": Spec(PROGRAM_KEEPERS),
    "mutualaid:import_template": Spec(PROGRAM_KEEPERS, kind="template"),
    "mutualaid:detail": Spec(ARCHIVE_READERS, kind="association"),
    "mutualaid:contribute": Spec(PROGRAM_KEEPERS, kind="association"),
    "mutualaid:join": Spec(PROGRAM_KEEPERS, kind="association"),
    "mutualaid:loan_create": Spec(PROGRAM_KEEPERS, kind="association"),
    "mutualaid:leave": Spec(PROGRAM_KEEPERS, kind="membership"),
    "mutualaid:loan_detail": Spec(ARCHIVE_READERS, kind="mutualaid_loan"),
    "mutualaid:repay": Spec(ARCHIVE_KEEPERS, kind="mutualaid_loan", method="post"),
    "api:mutualaid_associations": Spec(ARCHIVE_READERS, api=True),
    "api:mutualaid_association": Spec(ARCHIVE_READERS, kind="association", api=True),
    "api:mutualaid_loan": Spec(ARCHIVE_READERS, kind="mutualaid_loan", api=True),
    "api:mutualaid_loan_create": Spec(
        PROGRAM_KEEPERS, kind="association", method="post", api=True, body="mutualaid_loan"
    ),
    "api:mutualaid_repay": Spec(
        ARCHIVE_KEEPERS, kind="mutualaid_loan", method="post", api=True, body="mutualaid_repayment"
    ),
}

SEQUENCE = itertools.count(500)


def fresh_id_number(n: int) -> str:
    """An ID number no other call of the session gives: sequences 500–999, the birth day moving on after each 500."""
    return id_number(birth=date(1985, 6, 15) + timedelta(days=n // 500), sequence=500 + n % 500)


MULTIPART = {"feed"}  # API calls that take a multipart form (a file), not JSON


def body(name: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A valid JSON body for an API call on the object in ``kwargs``."""
    if name == "household":
        return {"village_code": kwargs["code"], "household_type": "lifted", "housing_grade": "B"}
    if (
        name == "feed"
    ):  # a dry run of an empty claims file, multipart (the job is queued, not run, in this test)
        content = "身份证号码,结算单号,结算日期,合规自付金额\n".encode()
        return {
            "feed_type": "medical_claims",
            "file": SimpleUploadedFile("claims.csv", content),
            "commit": "false",
        }
    if name == "proposal":
        return {"name": "monitoring_line", "value": "9000", "effective_from": "2026-01-01", "source": "test"}
    if name == "decision":
        return {"apply": False}
    if name == "run":
        return {"on": "2026-01-01"}
    if name == "search":
        return {"id_number": id_number(sequence=1), "name": "王"}
    if name == "risk_report":
        return {"channel": "staff_entry", "risk_types": ["illness"], "note": "电话反映"}
    today = timezone.localdate().isoformat()
    if name == "step":
        return {"action": "visit", "consent": "paper", "consent_signed_on": today}
    if name == "objection":
        return {"received_on": today, "text": "有村民认为收入被低估"}
    if name == "resolution":
        return {"resolution": "核实无误", "upheld": False}
    if name == "measure":
        return {"kind": "industry", "responsible_id": kwargs["responsible_id"], "start": today}
    if name == "household_change":
        return {"village_group": "2社"}
    if name == "member_change":
        return {"months_worked": 3}
    if name == "measure_change":
        return {"status": "active"}
    if name == "followup":
        return {"visited_on": today, "note": "回访"}
    if name == "link":
        return {"household_id": kwargs["household_id"]}
    if name == "dismiss":
        return {"reason": "重复申报"}
    if (
        name == "declaration"
    ):  # a new declarant each time, on a fresh network: the limits are tested in portal
        Attempt.objects.all().delete()
        sequence = next(SEQUENCE)
        village = Region.objects.get(code="630106100201")  # 永丰村 of the test tree
        return {
            "name": "李四",
            "phone": f"139{sequence:08d}",
            "id_number": fresh_id_number(sequence),
            "village_code": village.code,
            "risk_type": "illness",
            "consent": True,
        }
    if name == "receipt":
        return {"receipt": Declaration.objects.values_list("receipt", flat=True).first()}
    if name == "bulk":  # queued, not run, in this test
        return {"action": "review", "case_ids": [1]}
    if name == "income":
        return {"period_start": "2025-01-01", "period_end": "2025-12-31", "wage": "9000"}
    if name == "entity":
        return {"name": f"合作社{next(SEQUENCE)}", "kind": "cooperative", "region_code": "630106100000"}
    if name == "linkage":
        return {
            "entity_id": kwargs["entity_id"],
            "kind": "land_rent",
            "amount_per_year": "600",
            "start": today,
        }
    if name == "project":
        return {"name": f"基地{next(SEQUENCE)}", "kind": "crop", "start": "2025-01-01"}
    if name == "linkage_end":
        return {"end": today}
    if name == "income_change":
        return {"wage": "9100"}
    if name == "job":
        return {"member_id": kwargs["member_id"], "employer": "某厂", "place": "outside", "start": "2025-03-01",
                "months": 3, "monthly_wage": "3000"}  # fmt: skip
    if name == "grant":  # a new term each time: one grant per student and term
        return {"member_id": kwargs["member_id"], "school": "职校", "level": "secondary",
                "term": f"T{next(SEQUENCE)}", "amount": "1500", "paid_on": "2025-09-01"}  # fmt: skip
    if name == "pv_month":
        return {"month": "2025-02-01", "generation_kwh": "150", "income": "100"}
    if name == "pv_allocation":
        return {"purpose": "awards", "amount": "0.01", "decided_on": "2025-12-31"}
    if name == "pv_pay":
        return {"month": "2025-02-01", "paid_on": "2025-02-28"}
    if name == "loan":
        return {
            "household_id": kwargs["household_id"],
            "lender": "农商银行",
            "contract": f"M-{next(SEQUENCE)}",
            "amount": "10000",
            "term_months": 12,
            "rate": "4",
            "subsidy_rate": "4",
            "purpose": "planting",
            "disbursed_on": today,
        }
    if name == "insurance_claim":
        return {
            "policy_id": kwargs["policy_id"],
            "household_id": kwargs["household_id"],
            "trigger": "disaster",
            "occurred_on": today,
            "spending": "1000",
        }
    if name == "insurance_assess":
        return {"approve": False, "reason": "材料不全"}
    if name == "insurance_pay":
        return {"paid_on": today}
    if name == "insurance_withdraw":
        return {"reason": "误录"}
    if name == "repayment":
        return {"on": today, "principal": "0", "interest": "1"}
    if name == "site":
        return {
            "name": f"安置点{next(SEQUENCE)}",
            "kind": "centralised",
            "region_code": "630106100201",  # 永丰村 of the test tree: inside every keeper persona's region
            "built_year": 2018,
            "planned_households": 100,
            "planned_people": 350,
        }
    if name == "relocation":  # once per household: each try starts with the household not yet relocated
        Relocation.objects.filter(household_id=kwargs["household_id"]).delete()
        return {
            "household_id": kwargs["household_id"],
            "origin_code": kwargs["code"],
            "site_id": kwargs["site_id"],
            "year": 2020,
        }
    if name == "assessment":
        return {"on": today, "status": "stable"}
    if name == "support":
        return {"kind": "other", "on": today, "description": "走访", "unit": "村委会"}
    if name == "library_project":
        return {
            "name": f"项目{next(SEQUENCE)}",
            "region_code": "630106100201",
            "site_code": "630106100201",
            "kind": "industry",
            "year": 2026,
            "budgets": {"central": "1000"},
        }
    if name == "project_stage":
        return {"to": "accepted", "on": today}
    if name == "disbursement":
        return {"source": "central", "amount": "1", "on": today}
    if name == "allocation":
        return {"county_code": "630106000000", "year": 2026, "source": "central", "amount": "1000"}
    if name == "asset_income":
        return {"year": 2026, "amount": "100", "on": today}
    if name == "points_entry":
        return {"household_id": kwargs["household_id"], "points": 5, "note": "matrix", "on": today}
    if name == "points_redemption":  # one point a time: the scope's household has 100, the goods 100 in stock
        return {
            "household_id": kwargs["household_id"],
            "goods_id": kwargs["goods_id"],
            "quantity": 1,
            "on": today,
        }
    if name == "mutualaid_loan":  # to a member owing nothing (each try starts without the loans made before)
        return {"household_id": kwargs["household_id"], "number": f"API-{next(SEQUENCE)}", "amount": "1000",
                "term_months": 12, "purpose": "planting", "disbursed_on": today}  # fmt: skip
    if name == "mutualaid_repayment":
        return {"on": today, "principal": "1", "fee": "0"}
    if name == "member":
        number = fresh_id_number(next(SEQUENCE))
        return {
            "name": "赵六",
            "id_number": number,
            "relation": "son",
            "labour": "ordinary",
            "education": "primary",
        }
    return {}


def url_patterns() -> Iterator[tuple[str, URLPattern, list[str]]]:
    """(key, pattern, enclosing route parts) of every URL pattern; the key is the name, else the route."""

    def walk(
        resolver: URLResolver, prefix: str, namespace: str | None
    ) -> Iterator[tuple[str, URLPattern, list[str]]]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                yield from walk(p, prefix + str(p.pattern), ns)
            elif p.name:
                yield (f"{namespace}:{p.name}" if namespace else p.name), p, []
            else:
                yield prefix + str(p.pattern), p, []

    yield from walk(get_resolver(), "", None)


def test_every_url_pattern_is_in_the_table() -> None:
    keys = [key for key, _p, _r in url_patterns()]
    assert len(keys) == len(set(keys)), "two patterns share a key"
    assert set(keys) - set(TABLE) == set(), "add these patterns to the permission table"
    assert set(TABLE) - set(keys) == set(), "these table rows match no pattern any more"


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """``world_make``'s world, made once for the module (per test process) in a transaction rolled back at its
    end. Each test runs in a savepoint inside it, rolled back after the test, so every test starts from the
    same world (as Django's setUpTestData). A test on a live server (whose thread cannot see an uncommitted
    world) makes its own with ``world_make``."""
    # Attachments made here stay out of var/media. /health/ answers 200, not 503: a job worker beat (below) as
    # long ago as the module has run, and the age of the last screening is not checked.
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, HEALTH_WORKER_SECONDS=86400, HEALTH_SCREENING_HOURS=0),
        transaction.atomic(),
    ):
        tree = tree_make()
        yield world_make(tree, personas_make(tree))
        transaction.set_rollback(True)


def world_make(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    """The test tree and personas, an object of each kind in each scope, and a bearer token for each persona."""
    worker_beat(name="matrix:1")
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    repayments: list[Repayment] = []
    for scope, attr in SCOPE_REGION.items():
        region = getattr(tree, attr)
        owner = user_make(Role.VILLAGE_CADRE, region, username=f"owner-{scope}")
        token, _raw = token_create(user=owner, name="theirs")
        job = Job.objects.create(kind="regions.load", region=region)
        # the figure is for the dashboards' drill-through (other region addresses ignore it)
        objects[("region", scope)] = {"code": region.code, "indicator": "objects_households"}
        objects[("job", scope)] = {"pk": job.pk, "job_id": job.pk}
        objects[("user", scope)] = {"object_id": owner.pk, "id": owner.pk, "content_type_id": 1}
        objects[("token", scope)] = {"pk": token.pk}
        home = household(owner, region, phone="13912345678")
        objects[("household", scope)] = {"pk": home.pk, "household_id": home.pk}
        person = member(owner, home, id_number(sequence=len(objects)))
        objects[("member", scope)] = {"pk": person.pk, "member_id": person.pk}
        workshop = Workshop.objects.create(
            name="车间", kind="factory", village=region, employer="某厂", capacity=5, opened="2025-01-01"
        )
        objects[("workshop", scope)] = {"pk": workshop.pk}
        worked = EmploymentJob.objects.create(
            member=person, household=home, employer="某厂", place="local", start=date(2025, 1, 1), months=2,
            monthly_wage=100,
        )  # fmt: skip
        objects[("employment_job", scope)] = {"pk": worked.pk, "job_id": worked.pk, "member_id": person.pk}
        course = Course.objects.create(
            name="电焊工培训班",
            kind="skills",
            provider="职校",
            region=region,
            start="2025-06-01",
            end="2025-06-02",
            hours=8,
        )
        objects[("course", scope)] = {"pk": course.pk}
        granted = Grant.objects.create(
            member=person, household=home, school="职校", level="secondary", term="2025秋", amount=1500,
            paid_on="2025-09-01",
        )  # fmt: skip
        objects[("grant", scope)] = {"pk": granted.pk}
        income = IncomeRecord.objects.create(
            household=home, period_start="2024-01-01", period_end="2024-12-31", household_size=1, wage=1
        )
        objects[("income", scope)] = {"pk": income.pk, "income_id": income.pk}
        loan = Loan.objects.create(
            household=home,
            lender="农商银行",
            contract=f"matrix-{scope}",
            amount=10000,
            term_months=12,
            rate=4,
            subsidy_rate=4,
            purpose="planting",
            disbursed_on="2026-01-01",
        )
        objects[("loan", scope)] = {"pk": loan.pk, "loan_id": loan.pk}
        paid = Repayment.objects.create(loan=loan, on="2026-01-02", principal=0, interest=1, subsidy=1)
        objects[("loan_repayment", scope)] = {"pk": paid.pk}
        repayments.append(paid)
        # A resettlement site in the scope's village and a household of that village relocated to it.
        site = Site.objects.create(
            name="幸福家园", kind="centralised", region=region, built_year=2018, planned_households=10,
            planned_people=30,
        )  # fmt: skip
        objects[("site", scope)] = {"pk": site.pk, "site_id": site.pk}
        objects[("household", scope)].update(site_id=site.pk, code=region.code)
        relocated = Relocation.objects.create(
            household=household(owner, region), origin=region, site=site, year=2020
        )
        objects[("relocation", scope)] = {"pk": relocated.pk, "relocation_id": relocated.pk}
        # A policy bought for the scope's village (a county's is read by its villages too: insurance tests), and
        # a claim of the scope's household on it.
        policy = InsurancePolicy.objects.create(
            name="矩阵测试保单", number=f"matrix-{scope}", region=region, insurer="太保", start="2026-01-01",
            end="2026-12-31", covers_lifted=True, covers_monitored=True,
        )  # fmt: skip
        PayoutRule.objects.create(policy=policy, trigger="disaster", threshold=0, share=50)
        claim = InsuranceClaim.objects.create(
            policy=policy, household=home, trigger="disaster", occurred_on="2026-01-02", spending=1000,
            claimed=500, status="approved", assessed_amount=500, assessed_on="2026-01-03",
        )  # fmt: skip
        objects[("insurance_policy", scope)] = {"pk": policy.pk, "policy_id": policy.pk}
        objects[("insurance_claim", scope)] = {"pk": claim.pk, "claim_id": claim.pk}
        objects[("household", scope)]["policy_id"] = policy.pk
        project = Project.objects.create(
            name="养殖基地", region=region, site=region, kind="industry", year=2026, stage="implementing"
        )
        Budget.objects.create(project=project, source="central", amount=100000)
        objects[("project", scope)] = {"pk": project.pk, "project_id": project.pk}
        asset = Asset.objects.create(
            project=project, name="棚圈", kind="operating", value=1000, owner="村集体", manager="合作社",
            since="2026-01-01",
        )  # fmt: skip
        objects[("project_asset", scope)] = {"asset_id": asset.pk}
        # A points supermarket serving the scope's village, with goods in stock and 100 points for its household.
        market = Supermarket.objects.create(name=f"超市 {scope}", village=region, opened_on="2025-01-01")
        Coverage.objects.create(supermarket=market, village=region, start="2025-01-01")
        stocked = Goods.objects.create(supermarket=market, name="肥皂", unit="小盒", price=1, stock=100)
        StockMove.objects.create(goods=stocked, kind="receipt", quantity=100, on="2025-01-01")
        Entry.objects.create(household=home, supermarket=market, points=100, on="2025-01-01", note="matrix")
        Account.objects.create(household=home, balance=100)
        objects[("supermarket", scope)] = {
            "pk": market.pk,
            "supermarket_id": market.pk,
            "household_id": home.pk,
            "goods_id": stocked.pk,
        }
        # A mutual-aid fund with capital, two member households (the second owes nothing) and a loan.
        fund = Association.objects.create(village=region, name=f"互助资金 {scope}", founded_on="2024-01-01")
        Contribution.objects.create(association=fund, source="fiscal", amount=100000, on="2024-01-05")
        joined = Membership.objects.create(
            association=fund, household=home, share=100, joined_on="2024-01-10"
        )
        free = household(owner, region)
        Membership.objects.create(association=fund, household=free, share=100, joined_on="2024-01-10")
        lent = MutualLoan.objects.create(
            association=fund, household=home, number=f"MA-{scope}", amount=1000, term_months=12, fee_rate=6,
            purpose="planting", disbursed_on="2026-01-01",
        )  # fmt: skip
        objects[("association", scope)] = {"pk": fund.pk, "association_id": fund.pk, "household_id": free.pk}
        objects[("membership", scope)] = {"pk": joined.pk}
        objects[("mutualaid_loan", scope)] = {"pk": lent.pk, "loan_id": lent.pk}
        proposal = Proposal.objects.create(
            name="monitoring_line",
            region=region,
            value=7000,
            effective_from="2026-01-01",
            source="x",
            proposed_by=owner,
        )
        objects[("proposal", scope)] = {"pk": proposal.pk, "proposal_id": proposal.pk}
        run = Run.objects.create(on="2026-01-01", region=region)
        objects[("run", scope)] = {"pk": run.pk, "run_id": run.pk}
        objects[("template", scope)] = {"fmt": "xlsx" if scope == "own" else "csv"}
        objects[("template", scope)]["feed_type"] = "medical_claims"
        batch = FeedBatch.objects.create(
            feed_type="medical_claims",
            department="health_insurance",
            region=region,
            uploaded_by=owner,
            file_sha256="0" * 64,
        )
        objects[("feed_batch", scope)] = {"pk": batch.pk, "batch_id": batch.pk}
        # A case waiting for its home visit, opened by a lead on the scope's household.
        case = Case.objects.get(lead=lead_raise(household_id=home.pk, channel=Channel.CADRE, reference="m"))
        objects[("case", scope)] = {"pk": case.pk, "case_id": case.pk, "action": "visit"}
        # unmatched: waits to be linked (one declarant a scope)
        declared = declaration(region, sequence=900 + list(SCOPE_REGION).index(scope))
        declared.photo.save("photo.jpg", ContentFile(b"\xff\xd8\xff\xe0 photo"))  # in the temporary media
        objects[("declaration", scope)] = {
            "pk": declared.pk,
            "declaration_id": declared.pk,
            "household_id": home.pk,
        }
        # A case in public notice with an objection, and a monitored case with a measure (made directly: the
        # steps that lead there are tested in monitoring.tests).
        today, now = timezone.localdate(), timezone.now()
        noticed = Case.objects.create(
            household=household(owner, region), state=State.NOTICE, opened_at=now, notice_start=today
        )
        objects[("notice_case", scope)] = {"pk": noticed.pk, "case_id": noticed.pk}
        objection = Objection.objects.create(case=noticed, received_on=today, text="x", recorded_by=owner)
        objects[("objection", scope)] = {"pk": objection.pk, "objection_id": objection.pk}
        monitored = Case.objects.create(
            household=household(owner, region), state=State.MONITORED, opened_at=now
        )
        objects[("monitored_case", scope)] = {
            "pk": monitored.pk,
            "case_id": monitored.pk,
            "responsible_id": owner.pk,
        }
        measure = Measure.objects.create(
            case=monitored, kind="industry", responsible=owner, start=today, created_by=owner
        )
        objects[("measure", scope)] = {"pk": measure.pk, "measure_id": measure.pk}
        measure.evidence.save("evidence.pdf", ContentFile(b"%PDF-1.4 evidence"))  # in the temporary media
        objects[("case_file", scope)] = {"pk": monitored.pk, "what": "measure", "file_id": measure.pk}
        entity = Entity.objects.create(name=f"合作社 {scope}", kind="cooperative", region=region)
        entity.villages.set([region])
        objects[("entity", scope)] = {"pk": entity.pk, "entity_id": entity.pk}
        objects[("household", scope)]["entity_id"] = entity.pk
        linkage = Linkage.objects.create(
            household=home, entity=entity, kind="land_rent", amount_per_year=600, start="2025-01-01"
        )
        objects[("linkage", scope)] = {"pk": linkage.pk, "linkage_id": linkage.pk}
        # A PV station with a month of 2025, and an employment-funded post held by the scope's member.
        station = Station.objects.create(
            name="光伏",
            village=region,
            capacity_kw=300,
            grid_date="2024-06-30",
            owner="村集体",
            grid_account=scope,
        )
        StationShare.objects.create(station=station, village=region, percent=100)
        StationMonth.objects.create(
            station=station, month="2025-01-01", generation_kwh=Decimal(1500), income=Decimal(1000)
        )
        objects[("pv_station", scope)] = {"pk": station.pk, "station_id": station.pk}
        objects[("pv_village_year", scope)] = {"code": region.code, "year": 2025}
        post = Post.objects.create(
            village=region, kind="cleaner", funding="employment", monthly_pay=800, start="2025-01-01"
        )
        held = Assignment.objects.create(post=post, member=person, household=home, start="2025-01-01")
        objects[("pv_post", scope)] = {"pk": post.pk, "assignment_id": held.pk}
        objects[("pv_holder", scope)] = {"pk": held.pk}
    tokens = {role: token_create(user=user, name="mine")[1] for role, user in personas.items()}
    return {
        "objects": objects,
        "tokens": tokens,
        "repayments": repayments,
        "personas": personas,
        "tree": tree,
    }


def build_url(key: str, pattern: URLPattern, kwargs: dict[str, Any]) -> str:
    """A concrete address for the pattern, with the object's identifiers filled in."""
    from django.urls import reverse

    if pattern.name:
        names = getattr(pattern.pattern, "converters", {}).keys()
        wanted = {k: v for k, v in kwargs.items() if k in names}
        if key == "admin:app_list":
            wanted = {"app_label": "accounts"}
        return reverse(key, kwargs=wanted or None)
    if key == "admin/accounts/user/<path:object_id>/":
        return f"/admin/accounts/user/{kwargs['object_id']}/"
    return "/admin/no-such-page/"


def succeeded(response: Any) -> bool:
    """2xx (after following redirects for GET), and not left on a sign-in page."""
    final = response.redirect_chain[-1][0] if getattr(response, "redirect_chain", None) else ""
    if "login" in final:
        return False
    if response.status_code in (301, 302):
        return "login" not in str(response.headers.get("Location", ""))
    return bool(200 <= response.status_code < 300)


def request(
    client: Client, spec: Spec, url: str, token: str | None = None, kwargs: dict[str, Any] | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if spec.method == "post" and spec.api and spec.body in MULTIPART:
        return client.post(url, body(spec.body, kwargs or {}), headers=headers)
    if spec.method in ("post", "patch") and spec.api:
        payload = json.dumps(body(spec.body, kwargs or {}))
        send = client.patch if spec.method == "patch" else client.post
        return send(url, payload, content_type="application/json", headers=headers)
    if spec.method == "post":
        return client.post(url, {"language": "en", "next": "/"}, headers=headers)
    return client.get(url, headers=headers, follow=not spec.api)


@pytest.mark.parametrize("key", sorted(TABLE))
@pytest.mark.django_db
def test_url_against_every_role_and_scope(key: str, world: dict[str, Any], client: Client) -> None:
    personas: dict[str, Any] = world["personas"]
    spec = TABLE[key]
    pattern = next(p for k, p, _r in url_patterns() if k == key)
    scopes = SCOPES if spec.kind else (None,)
    unexpected = []
    for role, user in personas.items():
        for scope in scopes:
            kwargs = world["objects"][(spec.kind, scope)] if spec.kind else {}
            url = build_url(key, pattern, kwargs)
            client.logout()
            if spec.body == "decision":  # a proposal is decided once: each try starts from a fresh one
                Proposal.objects.update(status=ProposalStatus.PROPOSED, decided_by=None, decided_at=None)
            if spec.body in ("link", "dismiss"):  # a declaration is decided once: each try starts unmatched
                Declaration.objects.update(
                    status=DeclarationStatus.UNMATCHED,
                    household=None,
                    lead=None,
                    decided_by=None,
                    decided_at=None,
                    dismiss_reason="",
                )
            if spec.kind == "loan_repayment":  # a repayment is removed once: each try starts with it there
                for paid in world["repayments"]:
                    if not Repayment.objects.filter(pk=paid.pk).exists():
                        paid.save(force_insert=True)
            if spec.body == "mutualaid_loan":  # one loan owing at a time: each try starts from none
                MutualLoan.objects.filter(number__startswith="API-").delete()
            if spec.body == "resolution":  # an objection is resolved once: each try starts unresolved
                Objection.objects.update(resolution="", upheld=None, resolved_by=None, resolved_at=None)
            if spec.api:
                response = request(client, spec, url, world["tokens"][role], kwargs)
            else:
                client.force_login(user)
                response = request(client, spec, url)
            assert response.status_code < 500, (role, scope, url, response.status_code)
            if spec.own_account:
                continue
            in_scope = scope is None or spec.kind == "template" or scope in VISIBLE[ROLE_HOME[role]]
            expected = role in spec.roles and in_scope
            if succeeded(response) != expected:
                unexpected.append(
                    (role, scope, url, response.status_code, "expected success" if expected else "")
                )
            elif role in spec.roles and not in_scope and response.status_code != 404:
                # Allowed to act, but the object is outside the region: it does not exist for them.
                unexpected.append((role, scope, url, response.status_code, "expected 404"))
    assert unexpected == []

    # Without signing in: public pages and public API calls answer, everything else sends to sign-in (or 401
    # for the API).
    client.logout()
    kwargs = world["objects"][(spec.kind, "own")] if spec.kind else {}
    url = build_url(key, pattern, kwargs)
    response = request(client, spec, url, kwargs=kwargs)
    if spec.api and spec.public:
        assert response.status_code < 500 and response.status_code != 401, (url, response.status_code)
    elif spec.api:
        assert response.status_code == 401
    elif not spec.public:
        assert not succeeded(response), url
