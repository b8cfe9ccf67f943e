from django.db import migrations


def drop_key_pattern_index(apps, schema_editor):
    """Keys are looked up exactly, never with LIKE: the pattern index that
    PostgreSQL gets for every unique text column is dead weight on each
    notification written (one per redemption)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS notifications_notification_key_21d62a12_like")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(drop_key_pattern_index, migrations.RunPython.noop)]
