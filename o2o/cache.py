"""The cache as this project uses it: a shortcut, never a dependency.

`softly` runs a cache call and, if the cache is down, logs and carries on
with a default, so pages, orders and the API work (more slowly) without it.

Django's Redis cache, below, keeps one redis-py client per connection pool.

Django's RedisCacheClient builds a new redis.Redis object for every cache
call, and redis-py fills a table of ~170 response callbacks each time: about
a tenth of a millisecond per call, several times per request on the hot
pages. A redis.Redis object is safe to share between threads, so we keep one.
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")


def softly(operation: Callable[..., T], *args: Any, default: Any = None, **kwargs: Any) -> T:
    """`operation(*args, **kwargs)`, or `default` (logged) if the cache fails."""
    try:
        return operation(*args, **kwargs)
    except Exception:
        logger.warning(
            "cache unavailable: %s", getattr(operation, "__name__", operation), exc_info=True
        )
        return default  # type: ignore[no-any-return]


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        base: Any = self  # django-stubs do not describe the client's private helpers
        index = base._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = base._get_connection_pool(write)
            client = self._clients[index] = base._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient


class SoldOutHint:
    """A short-lived mark in the cache that something is gone (an offer's
    stock, a coupon campaign's coupons), so a crowd's late arrivals are
    turned away without a database transaction.

    The database stays the authority: a hint is set only right after the
    conditional UPDATE found nothing left, lives `seconds`, and is dropped as
    soon as there is some again. Without a cache every request goes to the
    database."""

    def __init__(self, prefix: str, seconds: int) -> None:
        self.prefix, self.seconds = prefix, seconds

    def _key(self, pk: int) -> str:
        return f"{self.prefix}:{pk}"

    def known(self, pk: int) -> bool:
        return bool(softly(cache.get, self._key(pk)))

    def remember(self, pk: int) -> None:
        softly(cache.set, self._key(pk), 1, self.seconds)

    def forget(self, pk: int) -> None:
        """Some came back: drop the hint now and again once it is committed."""
        softly(cache.delete, self._key(pk))
        transaction.on_commit(lambda: softly(cache.delete, self._key(pk)))
