"""A series' `result` and `points` become PostgreSQL json: stored and read whole, never queried inside."""

from django.db import migrations

import measures.points


def points_type(to: str):
    def alter(apps, schema_editor):
        # PointsField's type comes from the code, so the migration state sees no change for it.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE measures_runchartanalysis ALTER COLUMN points TYPE {to} USING points::{to}"
            )

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0009_dashboard_changes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="runchartanalysis",
            name="result",
            field=measures.points.TextJSONField(blank=True, help_text="The engine's to_dict().", null=True),
        ),
        migrations.RunPython(points_type("json"), points_type("jsonb")),
    ]
