from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """Presentation only: no models, imported by no other app."""

    name = "dashboard"
    verbose_name = _("Merchant dashboard")
