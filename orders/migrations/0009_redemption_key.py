import uuid

from django.db import migrations, models


def a_key_each(apps, schema_editor):
    """AddField gives every existing row the same default: give each its own.
    (Their ledger legs keep the source they were booked with, "redemption:<id>",
    which payments.ledger still reads.)"""
    Redemption = apps.get_model("orders", "Redemption")
    for pk in Redemption.objects.values_list("pk", flat=True).iterator(chunk_size=2000):
        Redemption.objects.filter(pk=pk).update(key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_voucher_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="redemption",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(a_key_each, migrations.RunPython.noop),
    ]
