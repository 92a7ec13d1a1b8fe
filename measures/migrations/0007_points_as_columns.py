"""Stored chart points move from one object per period to columns (measures.points)."""

from django.db import migrations

import measures.points


def to_columns(apps, schema_editor):
    # Before the AlterField: this historical model still reads and writes plain JSON.
    RunChartAnalysis = apps.get_model("measures", "RunChartAnalysis")
    changed = []
    for analysis in RunChartAnalysis.objects.only("id", "points").iterator(chunk_size=500):
        if isinstance(analysis.points, list) and analysis.points:
            analysis.points = measures.points.columns_from_rows(analysis.points)
            changed.append(analysis)
    RunChartAnalysis.objects.bulk_update(changed, ["points"], batch_size=500)


def to_rows(apps, schema_editor):
    RunChartAnalysis = apps.get_model("measures", "RunChartAnalysis")
    changed = []
    for analysis in RunChartAnalysis.objects.only("id", "points").iterator(chunk_size=500):
        if isinstance(analysis.points, dict):
            analysis.points = measures.points.rows(analysis.points)
            changed.append(analysis)
    RunChartAnalysis.objects.bulk_update(changed, ["points"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0006_observation_measure_month"),
    ]

    operations = [
        migrations.RunPython(to_columns, to_rows),
        migrations.AlterField(
            model_name="runchartanalysis",
            name="points",
            field=measures.points.PointsField(
                blank=True, default=list, help_text="Per period: month, numerator, denominator, value."
            ),
        ),
    ]
