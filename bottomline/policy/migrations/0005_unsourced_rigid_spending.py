"""The seeded, unsourced rigid-spending share (0.5) and amount (10,000 yuan) are superseded: the category-3
test defaults to income minus compliant out-of-pocket spending against the line (docs/rules.md). Values a
province entered itself (with a user and its own source) are left as they are; the rows are kept."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

SEEDED_SOURCE = "Assumption: no national figure found"


def supersede(apps, schema_editor):
    Parameter = apps.get_model("policy", "Parameter")
    Parameter.objects.filter(
        Q(name="rigid_spending_share") | Q(name="rigid_spending_amount"),
        region__isnull=True,
        changed_by__isnull=True,
        superseded_at__isnull=True,
        source__startswith=SEEDED_SOURCE,
    ).update(superseded_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_lead_warning_days")]

    operations = [migrations.RunPython(supersede, migrations.RunPython.noop)]
