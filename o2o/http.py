"""Request helpers shared by views: where to go next, and the one way every
view, form, filter, serializer and service reads a number a client sent."""

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from o2o.errors import DomainError

# The largest primary key the database can hold (a bigint, on PostgreSQL and
# SQLite alike). A larger id names nothing; sent to the database, it fails
# ("integer out of range", OverflowError) instead of finding nothing.
MAX_ID = 2**63 - 1

# ASCII digits only. str.isdigit() says yes to "²", which int() then refuses
# (a 500 wherever isdigit() guarded int()); int() itself takes other scripts'
# digits ("١٢" is 12), spaces around and underscores ("1_000"), none of which
# our pages or apps send. 30 digits bound the work int() does on a hostile string.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,30}")


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` parameter when it points at this site, else `default` (a URL or name)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def refusal_page(request: HttpRequest, err: DomainError, *, back: str) -> HttpResponse:
    """A page's answer to a request it refuses outright (a forged form value,
    say): the error's message and code, with its 4xx status, and a way back
    (a URL or a URL name). Nothing was changed."""
    return render(
        request,
        "refused.html",
        {"message": err.message, "code": err.code, "back": resolve_url(back)},
        status=err.status,
    )


def parse_int(raw: object) -> int | None:
    """A whole number as a client sends one: a JSON integer (not a boolean)
    or a string of ASCII digits with an optional minus sign; None for
    anything else (floats, "1.0", " 7", "²", "١", "1_000", 31 digits or more)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw):
        return int(raw)
    return None


def parse_id(raw: object) -> int | None:
    """A database id a client sent: a whole number from 1 to MAX_ID (see
    parse_int), or None, which the caller answers as "no such thing"."""
    value = parse_int(raw)
    if value is None or not 1 <= value <= MAX_ID:
        return None
    return value
