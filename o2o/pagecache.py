"""Rendered fragments of the public catalogue pages (home, deal lists, deal
pages), kept in the cache so a popular page is not rebuilt on every view.

A fragment holds only what every visitor sees; the header, messages, the
language form (with its CSRF token) and per-user buttons are rendered around
it on each request. Keys carry version numbers:

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


def _versions(keys: list[str]) -> list[int]:
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        start = time.time_ns()
        for key in missing:
            cache.add(key, start, timeout=None)
        found.update(cache.get_many(missing))
    return [int(found.get(key, 0)) for key in keys]


def fragment_key(request: HttpRequest, page: str, *, offer_id: int | None = None) -> str | None:
    """The key of this request's fragment, or None when the cache is down."""
    keys = [CATALOG] if offer_id is None else [CATALOG, offer_version_key(offer_id)]
    try:
        versions = _versions(keys)
    except Exception:  # the cache is a shortcut, not a dependency
        logger.warning("page cache unavailable", exc_info=True)
        return None
    city = request.session.get("city", "") if hasattr(request, "session") else ""
    raw = (
        f"{request.scheme}://{request.get_host()}|{request.get_full_path()}|{get_language()}|{city}"
    )
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"pagecache:{page}:{'.'.join(map(str, versions))}:{digest}"


def get(key: str | None) -> dict[str, Any] | None:
    if key is None:
        return None
    try:
        return cache.get(key)  # type: ignore[no-any-return]
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None


def put(key: str | None, parts: dict[str, Any], *, timeout: int | None = None) -> None:
    if key is None:
        return
    try:
        cache.set(key, parts, timeout or settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)


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
