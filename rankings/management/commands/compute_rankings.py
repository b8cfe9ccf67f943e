"""`manage.py compute_rankings`: the beat job's work, now (after loading demo data, say)."""

from typing import Any

from django.core.management.base import BaseCommand

from rankings.services import rankings_compute


class Command(BaseCommand):
    help = "Compute every city's rankings (榜单) now, as the periodic job does."

    def handle(self, *args: Any, **options: Any) -> None:
        written = rankings_compute()
        self.stdout.write(f"{written} rankings computed.")
