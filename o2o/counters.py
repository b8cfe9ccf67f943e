"""Hot counters (offer views) kept in Redis and flushed to the database in
batches, so a popular page does not write the database on every view.

Without Redis (the embedded setup) a view is counted straight into the row.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import F


@cache
def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def redis_client() -> Any | None:
    return _redis(settings.REDIS_URL) if settings.REDIS_URL else None


def _views_key() -> str:
    return f"{settings.COUNTERS_NAMESPACE}:offer-views"


def count_view(offer_id: int, *, write_through: Callable[[int], None]) -> None:
    client = redis_client()
    if client is None:
        write_through(offer_id)
        return
    try:
        client.hincrby(_views_key(), str(offer_id), 1)
    except Exception:  # a counter is not worth failing a page for; count it the slow way
        write_through(offer_id)


def flush_views(model: Any) -> int:
    """Move the counted views into the rows. The hash is renamed first, so views
    counted during the flush land in a fresh hash and are never lost."""
    client = redis_client()
    if client is None:
        return 0
    flushing = f"{_views_key()}:flushing"
    if not client.exists(flushing):
        try:
            client.rename(_views_key(), flushing)
        except Exception:  # nothing counted since the last flush
            return 0
    counts = {int(k): int(v) for k, v in client.hgetall(flushing).items()}
    for offer_id, n in counts.items():
        model.objects.filter(pk=offer_id).update(view_count=F("view_count") + n)
    client.delete(flushing)
    return sum(counts.values())
