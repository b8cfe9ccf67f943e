"""Print where the site runs and how to log in (used by `make run`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from .seed_demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        width = 72
        rows = [
            f"O2O Deals is starting on {url}",
            "",
            *(f"  {email:<24} {role}" for email, role, _ in DEMO_USERS),
            f"  password for all: {DEMO_PASSWORD}",
            "",
            f"Admin:    {url}admin/",
            f"API docs: {url}api/docs/",
            "Web, Celery worker and beat run below. Ctrl-C stops everything.",
        ]
        line = "+" + "-" * (width - 2) + "+"
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(f"| {row:<{width - 4}} |")
        self.stdout.write(line)
