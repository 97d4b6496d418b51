"""The production smoke test's data, made inside the stack's own database (``manage.py shell -c``): a county
with one household, a county officer with a TOTP device, a village cadre, the policy and one finished screening.
Prints what the test needs as one JSON line."""

from __future__ import annotations

import io
import json
from datetime import date

from django.core.management import call_command
from django.utils import timezone

PASSWORD = "Smoke-pass-2026"


def main() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bottomline.accounts.services import user_save
    from bottomline.engine.models import Run
    from bottomline.regions.models import Region
    from bottomline.registry.tests.factories import household, id_number, member

    def region(code: str, name: str, level: int, parent: Region | None) -> Region:
        return Region.objects.create(
            code=code, name=name, level=level, parent=parent, valid_from=date(2023, 1, 1), source="smoke test"
        )

    province = region("630000000000", "青海省", 1, None)
    prefecture = region("630100000000", "西宁市", 2, province)
    county = region("630106000000", "湟中区", 3, prefecture)
    township = region("630106100000", "田家寨镇", 4, county)
    village = region("630106100201", "永丰村", 5, township)
    call_command("policy_seed", stdout=io.StringIO())
    officer = user_save(username="smoke-officer", role="county_officer", region=county, password=PASSWORD)
    cadre = user_save(username="smoke-cadre", role="village_cadre", region=village, password=PASSWORD)
    device = TOTPDevice.objects.create(user=officer, name="default", confirmed=True)
    home = household(cadre, village)
    head_id = id_number(sequence=1)
    member(cadre, home, head_id, labour="ordinary")
    Run.objects.create(on=date.today(), started_at=timezone.now(), finished_at=timezone.now())
    print(
        json.dumps(
            {
                "household": home.pk,
                "village": village.code,
                "head_id": head_id,
                "declarant_id": id_number(sequence=900),  # registered nowhere
                "username": officer.username,
                "password": PASSWORD,
                "totp_key": device.key,
            }
        )
    )
