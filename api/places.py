"""API: the places and categories to browse by (cities, districts, business
areas, categories), named in the request's language (Accept-Language; a
name missing in it falls back to English)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from merchants.models import City
from merchants.selectors import (
    business_areas_of,
    categories,
    chosen_city,
    cities,
    city_by_slug,
    districts_of,
)
from o2o.api import refusals
from o2o.errors import NotFound


class PlaceOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="In the request's language (Accept-Language).")


class BusinessAreaOutput(PlaceOutput):
    district = serializers.SlugField(source="district.slug", help_text="The district's slug.")
    lat = serializers.FloatField(source="latitude", help_text="Degrees (WGS-84).")
    lng = serializers.FloatField(source="longitude", help_text="Degrees (WGS-84).")


CITY_PARAMETER = OpenApiParameter(
    "city",
    OpenApiTypes.STR,
    description="A city's slug (GET /api/v1/cities/). Without it: the caller's city, the "
    "one they chose on the site (session) or in their account, else the default city.",
)
CITY_NOT_FOUND = ("city_not_found", _("There is no city with this slug (see /api/v1/cities/)."))


def city_asked(request: Request) -> City:
    """The city a request names with ?city=, else the caller's (as the site
    decides it: merchants.selectors.chosen_city); NotFound for an unknown slug."""
    slug = request.query_params.get("city")
    if slug:  # an empty ?city= (a form's empty choice) is no choice
        city = city_by_slug(slug)
        if city is None:
            raise NotFound(*CITY_NOT_FOUND)
        return city
    city = caller_city(request)
    if city is None:  # a site with no city at all
        raise NotFound(*CITY_NOT_FOUND)
    return city


def caller_city(request: Request | HttpRequest) -> City | None:
    """The city the site shows this caller (merchants.selectors.chosen_city:
    the session's choice, their account's, else the default); None on a
    site with no city."""
    session = getattr(getattr(request, "_request", request), "session", None)
    return chosen_city(
        remembered=session.get("city") if session is not None else None,
        user=getattr(request, "user", None),
    )


class CityListApi(APIView):
    """Every city, in the order the site lists them."""

    permission_classes = (AllowAny,)

    @extend_schema(responses=PlaceOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(PlaceOutput(cities(), many=True).data)


class CategoryListApi(APIView):
    """Every category of deals."""

    permission_classes = (AllowAny,)

    @extend_schema(responses=PlaceOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(PlaceOutput(categories(), many=True).data)


class DistrictListApi(APIView):
    """The districts of a city."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[CITY_PARAMETER],
        responses={200: PlaceOutput(many=True), **refusals({404: ["city_not_found"]})},
    )
    def get(self, request: Request) -> Response:
        return Response(PlaceOutput(districts_of(city_asked(request)), many=True).data)


class BusinessAreaListApi(APIView):
    """The business areas (商圈) of a city, with their district and a point
    to search nearby deals from (GET /api/v1/offers/?lat=&lng=)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[CITY_PARAMETER],
        responses={200: BusinessAreaOutput(many=True), **refusals({404: ["city_not_found"]})},
    )
    def get(self, request: Request) -> Response:
        areas = business_areas_of(city_asked(request))
        return Response(BusinessAreaOutput(areas, many=True).data)
