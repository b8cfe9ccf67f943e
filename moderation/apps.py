from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Presentation only: no models, imported by no other app."""

    name = "moderation"
    verbose_name = _("Moderation")
