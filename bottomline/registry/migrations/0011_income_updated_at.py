"""Income records get ``updated_at``, so that an incremental screening sees a corrected income (issue #16).
Records kept so far take their creation time."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def from_created(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("registry", "IncomeRecord").objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_baseline"),
    ]

    operations = [
        migrations.AddField(
            model_name="incomerecord",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(from_created, migrations.RunPython.noop, elidable=True),
    ]
