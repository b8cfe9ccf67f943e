"""Template helpers for places: a distance as people read it ("850 m",
"2.3 km"), a store's directions links, and the map of some stores."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from merchants.directions import Directions
from merchants.directions import directions as directions_for
from merchants.models import Store
from offers.geo import Point

register = template.Library()


@register.filter
def distance(metres: int | None) -> str:
    """850 → "850 m"; 2345 → "2.3 km"; 12345 → "12 km"; None → ""."""
    if metres is None or metres == "":
        return ""
    metres = int(metres)
    if metres < 1000:
        return _("%(distance)s m") % {"distance": metres}
    tenths = int(metres / 100 + 0.5)  # half up, as the database rounds the metres
    if tenths < 100:
        return _("%(distance)s km") % {"distance": f"{tenths / 10:.1f}"}
    return _("%(distance)s km") % {"distance": int(metres / 1000 + 0.5)}


@register.simple_tag
def directions(store: Store) -> list[Directions]:
    """`{% directions store as links %}`: the store in the map apps."""
    return directions_for(
        name=store.name, latitude=store.latitude, longitude=store.longitude, address=store.address
    )


def _pin(store: Store) -> dict[str, Any]:
    return {
        "id": store.pk,
        "name": store.name,
        "lat": float(store.latitude),
        "lng": float(store.longitude),
        "address": store.address,
        "distance": distance(getattr(store, "distance_m", None)),
        "links": [],
    }


def _pins_of_offers(offers: Iterable[Any]) -> list[dict[str, Any]]:
    """One pin per store: each offer's nearest open store (`nearby_stores`,
    from offers.selectors.nearby_offers), listing the offers found there."""
    pins: dict[int, dict[str, Any]] = {}
    for offer in offers:
        nearest = next(iter(getattr(offer, "nearby_stores", ())), None)
        if nearest is None:
            continue
        pin = pins.get(nearest.pk)
        if pin is None:
            pin = pins[nearest.pk] = _pin(nearest)
        link = {"text": offer.title, "url": reverse("offers:detail", args=[offer.pk])}
        pin["links"].append(link)
    return list(pins.values())


@register.inclusion_tag("partials/map.html")
def store_map(
    stores: Iterable[Store] = (),
    *,
    offers: Iterable[Any] = (),
    here: Point | None = None,
    here_label: str = "",
) -> dict[str, Any]:
    """The map of `stores` (or of the nearest store of each of `offers`),
    with `here` marked when given.

    Drawn by static/o2o/map.js with Leaflet, served by the app itself
    (settings.MAP_LEAFLET); tiles only from settings.MAP_TILES_URL, so
    without it the pins stand on a plain background and no other host is
    asked for anything. Without Leaflet, or without script, no map: the
    page's list of stores (or deals) is the map's text.
    """
    pins = [_pin(store) for store in stores if store.is_active] + _pins_of_offers(offers)
    data: dict[str, Any] = {"pins": pins, "here": None}
    if here is not None:
        data["here"] = {"lat": here.lat, "lng": here.lng, "label": here_label or _("You are here")}
    return {
        "show": bool(pins) and settings.MAP_LEAFLET,
        "map": data,
        "tiles": settings.MAP_TILES_URL,
        "attribution": settings.MAP_TILES_ATTRIBUTION,
    }
