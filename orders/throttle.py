"""Throttle wrong voucher codes per staff member and per store.

Valid codes cannot be guessed at a human typing rate; this keeps it so for a
script. Only failures count, so a busy counter is never slowed down: the
wrong codes of each staff member and each store are counted in fixed
windows of REDEEM_FAILURE_RATE ("10/10m": the 10th wrong code in a ten
minute window closes the door, for every code, until the window ends).

The counts live in the database (RedeemFailures), because the check runs
before every redemption: the redemption reads them (`failures_in`) in the
same statement as the staff check, so the check costs no round trip of its
own. (A cache counter, as before, cost one per redemption; django-ratelimit
took four.)
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import DomainError

from .models import RedeemFailures

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


@dataclass(frozen=True)
class Window:
    """The current window for one staff member at one store."""

    staff_id: int
    store_id: int
    limit: int
    period: int
    now: float

    @classmethod
    def current(cls, *, staff_id: int, store_id: int) -> "Window":
        limit, period = parse_rate(settings.REDEEM_FAILURE_RATE)
        return cls(staff_id, store_id, limit, period, time.time())

    @property
    def number(self) -> int:
        return int(self.now // self.period)

    @property
    def scopes(self) -> tuple[str, str]:
        return f"staff:{self.staff_id}", f"store:{self.store_id}"

    def refuse_if_closed(self, failures: int) -> None:
        if failures >= self.limit:
            raise TooManyAttempts(
                "too_many_attempts",
                _("Too many wrong codes. Please wait %(s)s seconds and try again.")
                % {"s": int(self.period - self.now % self.period) + 1},
            )


def failures_in(window: int, scopes: tuple[str, str]) -> Coalesce:
    """The larger of the wrong-code counts of `scopes` in `window`, as an
    expression another query can read (the redemption reads it beside the
    staff check, in one statement)."""
    counts = RedeemFailures.objects.filter(window=window, scope__in=scopes).order_by()
    largest = counts.values("window").annotate(n=Max("count")).values("n")[:1]
    return Coalesce(Subquery(largest), 0)


def record_redeem_failure(*, by: User, store_id: int, code: str) -> None:
    """Count a wrong code (after the refused redemption, which wrote nothing)."""
    if code not in GUESS_CODES:
        return
    window = Window.current(staff_id=by.pk, store_id=store_id)
    with transaction.atomic():
        for scope in window.scopes:
            counted = RedeemFailures.objects.filter(scope=scope, window=window.number)
            if not counted.update(count=F("count") + 1):
                try:
                    with transaction.atomic():
                        RedeemFailures.objects.create(scope=scope, window=window.number, count=1)
                except IntegrityError:  # another request created it meanwhile
                    counted.update(count=F("count") + 1)
        # Past windows mean nothing any more.
        RedeemFailures.objects.filter(
            scope__in=window.scopes, window__lt=window.number - 1
        ).delete()
