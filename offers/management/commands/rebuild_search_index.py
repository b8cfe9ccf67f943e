"""Write every deal's search document again (offers.search.rebuild_index)."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from offers import search


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the deals as they are: after a bulk load that "
        "sent no signals (loaddata, bulk_create), or a change of how words are cut."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with transaction.atomic():  # searches meanwhile see the old index, then the new
            indexed = search.rebuild_index()
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {indexed} deals in {time.monotonic() - started:.1f} s.")
        )
