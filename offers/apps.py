from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self) -> None:
        from . import catalog_cache, search_upkeep

        catalog_cache.connect()
        search_upkeep.connect()
