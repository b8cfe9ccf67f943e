"""Request helpers shared by views: where to go next, who is asking, the cap
on a request's size, and the one way every view, form, filter, serializer and
service reads a number a client sent."""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

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


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as a client cannot forge it.

    Every limit keyed on an address (the API's throttles, the sign-up and
    log-in forms, django-axes's lock) reads it here, so all follow one rule.

    With TRUSTED_PROXY_COUNT = 0 clients reach the app directly: the socket's
    peer (REMOTE_ADDR) is the client, and X-Forwarded-For is whatever the
    client chose to write, so it is ignored. Behind N proxies, each appends
    the address it was reached from, so the N-th entry from the right is the
    one our outermost proxy wrote; the entries left of it came from the
    client. No header (a request that did not pass through the proxies)
    leaves REMOTE_ADDR. This is DRF's NUM_PROXIES rule, which the settings
    keep equal to TRUSTED_PROXY_COUNT.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or forwarded_for is None:
        return remote_addr
    hops = forwarded_for.split(",")
    # Fewer entries than proxies: the outer proxies were skipped, and the
    # left-most entry is the one the first proxy reached wrote.
    return hops[-min(proxies, len(hops))].strip()


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is declared larger than REQUEST_MAX_BYTES
    with a 413, before anything reads a byte of it.

    Django reads at most CONTENT_LENGTH bytes of a body (none without the
    header), so the declared length bounds what a request can make the server
    read, spool to disk or parse.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return self.refuse(request, length)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, length: int) -> HttpResponse:
        detail = _(
            "This upload is %(size)s; at most %(limit)s can be sent at once. "
            "Send fewer or smaller photos."
        ) % {"size": filesizeformat(length), "limit": filesizeformat(settings.REQUEST_MAX_BYTES)}
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "request_too_large", "detail": detail}, status=413)
        photo_limit = filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)
        return render(
            request, "413.html", {"detail": detail, "photo_limit": photo_limit}, status=413
        )


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
