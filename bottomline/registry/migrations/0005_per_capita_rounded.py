"""The stored per-capita income rounded half away from zero to the fen on both databases (issue #13, item 1): on
SQLite a total in whole yuan was divided as integers (53,169 / 2 = 26,584). A generated column's expression
cannot be altered in place: it is dropped and added again, which recomputes every row."""

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_key_check'),
    ]

    operations = [
        migrations.RemoveField(model_name='incomerecord', name='per_capita_net_income'),
        migrations.AddField(
            model_name='incomerecord',
            name='per_capita_net_income',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.expressions.CombinedExpression(django.db.models.functions.math.Round(django.db.models.expressions.CombinedExpression(django.db.models.functions.math.Round(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('wage'), '+', models.F('production')), '+', models.F('property_income')), '+', models.F('transfer')), '*', models.Value(Decimal('100')))), '/', django.db.models.functions.comparison.Cast('household_size', models.DecimalField(decimal_places=0, max_digits=4)))), '/', models.Value(Decimal('100'))), output_field=models.DecimalField(decimal_places=2, max_digits=14), verbose_name='per-capita net income'),
        ),
    ]
