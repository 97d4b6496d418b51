"""Open a case, in "to visit", for each lead that was open before cases existed (re-runnable, batched)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

BATCH = 5000


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Lead = apps.get_model("monitoring", "Lead")
    Case = apps.get_model("monitoring", "Case")
    Step = apps.get_model("monitoring", "Step")
    while True:
        leads = list(Lead.objects.filter(status="open", case__isnull=True).order_by("id")[:BATCH])
        if not leads:
            return
        Case.objects.bulk_create(
            [Case(household_id=lead.household_id, lead=lead, opened_at=lead.first_at) for lead in leads]
        )
        Step.objects.bulk_create(
            [
                Step(case=case, action="open", target="visit", at=case.opened_at, on=case.opened_at.date())
                for case in Case.objects.filter(lead__in=leads)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_cases")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
