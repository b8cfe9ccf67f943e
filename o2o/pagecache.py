"""Rendered fragments of the public catalogue pages (home, deal lists, deal
pages), kept in the cache so a popular page is not rebuilt on every view.

A fragment holds only what every visitor sees; the header, messages, the
language form (with its CSRF token) and per-user buttons are rendered around
it on each request. For anonymous visitors with no messages waiting, the
whole page is kept too, with a slot for their own CSRF token.

One entry per URL, language and city holds the fragments with the version
numbers they were built under, read in the same round trip as the current
versions; a mismatch means rebuild:

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

from o2o.cache import softly

logger = logging.getLogger(__name__)

CATALOG = "pagecache:catalog"


def offer_version_key(offer_id: int) -> str:
    return f"pagecache:offer:{offer_id}"


# Where an anonymous visitor's own CSRF token goes in a cached whole page.
CSRF_SLOT = "csrf-token-slot-3b1f9c"


class Lookup:
    """One request's look in the cache: the fragments (and, for anonymous
    visitors, the whole page) if a current copy is there, else what is
    needed to keep the ones about to be built."""

    def __init__(
        self,
        key: str | None,
        versions: list[int],
        parts: dict[str, Any] | None,
        html: str | None = None,
    ) -> None:
        self.key, self.versions, self.parts, self.html = key, versions, parts, html

    def _set(self, key: str, value: Any) -> None:
        # Stored under the versions read before building: if anything changed
        # meanwhile, the copy is already stale and the next request rebuilds.
        if all(self.versions):
            softly(cache.set, key, (self.versions, value), settings.PAGE_CACHE_SECONDS)

    def keep(self, parts: dict[str, Any]) -> None:
        if self.key is not None:
            self._set(self.key, parts)

    def keep_page(self, html: str) -> None:
        """An anonymous visitor's whole page, with CSRF_SLOT for the token."""
        if self.key is not None:
            self._set(self.key + ":anonymous", html)


def lookup(
    request: HttpRequest,
    page: str,
    *,
    offer_id: int | None = None,
    whole_page: bool = False,
    city: str | None = None,
) -> Lookup:
    """The versions and this request's fragments (and whole page, when asked
    for an anonymous visitor), in one round trip.

    `city` is the slug of the city the page shows (the caller decides it:
    the request's ?city=, the session's or the user's choice); without it,
    the session's choice."""
    if city is None:
        city = request.session.get("city", "") if hasattr(request, "session") else ""
    raw = (
        f"{request.scheme}://{request.get_host()}|{request.get_full_path()}|{get_language()}|{city}"
    )
    key = f"pagecache:{page}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
    version_keys = [CATALOG] if offer_id is None else [CATALOG, offer_version_key(offer_id)]
    wanted = [*version_keys, key] + ([key + ":anonymous"] if whole_page else [])
    try:
        found = cache.get_many(wanted)
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

    def current(k: str) -> Any:
        entry = found.get(k)
        return entry[1] if entry is not None and entry[0] == versions else None

    html = current(key + ":anonymous") if whole_page else None
    return Lookup(key, versions, current(key), html)


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


# --- fragments shared by many pages (the deal cards) ---------------------------


def fragments(keys: list[str]) -> tuple[int, dict[str, Any]]:
    """The catalogue version and, of `keys`, the fragments kept under it, in
    one round trip. Each is kept as (version, value): an entry of an older
    version is left out. The version is 0 when the cache is unavailable."""
    try:
        found = cache.get_many([CATALOG, *keys])
        if CATALOG not in found:
            cache.add(CATALOG, time.time_ns(), timeout=None)
            found[CATALOG] = cache.get(CATALOG, 0)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return 0, {}
    version = int(found.pop(CATALOG) or 0)
    return version, {
        key: entry[1] for key, entry in found.items() if entry is not None and entry[0] == version
    }


# Fragments are exact for their catalogue version (and the values in their
# key): they live longer than pages, which also show what time changes (a
# sale window closing) and are kept PAGE_CACHE_SECONDS.
FRAGMENT_SECONDS = 3600


def keep_fragments(
    version: int, entries: dict[str, Any], *, seconds: int = FRAGMENT_SECONDS
) -> None:
    """Keep fragments built under the catalogue `version` (as read before
    building: if the catalogue changed meanwhile, they are already stale).
    A fragment keyed on what a client typed is kept only `seconds` as short
    as a page, so made-up values cannot fill the cache for an hour."""
    if version and entries:
        softly(
            cache.set_many,
            {key: (version, value) for key, value in entries.items()},
            seconds,
        )
