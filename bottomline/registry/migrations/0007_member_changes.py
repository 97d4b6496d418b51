"""Member changes (issue #14): versions, a per-village number counter, a registration token, join reasons,
and at most one head per household. Households that have two heads already (the member form used to start on
户主) keep the first registered; the others become "other" (其他), for the village to correct."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def extra_heads_demoted(apps, schema_editor):  # type: ignore[no-untyped-def]
    Member = apps.get_model("registry", "Member")
    crowded = (
        Member.objects.filter(relation="head", household__isnull=False)
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("household_id", flat=True)
    )
    for household_id in list(crowded):
        heads = Member.objects.filter(household_id=household_id, relation="head").order_by("id")
        Member.objects.filter(pk__in=list(heads.values_list("pk", flat=True)[1:])).update(relation="other")


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('registry', '0006_income_collection'),
    ]

    operations = [
        migrations.CreateModel(
            name='HouseholdCounter',
            fields=[
                ('village', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='regions.region')),
                ('last', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='household',
            name='submit_token',
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='household',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='member',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name='membermove',
            name='reason',
            field=models.CharField(choices=[('marriage', 'Marriage (婚嫁)'), ('split', 'Household split (分户)'), ('death', 'Death (死亡)'), ('moved_away', 'Moved away (迁出)'), ('correction', 'Correction of the record (信息纠错)'), ('birth', 'Birth (出生)'), ('moved_in', 'Moved in (迁入)')], max_length=16, verbose_name='reason'),
        ),
        migrations.RunPython(extra_heads_demoted, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(condition=models.Q(('relation', 'head')), fields=('household',), name='member_one_head_per_household'),
        ),
    ]
