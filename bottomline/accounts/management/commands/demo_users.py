"""manage.py demo_users: one login per role in Huangzhong (630106), printed for the demo."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.accounts.models import Department, Role
from bottomline.accounts.services import user_save
from bottomline.regions.models import Level, Region

DEMO_COUNTY = "630106000000"  # 湟中区, Xining, Qinghai
DEMO_PASSWORD = "Demo-2026-bl"  # noqa: S105  (demo only: printed on the console by `make demo`)


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role in Huangzhong and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:  # it would reset the system administrator to the README's password
            raise CommandError(
                "demo_users makes demo data and logins with a published password: "
                "it does not run with BOTTOMLINE_ENV=production"
            )
        county = Region.objects.filter(code=DEMO_COUNTY).first()
        if county is None:
            raise CommandError(
                "Huangzhong (630106) is not loaded: run `manage.py regions_load --provinces 63` first"
            )
        assert county.parent is not None and county.parent.parent is not None  # a county has both  # noqa: S101
        township = Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code").first()
        village = Region.objects.filter(parent=township, level=Level.VILLAGE).order_by("code").first()
        if township is None or village is None:
            raise CommandError("Huangzhong has no townships or villages loaded")
        people = [
            ("cadre", Role.VILLAGE_CADRE, village, ""),
            ("township", Role.TOWNSHIP_OFFICER, township, ""),
            ("county", Role.COUNTY_OFFICER, county, ""),
            ("prefecture", Role.PREFECTURE_OFFICER, county.parent, ""),
            ("province", Role.PROVINCE_OFFICER, county.parent.parent, ""),
            ("health", Role.DEPARTMENT_OFFICER, county, Department.HEALTH_INSURANCE),
            ("auditor", Role.AUDITOR, county, ""),
            ("admin", Role.SYSADMIN, county.parent.parent, ""),
        ]
        # Made-up names and posts (职务): a responsible cadre is shown as "姓名（职务）".
        named = {
            "cadre": ("王建国", "村党支部书记"),
            "township": ("李晓梅", "乡村振兴工作站站长"),
            "county": ("张志强", "县乡村振兴局监测股股长"),
        }
        self.stdout.write(f"Demo logins (password for all: {options['password']})")
        for username, role, region, department in people:
            user_save(
                username=username,
                role=role,
                region=region,
                password=options["password"],
                department=department,
                full_name=named.get(username, ("", ""))[0],
                post=named.get(username, ("", ""))[1],
            )
            self.stdout.write(f"  {username:<11} {Role(role).label}  —  {region.name} {region.code}")
