# Separate from 0005: on PostgreSQL a table cannot be altered in the
# transaction that updated its rows while their key checks are pending.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_vouchers_usable'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'paid'), _negated=True), ('vouchers_usable__gt', 0), _connector='OR'), name='paid_order_has_usable_vouchers'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'completed'), _negated=True), ('vouchers_usable', 0), _connector='OR'), name='completed_order_has_no_usable_vouchers'),
        ),
    ]
