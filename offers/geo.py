"""Distance in the database: which stores, and so which offers, are near a
point, computed by SQL on SQLite and PostgreSQL alike.

Two steps, both in the query:

1. a bounding box around the point, compared with the raw coordinate
   columns, so the Store(latitude, longitude) index narrows the rows;
2. the exact great-circle (haversine) distance of the rows left, from
   Django's math functions (registered by Django on SQLite, built into
   PostgreSQL), compared with the radius and rounded to whole metres.

An offer's distance is its nearest usable store's: an open store
(`is_active`) among the stores the offer may be used at. Nothing here loads
stores into Python to measure them.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import (
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Floor
from django.db.models.lookups import LessThanOrEqual

from merchants.models import Store

from .models import Offer

# The mean radius of the Earth (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8
# The largest radius a search may ask for, and the one used when it asks for
# none: the box that prefilters the stores never grows past it.
MAX_RADIUS_KM = 50
# The columns hold six decimals (about 0.1 m); the box is widened by one
# more step of them so that rounding never leaves an edge store outside it.
_STEP = Decimal("0.000001")


@dataclass(frozen=True)
class Point:
    """A position in degrees (WGS-84, what browsers' geolocation gives)."""

    lat: float
    lng: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lng <= 180):
            raise ValueError("latitude within ±90 and longitude within ±180")


@dataclass(frozen=True)
class Box:
    lat_min: Decimal
    lat_max: Decimal
    lng_min: Decimal
    lng_max: Decimal

    def q(self, prefix: str = "") -> Q:
        """The rows whose coordinates are inside the box."""
        return Q(
            **{
                f"{prefix}latitude__gte": self.lat_min,
                f"{prefix}latitude__lte": self.lat_max,
                f"{prefix}longitude__gte": self.lng_min,
                f"{prefix}longitude__lte": self.lng_max,
            }
        )


def _down(degrees: float) -> Decimal:
    return Decimal(degrees).quantize(_STEP, rounding=ROUND_FLOOR) - _STEP


def _up(degrees: float) -> Decimal:
    return Decimal(degrees).quantize(_STEP, rounding=ROUND_CEILING) + _STEP


def bounding_box(point: Point, radius_m: float) -> Box:
    """The smallest latitude/longitude box holding every point within
    `radius_m` of `point`.

    North and south the circle reaches radius/R radians of latitude. East
    and west it reaches asin(sin(radius/R) / cos(lat)) of longitude (wider
    than radius/(R cos lat), which would cut off the circle's sides); near
    a pole, or across the antimeridian, the box takes every longitude.
    """
    angle = radius_m / EARTH_RADIUS_M
    lat = math.radians(point.lat)
    lat_min, lat_max = point.lat - math.degrees(angle), point.lat + math.degrees(angle)
    spread = math.sin(angle) / math.cos(lat) if abs(point.lat) < 90 else 2.0
    if lat_min <= -90 or lat_max >= 90 or spread >= 1:
        lng_min, lng_max = -180.0, 180.0
    else:
        reach = math.degrees(math.asin(spread))
        lng_min, lng_max = point.lng - reach, point.lng + reach
        if lng_min < -180 or lng_max > 180:
            lng_min, lng_max = -180.0, 180.0
    return Box(
        lat_min=max(_down(lat_min), Decimal(-90)),
        lat_max=min(_up(lat_max), Decimal(90)),
        lng_min=max(_down(lng_min), Decimal(-180)),
        lng_max=min(_up(lng_max), Decimal(180)),
    )


class Haversine(Func):
    """The great-circle distance in metres from a fixed point to a row's
    latitude and longitude: the haversine formula written with the math
    functions both databases have (built into PostgreSQL, registered by
    Django on SQLite).

    One expression node rather than the twenty-odd of composing Django's
    math functions, which the ORM copied, resolved and compiled on every
    use: most of a nearby request's Python before this."""

    output_field = FloatField()
    arity = 2

    def __init__(self, latitude: Any, longitude: Any, *, point: Point) -> None:
        super().__init__(
            Cast(latitude, FloatField()), Cast(longitude, FloatField()), output_field=FloatField()
        )
        self.point = point

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        lat, lat_params = compiler.compile(self.source_expressions[0])
        lng, lng_params = compiler.compile(self.source_expressions[1])
        here_lat, here_lng = math.radians(self.point.lat), math.radians(self.point.lng)
        sql = (
            f"(%s * ASIN(SQRT(POWER(SIN((RADIANS({lat}) - %s) * %s), %s)"
            f" + %s * COS(RADIANS({lat})) * POWER(SIN((RADIANS({lng}) - %s) * %s), %s))))"
        )
        params = (
            2 * EARTH_RADIUS_M,
            *lat_params,
            here_lat,
            0.5,
            2.0,
            math.cos(here_lat),
            *lat_params,
            *lng_params,
            here_lng,
            0.5,
            2.0,
        )
        return sql, params


def distance(point: Point, prefix: str = "") -> Combinable:
    """The exact distance in metres (a float) from `point` to the row's
    `latitude` and `longitude` (behind `prefix`, e.g. "store__"), by the
    haversine formula."""
    return Haversine(F(f"{prefix}latitude"), F(f"{prefix}longitude"), point=point)


def whole_metres(metres: Combinable) -> Combinable:
    """Rounded half up to a whole number of metres, the same on both
    databases (PostgreSQL's round() of a float rounds half to even)."""
    return Floor(metres + Value(0.5))


def _radius_m(radius_km: float | None) -> float:
    return 1000 * (radius_km if radius_km is not None else MAX_RADIUS_KM)


def usable_stores_near(point: Point, radius_km: float | None = None) -> QuerySet:
    """Rows of the offer–store table (Offer.stores.through) whose store is
    open and within the radius of `point` (MAX_RADIUS_KM without one),
    annotated with the exact `distance` in metres."""
    radius_m = _radius_m(radius_km)
    return (
        Offer.stores.through.objects.filter(
            bounding_box(point, radius_m).q("store__"), store__is_active=True
        )
        .alias(distance=distance(point, "store__"))
        .filter(LessThanOrEqual(F("distance"), radius_m))
    )


def with_distance(
    offers: QuerySet[Offer], point: Point, *, radius_km: float | None = None
) -> QuerySet[Offer]:
    """`offers`, each annotated with `distance_m`: whole metres from `point`
    to its nearest usable store.

    With `radius_km`, only offers with a usable store within it are kept (a
    store exactly at the radius is in). Without, none is left out, and
    `distance_m` is None for an offer with no usable store within
    MAX_RADIUS_KM.

    One pass over each offer's own stores (a join and MIN ... FILTER, grouped
    by offer), after the radius has picked the offers from the stores in the
    box: each (offer, store) pair is measured once, never every store in the
    box again for every offer.
    """
    radius_m = _radius_m(radius_km)
    metres = distance(point, "stores__")
    usable = (
        bounding_box(point, radius_m).q("stores__")
        & Q(stores__is_active=True)
        & Q(LessThanOrEqual(metres, radius_m))
    )
    if radius_km is not None:
        offers = offers.filter(pk__in=usable_stores_near(point, radius_km).values("offer_id"))
    return offers.annotate(
        distance_m=Cast(Min(whole_metres(metres), filter=usable), IntegerField())
    )


def by_distance(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Nearest first (offers with no distance last); ties by id."""
    return offers.order_by(F("distance_m").asc(nulls_last=True), "pk")


def stores_near(point: Point, *, radius_km: float | None = None) -> QuerySet[Store]:
    """Open stores within the radius (MAX_RADIUS_KM without one), annotated
    with `distance_m` in whole metres, nearest first."""
    radius_m = _radius_m(radius_km)
    return (
        Store.objects.filter(bounding_box(point, radius_m).q(), is_active=True)
        .alias(distance=distance(point))
        .filter(LessThanOrEqual(F("distance"), radius_m))
        .annotate(distance_m=Cast(whole_metres(F("distance")), IntegerField()))
        .order_by("distance", "pk")
    )


def with_nearest_stores(
    offers: QuerySet[Offer], point: Point, *, radius_km: float | None = None
) -> QuerySet[Offer]:
    """`offers` with `nearby_stores`: each offer's open stores within the
    radius, nearest first, each with `distance_m` (one query for a page of
    offers; the map pins the first)."""
    return offers.prefetch_related(
        Prefetch(
            "stores", queryset=stores_near(point, radius_km=radius_km), to_attr="nearby_stores"
        )
    )
