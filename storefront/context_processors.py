"""The shopper's city and the others to switch to, in every page's header."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from merchants.selectors import cities

from .cities import current_city


def city(request: HttpRequest) -> dict[str, Any]:
    """CITY: the city this request browses (storefront.cities.current_city);
    CITIES: every city, for the switcher; CITY_NAME: the city's name in the
    request's language. Lazy: read only by pages that show them, and from
    the cache (merchants.selectors.cities), not the database."""
    return {
        "CITY": SimpleLazyObject(lambda: current_city(request)),
        "CITIES": SimpleLazyObject(cities),
        "CITY_NAME": SimpleLazyObject(lambda: _name(request)),
    }


def _name(request: HttpRequest) -> str:
    chosen = current_city(request)
    return chosen.name if chosen is not None else ""
