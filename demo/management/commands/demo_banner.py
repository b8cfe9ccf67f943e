"""Print where the site runs and how to log in (used by `make run`)."""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.loader import DEMO_PASSWORD, DEMO_PROMO_CODE, DEMO_USERS
from demo.places import CITIES


def _columns(text: str) -> int:
    """How many terminal columns `text` takes: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        width = 72
        cities = ", ".join(f"{city.en} {city.zh}" for city in CITIES)
        rows = [
            f"O2O Deals is starting on {url}",
            "",
            f"Cities: {cities}",
            "Deals in English and Chinese (the footer switches the language).",
            "",
            *(f"  {email:<24} {role}" for email, role, _ in DEMO_USERS),
            f"  password for all: {DEMO_PASSWORD}",
            "",
            f"Promo code at checkout: {DEMO_PROMO_CODE} (¥20 off orders of ¥150 or more);",
            "new accounts get a welcome red packet, deal pages offer coupons.",
            f"Coupons to claim: {url}coupons/",
            "Invite a friend (My account → Invite friends): you both get ¥20.",
            "",
            f"Admin:    {url}admin/",
            f"API docs: {url}api/docs/",
            "Web, Celery worker and beat run below. Ctrl-C stops everything.",
        ]
        line = "+" + "-" * (width - 2) + "+"
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(f"| {row}{' ' * (width - 4 - _columns(row))} |")
        self.stdout.write(line)
