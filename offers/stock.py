"""A short-lived hint in the cache that an offer is sold out, so the late
arrivals of a flash crowd are turned away without a database transaction.

The database stays the authority: the hint is only set right after the
conditional stock UPDATE found nothing left, it lives a few seconds, and it
is dropped as soon as stock comes back (a cancelled order, an edited stock).
Without a cache every request simply goes to the database.
"""

from django.core.cache import cache
from django.db import transaction

from o2o.cache import softly

SECONDS = 5


def _key(offer_id: int) -> str:
    return f"soldout:{offer_id}"


def known(offer_id: int) -> bool:
    return bool(softly(cache.get, _key(offer_id)))


def remember(offer_id: int) -> None:
    softly(cache.set, _key(offer_id), 1, SECONDS)


def forget(offer_id: int) -> None:
    """Stock came back: drop the hint now and again once it is committed.
    (If the cache is down, the hint expires within SECONDS anyway.)"""
    softly(cache.delete, _key(offer_id))
    transaction.on_commit(lambda: softly(cache.delete, _key(offer_id)))
