"""Band results: one row per (band, version, context) holding its ranked items, instead of one
row per item. Rows already stored are packed, so bands keep showing what they showed."""

from django.db import migrations, models


def pack_items(apps, schema_editor):
    BandResult = apps.get_model("personalization", "BandResult")
    rows = BandResult.objects.order_by("band_id", "version", "context", "rank").values_list(
        "pk", "band_id", "version", "context", "product_id", "score", "reason"
    )
    packed, extra = {}, []
    for pk, band_id, version, context, product_id, score, reason in rows.iterator(2000):
        group = (band_id, version, context)
        if group in packed:
            packed[group][1].append([product_id, score, reason])
            extra.append(pk)
        else:
            packed[group] = (pk, [[product_id, score, reason]])
    for start in range(0, len(extra), 2000):
        BandResult.objects.filter(pk__in=extra[start : start + 2000]).delete()
    BandResult.objects.bulk_update(
        [BandResult(pk=pk, items=items) for pk, items in packed.values()], ["items"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0002_bands"),
    ]

    operations = [
        migrations.AddField(
            model_name="bandresult",
            name="items",
            field=models.JSONField(
                default=list, help_text="[[product id, score, reason], …], best first."
            ),
        ),
        migrations.RunPython(pack_items, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="bandresult",
            name="personaliza_band_id_5a6765_idx",
        ),
        migrations.RemoveField(model_name="bandresult", name="product"),
        migrations.RemoveField(model_name="bandresult", name="rank"),
        migrations.RemoveField(model_name="bandresult", name="score"),
        migrations.RemoveField(model_name="bandresult", name="reason"),
        migrations.AlterField(
            model_name="bandresult",
            name="band",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="results",
                to="personalization.band",
            ),
        ),
        migrations.AddConstraint(
            model_name="bandresult",
            constraint=models.UniqueConstraint(
                fields=("band", "version", "context"), name="band_result_one_row_per_context"
            ),
        ),
    ]
