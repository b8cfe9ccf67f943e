"""Throttle wrong voucher codes per staff member and per store.

Valid codes cannot be guessed at a human typing rate; this keeps it so for a
script. Counted in the cache by django-ratelimit, shared by the redeem page
and the API. Only failures count: a busy counter is never slowed down.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from merchants.models import Store
from o2o.errors import DomainError

GROUP = "voucher-redeem-failures"
# Refusals that say "this code is wrong", as opposed to "this voucher cannot be used".
GUESS_CODES = frozenset({"malformed_code", "unknown_code"})


class TooManyAttempts(DomainError):
    status = 429


def _usages(request: HttpRequest, store: Store, *, increment: bool) -> list[dict | None]:
    keys = (f"staff:{request.user.pk}", f"store:{store.pk}")
    return [
        get_usage(
            request,
            group=GROUP,
            key=lambda _group, _request, k=key: k,
            rate=settings.REDEEM_FAILURE_RATE,
            method=ALL,
            increment=increment,
        )
        for key in keys
    ]


def check_redeem_allowed(request: HttpRequest, store: Store) -> None:
    """Refuse before looking the code up when this staff member or store is throttled."""
    for usage in _usages(request, store, increment=False):
        # django-ratelimit limits above the count; here the limit-th failure closes the door.
        if usage and usage["count"] >= usage["limit"]:
            raise TooManyAttempts(
                "too_many_attempts",
                _("Too many wrong codes. Please wait %(s)s seconds and try again.")
                % {"s": usage["time_left"]},
            )


def record_redeem_failure(request: HttpRequest, store: Store, code: str) -> None:
    if code in GUESS_CODES:
        _usages(request, store, increment=True)
