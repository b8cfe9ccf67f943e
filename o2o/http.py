"""Request helpers shared by views: where to go next, who is asking."""

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


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
