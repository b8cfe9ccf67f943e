"""Values every page template needs."""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _city_name(request: HttpRequest) -> str:
    """The shopper's city for the header: remembered in the session when they
    chose one, else the default city's name (cached; cities rarely change)."""
    chosen = request.session.get("city_name") if hasattr(request, "session") else None
    if chosen:
        return str(chosen)
    from merchants.selectors import default_city

    def lookup() -> str:
        city = default_city()
        return city.name if city else ""

    try:
        return str(cache.get_or_set("default-city-name", lookup, 600))
    except Exception:  # the cache is a shortcut: without it, ask the database
        return lookup()


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "CITY_NAME": SimpleLazyObject(lambda: _city_name(request)),
        "SITE_NAME": settings.SITE_NAME,
        "CURRENCY": settings.CURRENCY,
        "STRIPE_JS_URL": settings.STRIPE_JS_URL,
    }
