"""A feed batch is written in chunks and finished once its households are screened again (issue #16); the
batches kept so far were written whole, and are finished when they were committed."""

from django.db import migrations, models
from django.db.models import F


def finished(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("feeds", "FeedBatch").objects.update(finished_at=F("committed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0003_department_disabled_persons_federation"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedbatch",
            name="finished_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="finished"),
        ),
        migrations.RunPython(finished, migrations.RunPython.noop, elidable=True),
    ]
