from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # In ready(), as Django asks: these import models, not loaded before.
        from offers import stock

        from . import receivers, selectors

        # Offers ask who holds their units (a stock edit, ending a sold-out deal).
        stock.register_holder(selectors.units_held)
        # A new account gets the welcome red packet.
        receivers.connect()
