"""API: suggestions as you type, for the search box of the site and the apps."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import refusals
from offers import search
from offers.selectors import visible_offers

from .places import CITY_PARAMETER, caller_city, city_asked

KINDS = ("offer", "merchant", "category", "area", "query")


class SuggestionOutput(serializers.Serializer):
    text = serializers.CharField(help_text="What to search for (put it in the search box).")
    kind = serializers.ChoiceField(
        choices=KINDS,
        help_text="What it is: a deal's title, a merchant, a category, a district or "
        "business area, or a popular search.",
    )


class SuggestOutput(serializers.Serializer):
    q = serializers.CharField()
    suggestions = SuggestionOutput(many=True)


class SearchSuggestApi(APIView):
    """Up to 10 things to search for that begin like `q`, typed in English,
    Chinese or pinyin (`huo` → 火锅): popular searches, categories, places,
    merchants and live deals of the city (`?city=`, else the caller's city,
    as the offers' list and the site take it)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": search.SUGGEST_MAX_LENGTH},
                required=True,
                description="What has been typed so far.",
            ),
            CITY_PARAMETER,
        ],
        responses={
            200: SuggestOutput,
            **refusals({400: ["q_required", "q_too_long"], 404: ["city_not_found"]}),
        },
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        # A city that does not exist is refused; a site with no city yet: everything.
        city = city_asked(request) if request.query_params.get("city") else caller_city(request)
        offers = visible_offers()
        if city is not None:
            offers = offers.filter(merchant__city=city)
        found = search.suggest(q, offers=offers, city_id=city.pk if city else None)
        return Response(
            SuggestOutput(
                {"q": q.strip(), "suggestions": [{"text": s.text, "kind": s.kind} for s in found]}
            ).data
        )
