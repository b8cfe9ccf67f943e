from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import City
        from .selectors import forget_cities

        # The cached list of cities (selectors.cities) goes with any change.
        post_save.connect(forget_cities, sender=City, dispatch_uid="places-cities")
        post_delete.connect(forget_cities, sender=City, dispatch_uid="places-cities-del")
