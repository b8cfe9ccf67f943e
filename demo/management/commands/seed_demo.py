"""Demo data: four cities, merchants and deals in English and Chinese, and
weeks of orders, redemptions and reviews (demo/loader.py).

Idempotent: a second run finds every city and changes nothing. Orders,
vouchers, redemptions and reviews are made through the services, so every
invariant holds in the demo data too.
"""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from demo.loader import DEMO_PASSWORD, DEMO_USERS, Loader
from merchants.models import Merchant
from o2o.celery import app as celery_app
from offers.models import Offer

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "Command"]


class Command(BaseCommand):
    help = "Load demo data: several cities, deals in English and Chinese (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-images", action="store_true", help="skip generated images")

    def handle(self, *args: Any, no_images: bool = False, **options: Any) -> None:
        started = time.monotonic()
        say = self.stdout.write if options.get("verbosity", 1) > 0 else (lambda _text: None)
        # Notifications are created inline (there is no worker yet) and not e-mailed.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        logging.getLogger("celery").setLevel(logging.WARNING)
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                transaction.atomic(),  # all or nothing: a failed run leaves no half city
            ):
                loaded = Loader(images=not no_images, say=say).load()
        finally:
            celery_app.conf.task_always_eager = eager
        if not loaded:
            say("Demo data already loaded; nothing to do.")
            return
        say(
            self.style.SUCCESS(
                f"Loaded {', '.join(loaded)}: {Merchant.objects.count()} merchants, "
                f"{Offer.objects.filter(status='live').count()} live deals, "
                f"{User.objects.count()} users in {time.monotonic() - started:.0f} s."
            )
        )
