from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """Presentation only: no models, imported by no other app."""

    name = "api"
    verbose_name = _("API")
