from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # In ready(), as Django asks: these import models, not loaded before.
        from offers import catalog_cache

        from . import receivers
        from .models import Review, ReviewReply

        receivers.connect()
        # Deal and merchant pages show reviews: their cached fragments go stale.
        catalog_cache.connect((Review, ReviewReply))
