"""Links that open a store in the map apps people use, for directions.

Only links: nothing is loaded from these hosts until the person follows one.
The stores' coordinates are WGS-84 (what browsers' geolocation gives, and
what "nearby" measures from); the Chinese apps are told so, and convert to
their own systems (GCJ-02, BD-09) themselves.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Directions:
    app: str  # a stable key: amap, baidu, apple, google
    label: str | Promise  # the app's name, for people
    url: str


def _degrees(value: Decimal | float) -> str:
    return f"{Decimal(value):.6f}"


def directions(
    *, name: str, latitude: Decimal, longitude: Decimal, address: str = ""
) -> list[Directions]:
    """The store in Amap (高德), Baidu Maps, Apple Maps and Google Maps, each
    by its documented web URL, which opens the app where it is installed."""
    lat, lng = _degrees(latitude), _degrees(longitude)
    source = settings.SITE_NAME
    # Amap: `to` is "lng,lat,name", so the name loses its commas.
    amap = urlencode(
        {
            "to": f"{lng},{lat},{name.replace(',', ' ')}",
            "mode": "car",
            "coordinate": "wgs84",
            "callnative": "1",
            "src": source,
        }
    )
    baidu = urlencode(
        {
            "location": f"{lat},{lng}",
            "title": name,
            "content": address or name,
            "output": "html",
            "coord_type": "wgs84",
            "src": f"webapp.{source}",
        }
    )
    apple = urlencode({"daddr": f"{lat},{lng}", "q": name})
    google = urlencode({"api": "1", "destination": f"{lat},{lng}"})
    return [
        Directions("amap", _("Amap"), f"https://uri.amap.com/navigation?{amap}"),
        Directions("baidu", _("Baidu Maps"), f"https://api.map.baidu.com/marker?{baidu}"),
        Directions("apple", _("Apple Maps"), f"https://maps.apple.com/?{apple}"),
        Directions("google", _("Google Maps"), f"https://www.google.com/maps/dir/?{google}"),
    ]
