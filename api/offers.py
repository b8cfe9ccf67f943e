"""API: browse visible offers with the same filters and sorts as the pages."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from o2o.api import refusals
from o2o.errors import NotFound
from offers.filters import OfferFilter
from offers.models import Offer
from offers.selectors import offers_for_cards, visible_offers

from .places import CITY_NOT_FOUND, city_by_slug


class OfferOutput(serializers.ModelSerializer):
    merchant = serializers.IntegerField(source="merchant_id")
    merchant_name = serializers.CharField(source="merchant.name")
    category = serializers.CharField(source="category.slug")
    stores = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    image_card = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = (
            "id",
            "title",
            "summary",
            "price",
            "list_price",
            "currency",
            "merchant",
            "merchant_name",
            "category",
            "stores",
            "stock_left",
            "limit_per_user",
            "uses_per_voucher",
            "validity_days",
            "booking_required",
            "refundable",
            "rating",
            "rating_count",
            "sold_count",
            "image",
            "image_card",
            "url",
            "distance_m",
        )

    def get_stores(self, offer: Offer) -> list[int]:
        return [store.pk for store in offer.stores.all()]

    def get_image(self, offer: Offer) -> str | None:
        if not offer.image:
            return None
        return self.context["request"].build_absolute_uri(offer.image.url)

    def get_image_card(self, offer: Offer) -> str | None:
        if not offer.image:
            return None
        return self.context["request"].build_absolute_uri(offer.card_image_url)

    def get_url(self, offer: Offer) -> str:
        return self.context["request"].build_absolute_uri(reverse("offers:detail", args=[offer.pk]))

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True,
            help_text="Whole metres from `lat`,`lng` to the offer's nearest open store; "
            "null without a position, or with no open store within 50 km.",
        )
    )
    def get_distance_m(self, offer: Offer) -> int | None:
        return getattr(offer, "distance_m", None)


class OfferListApi(generics.ListAPIView):
    """Live offers. Filters: city, q, category, district, price_min, price_max,
    rating_min, merchant; a position: lat, lng (each offer's `distance_m`)
    and radius_km; sort: best_selling, rating, price, price_desc, newest,
    distance (with a position)."""

    permission_classes = (AllowAny,)
    serializer_class = OfferOutput
    filterset_class = OfferFilter

    def get_queryset(self) -> QuerySet[Offer]:
        offers = visible_offers()
        slug = self.request.query_params.get("city")
        if slug:  # only when asked: the API keeps no city of its own
            city = city_by_slug(slug)
            if city is None:
                raise NotFound(*CITY_NOT_FOUND)
            offers = offers.filter(merchant__city=city)
        return offers_for_cards(offers).order_by("-sold_count", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "city",
                OpenApiTypes.STR,
                description="A city's slug (GET /api/v1/cities/): only its deals. "
                "Without it, every city's.",
            )
        ],
        responses={200: OfferOutput, **refusals({404: ["city_not_found"]})},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OfferDetailApi(generics.RetrieveAPIView):
    permission_classes = (AllowAny,)
    serializer_class = OfferOutput

    def get_queryset(self) -> QuerySet[Offer]:
        return offers_for_cards(visible_offers())
