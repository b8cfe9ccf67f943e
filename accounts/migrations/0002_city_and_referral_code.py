import accounts.models
from django.db import migrations, models


def give_codes(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set()
    for user in User.objects.filter(referral_code__isnull=True).only("pk"):
        code = accounts.models.new_referral_code()
        while code in taken:
            code = accounts.models.new_referral_code()
        taken.add(code)
        User.objects.filter(pk=user.pk).update(referral_code=code)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="city_slug",
            field=models.SlugField(blank=True, verbose_name="city"),
        ),
        # Each existing user gets a code of their own before the column is unique.
        migrations.AddField(
            model_name="user",
            name="referral_code",
            field=models.CharField(editable=False, max_length=12, null=True),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="referral_code",
            field=models.CharField(
                default=accounts.models.new_referral_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="referral code",
            ),
        ),
    ]
