from django.db import migrations, models
from django.db.models import F


def mark_finished(apps, schema_editor):  # type: ignore[no-untyped-def]
    # A run timed (seconds > 0) got to its end before this field existed; one killed during its write did not.
    Run = apps.get_model("engine", "Run")
    Run.objects.filter(seconds__gt=0).update(finished_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0002_current_and_incremental"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished"),
        ),
        migrations.RunPython(mark_finished, migrations.RunPython.noop),
    ]
