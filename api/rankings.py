"""API: the rankings (榜单) of a city, by kind, category and district."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import refusals
from o2o.errors import DomainError
from rankings import selectors

from .offers import OfferOutput
from .places import caller_city


class RankedOfferOutput(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 for the first; numbered among deals on sale now.")
    score = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text="What orders the ranking: customers (most_redeemed), the Bayesian "
        "average rating (best_rated), recent customers plus their growth (new_rising).",
    )
    metric = serializers.IntegerField(
        help_text="The count behind the score: customers in 30 days (most_redeemed), "
        "reviews counted (best_rated), customers this week (new_rising)."
    )
    offer = OfferOutput()


class RankingOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.KINDS)
    city = serializers.CharField(source="city.slug")
    category = serializers.CharField(source="category.slug", allow_null=True)
    district = serializers.CharField(source="district.slug", allow_null=True)
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the job last computed it; null: not computed yet."
    )
    results = RankedOfferOutput(many=True)


SCOPE = ("city", "category", "district")


class RankingApi(APIView):
    """A ranking of the city's deals on sale, computed from vouchers used at
    the store and reviews of those visits (never views), every half hour.
    Without `city`, the city the site shows (the session's, else the first);
    without `category` or `district`, all of them."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(selectors.KINDS), required=True),
            OpenApiParameter("city", OpenApiTypes.STR, description="A city's slug."),
            OpenApiParameter("category", OpenApiTypes.STR, description="A category's slug."),
            OpenApiParameter(
                "district", OpenApiTypes.STR, description="A slug of a district of the city."
            ),
        ],
        responses={
            200: RankingOutput,
            **refusals(
                {
                    400: ["unknown_kind"],
                    404: ["city_not_found", "category_not_found", "district_not_found"],
                }
            ),
        },
    )
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind")
        if kind not in selectors.KINDS:
            raise DomainError(
                "unknown_kind",
                _("Say which ranking: kind is one of %(kinds)s.")
                % {"kinds": ", ".join(selectors.KINDS)},
            )
        # An empty value (a form's "all") is no filter.
        named = {name: request.query_params.get(name) or None for name in SCOPE}
        city, category, district = selectors.scope(
            **named, default_city=caller_city(request) if named["city"] is None else None
        )
        found = selectors.ranking(city=city, kind=kind, category=category, district=district)
        # A ranking lists deals on sale only (rankings.selectors).
        context = {"request": request, "on_sale": True, "coming": False}
        return Response(RankingOutput(found, context=context).data)
