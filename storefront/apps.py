from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """Presentation only: no models, imported by no other app."""

    name = "storefront"
    verbose_name = _("Storefront")
