"""A short-lived hint in the cache that an offer is sold out, so the late
arrivals of a flash crowd are turned away without a database transaction.

The database stays the authority: the hint is only set right after the
conditional stock UPDATE found nothing left, it lives a few seconds, and it
is dropped as soon as stock comes back (a cancelled order, an edited stock).
Without a cache every request simply goes to the database.
"""

import logging

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

SECONDS = 5


def _key(offer_id: int) -> str:
    return f"soldout:{offer_id}"


def known(offer_id: int) -> bool:
    try:
        return bool(cache.get(_key(offer_id)))
    except Exception:
        logger.warning("sold-out hint unavailable", exc_info=True)
        return False


def remember(offer_id: int) -> None:
    try:
        cache.set(_key(offer_id), 1, SECONDS)
    except Exception:
        logger.warning("sold-out hint not kept", exc_info=True)


def forget(offer_id: int) -> None:
    """Stock came back: drop the hint now and again once it is committed."""

    def drop() -> None:
        try:
            cache.delete(_key(offer_id))
        except Exception:  # it expires within SECONDS anyway
            logger.warning("sold-out hint not dropped", exc_info=True)

    drop()
    transaction.on_commit(drop)
