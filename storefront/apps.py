from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """Presentation only: no models, imported by no other app."""

    name = "storefront"
    verbose_name = _("Storefront")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import receivers

        user_logged_in.connect(
            receivers.restore_city_at_login, dispatch_uid="storefront-city-at-login"
        )
