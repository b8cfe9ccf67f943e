from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Presentation only: management commands, no models, imported by no other app."""

    name = "demo"
    verbose_name = _("Demo data")
