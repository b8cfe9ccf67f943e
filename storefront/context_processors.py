"""The shopper's city, shown in every page's header."""

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from merchants.selectors import default_city


def _city_name(request: HttpRequest) -> str:
    """The shopper's city for the header: remembered in the session when they
    chose one (`offer_views.choose_city`), else the default city's name
    (cached; cities rarely change)."""
    chosen = request.session.get("city_name") if hasattr(request, "session") else None
    if chosen:
        return str(chosen)

    def lookup() -> str:
        city = default_city()
        return city.name if city else ""

    try:
        return str(cache.get_or_set("default-city-name", lookup, 600))
    except Exception:  # the cache is a shortcut: without it, ask the database
        return lookup()


def city(request: HttpRequest) -> dict[str, Any]:
    return {"CITY_NAME": SimpleLazyObject(lambda: _city_name(request))}
