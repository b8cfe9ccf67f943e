"""Rate limits per client address, one budget shared by the API and the pages.

A scope's rate is the one DRF's settings give it
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], e.g. "auth": "20/min"), read on
each attempt, and the address is `o2o.http.client_ip`, which a client cannot
forge. The API's sign-up and log-in (`ClientAddressThrottle`) and the pages'
forms (`attempt`) count in the same window of the same scope, so a second
door gives no second budget.

Counts are kept in the default cache (Redis in production, shared by every
web process) in fixed windows, with the cache's atomic `add` and `incr`:
simultaneous attempts each get their own number, whereas DRF's own
throttles read a list of times and write it back, so a burst in parallel
could all read the same list and all pass. If the cache is down the limit
is not applied (logged), as the rest of the site carries on without it;
django-axes's lock on an e-mail and address is kept in the database.
"""

import math
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from o2o.cache import softly
from o2o.http import client_ip

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's notation: '20/min' -> (20 attempts, per 60 seconds)."""
    number, period = rate.split("/")
    return int(number), SECONDS[period.strip()[0]]


def attempt(request: HttpRequest, *, scope: str) -> int | None:
    """Count one attempt of `scope` from this request's client address.

    Returns None while within the limit, else the seconds until the window
    ends and attempts are let through again.
    """
    rate = api_settings.DEFAULT_THROTTLE_RATES[scope]
    if rate is None:  # as in DRF: a scope set to None is not limited
        return None
    limit, period = parse_rate(str(rate))
    now = time.time()
    if _counted(request, scope, period, now) <= limit:
        return None
    return math.ceil(period - now % period)


def within(request: HttpRequest, *, name: str, limit: int, period: int) -> bool:
    """Count one `name` from this request's client address in the current
    window of `period` seconds; whether it is still within `limit`."""
    return _counted(request, name, period, time.time()) <= limit


def _counted(request: HttpRequest, name: str, period: int, now: float) -> int:
    key = f"ratelimit:{name}:{int(now // period)}:{client_ip(request)}"
    return int(softly(_count, key, period, default=0))


def _count(key: str, period: int) -> int:
    # The key outlives its window a little, so a late `incr` still finds it.
    cache.add(key, 0, timeout=period + 1)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between the two calls: a new window
        cache.add(key, 0, timeout=period + 1)
        return cache.incr(key)


class ClientAddressThrottle(BaseThrottle):
    """DRF's throttle interface over `attempt`, for views with a `throttle_scope`.

    Only POSTs count: a GET or an OPTIONS is not an attempt.
    """

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method != "POST":
            return True
        self._wait = attempt(request._request, scope=view.throttle_scope)
        return self._wait is None

    def get_ident(self, request: Any) -> str:
        return client_ip(request._request)

    def wait(self) -> float | None:
        return self._wait
