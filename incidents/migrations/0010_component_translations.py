# Component and group names and descriptions are translated too; their translations belong
# to no incident.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_next_update"),
    ]

    operations = [
        migrations.AlterField(
            model_name="translation",
            name="incident",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="translations",
                to="incidents.incident",
                verbose_name="incident",
            ),
        ),
    ]
