"""Request helpers shared by views, and the cap on a request's size."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` parameter when it points at this site, else `default` (a URL or name)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


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
