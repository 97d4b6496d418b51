"""API tokens get a scope, an expiry and a mark of the owner's password; tokens made before are revoked."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Now


def revoke_old_tokens(apps, schema_editor):
    # Tokens from before had no scope or expiry: they end here and their owners make new ones.
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(revoked_at__isnull=True).update(revoked_at=Now())
    ApiToken.objects.update(expires_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "Read"), ("write", "Read and write")],
                default="read",
                max_length=8,
                verbose_name="scope",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="expires"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="password_mark",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(revoke_old_tokens, migrations.RunPython.noop),
    ]
