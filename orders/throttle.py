"""Throttle wrong voucher codes per staff member and per store.

Valid codes cannot be guessed at a human typing rate; this keeps it so for a
script. Only failures count, so a busy counter is never slowed down: the
failures of each staff member and each store are counted in the cache, in
fixed windows of REDEEM_FAILURE_RATE ("10/10m": the 10th wrong code in a ten
minute window closes the door until the window ends). Shared by the redeem
page and the API.

The check runs before every redemption, so it is one cache round trip for
both counters. (django-ratelimit, used here before, took two per counter:
an add, then a get.) If the cache is down, nothing is throttled.
"""

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from o2o.cache import softly
from o2o.errors import DomainError

# Refusals that say "this code is wrong", as opposed to "this voucher cannot be used".
GUESS_CODES = frozenset({"malformed_code", "unknown_code"})
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class TooManyAttempts(DomainError):
    status = 429


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/10m' -> (10 failures, per 600 seconds)."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate.strip())
    if match is None:
        raise ValueError(f"a rate looks like '10/10m', not {rate!r}")
    limit, n, unit = match.groups()
    return int(limit), int(n or 1) * UNIT_SECONDS[unit]


def _keys(request: HttpRequest, store_id: int, window: int) -> list[str]:
    return [
        f"redeem-failures:staff:{request.user.pk}:{window}",
        f"redeem-failures:store:{store_id}:{window}",
    ]


def check_redeem_allowed(request: HttpRequest, store_id: int) -> None:
    """Refuse before looking the code up when this staff member or store is throttled."""
    limit, period = parse_rate(settings.REDEEM_FAILURE_RATE)
    now = time.time()
    counts = softly(cache.get_many, _keys(request, store_id, int(now // period)), default={})
    if any(count >= limit for count in counts.values()):
        raise TooManyAttempts(
            "too_many_attempts",
            _("Too many wrong codes. Please wait %(s)s seconds and try again.")
            % {"s": int(period - now % period) + 1},
        )


def record_redeem_failure(request: HttpRequest, store_id: int, code: str) -> None:
    if code not in GUESS_CODES:
        return
    _limit, period = parse_rate(settings.REDEEM_FAILURE_RATE)
    for key in _keys(request, store_id, int(time.time() // period)):
        softly(cache.add, key, 0, timeout=period + 60)  # outlives its window, then goes
        softly(cache.incr, key)
