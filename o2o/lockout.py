"""What a locked-out client sees (django-axes): JSON for the API, a page otherwise."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "locked_out",
                "detail": _("Too many failed log-ins. Try again in 15 minutes."),
            },
            status=429,
        )
    return render(request, "accounts/locked_out.html", status=429)
