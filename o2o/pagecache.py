"""Rendered fragments of the public catalogue pages (home, deal lists, deal
pages), kept in the cache so a popular page is not rebuilt on every view.

A fragment holds only what every visitor sees; the header, messages, the
language form (with its CSRF token) and per-user buttons are rendered around
it on each request. One entry per URL, language and city holds the
fragments with the version numbers they were built under, read in the same
round trip as the current versions; a mismatch means rebuild:

- the catalogue version changes whenever an offer, merchant, store, category,
  image or review changes (signals in `offers.signals`), and when an offer
  sells out or comes back in stock;
- each offer's own version also changes when its stock or sales count moves,
  so the deal page's "N left" is exact while the lists, which show counts
  only in passing, are not rebuilt on every purchase (they refresh within
  PAGE_CACHE_SECONDS).

Versions start from the clock, so a version lost from the cache is never
reused. The cache failing makes pages slower, never broken.
"""

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

CATALOG = "pagecache:catalog"


def offer_version_key(offer_id: int) -> str:
    return f"pagecache:offer:{offer_id}"


class Lookup:
    """One request's look in the cache: the fragments if a current copy is
    there, else what is needed to keep the ones about to be built."""

    def __init__(self, key: str | None, versions: list[int], parts: dict[str, Any] | None):
        self.key, self.versions, self.parts = key, versions, parts

    def keep(self, parts: dict[str, Any]) -> None:
        """Store freshly built fragments under the versions read before
        building them: if anything changed meanwhile, they are already stale
        and the next request rebuilds them."""
        if self.key is None or not all(self.versions):
            return
        try:
            cache.set(self.key, (self.versions, parts), settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache unavailable", exc_info=True)


def lookup(request: HttpRequest, page: str, *, offer_id: int | None = None) -> Lookup:
    """The versions and this request's fragments, in one round trip."""
    city = request.session.get("city", "") if hasattr(request, "session") else ""
    raw = (
        f"{request.scheme}://{request.get_host()}|{request.get_full_path()}|{get_language()}|{city}"
    )
    key = f"pagecache:{page}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
    version_keys = [CATALOG] if offer_id is None else [CATALOG, offer_version_key(offer_id)]
    try:
        found = cache.get_many([*version_keys, key])
        missing = [k for k in version_keys if k not in found]
        if missing:  # first use, or evicted: start from the clock, never reused
            start = time.time_ns()
            for k in missing:
                cache.add(k, start, timeout=None)
            found.update(cache.get_many(missing))
    except Exception:  # the cache is a shortcut, not a dependency
        logger.warning("page cache unavailable", exc_info=True)
        return Lookup(None, [], None)
    versions = [int(found.get(k, 0)) for k in version_keys]
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return Lookup(key, versions, entry[1])
    return Lookup(key, versions, None)


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # not in the cache: start a fresh, never-used version
            cache.set(key, time.time_ns(), timeout=None)
    except Exception:
        # Fragments then live until PAGE_CACHE_SECONDS runs out.
        logger.warning("page cache version not bumped: %s", key, exc_info=True)


def _bump_now_and_on_commit(key: str) -> None:
    # Now, so this transaction's own later reads miss the cache; again after
    # commit, so a page rebuilt meanwhile from the old rows is not kept.
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def catalog_changed() -> None:
    """Every cached catalogue page is stale."""
    _bump_now_and_on_commit(CATALOG)


def offer_stock_changed(offer_id: int, *, crossed_zero: bool = False) -> None:
    """The offer's stock or sales count moved; lists too if it sold out or
    came back in stock. (After commit only: this is on every purchase, and a
    page rebuilt meanwhile from the old rows is dropped by the bump.)"""
    key = offer_version_key(offer_id)
    transaction.on_commit(lambda: _bump(key))
    if crossed_zero:
        catalog_changed()
