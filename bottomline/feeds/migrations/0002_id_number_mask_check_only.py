"""Re-mask the ID numbers of unmatched feed rows to the first 3 characters and the check character (docs/data-model.md).

The old mask kept the last 4 (sequence and check character), which with the birth date rebuilt the number. The
new mask is cut from the old one, so no key is needed; one UPDATE, which cannot be undone (nothing to undo to).
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr


def remask(apps, schema_editor):
    model = apps.get_model("feeds", "unmatchedrow")
    model.objects.filter(id_number_masked__regex=r"^.{18}$").update(
        id_number_masked=Concat(
            Substr(F("id_number_masked"), 1, 3), Value("*" * 14), Substr(F("id_number_masked"), 18, 1)
        )
    )


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
