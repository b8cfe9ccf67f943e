"""API: browse visible offers with the same filters and sorts as the pages."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import refusals
from o2o.errors import NotFound
from offers import services
from offers.filters import OfferFilter
from offers.models import Offer, Reminder
from offers.selectors import (
    coming,
    coming_offers,
    offers_for_cards,
    on_sale,
    visible_offers,
    with_sale_state,
)

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
    on_sale = serializers.SerializerMethodField()
    coming = serializers.SerializerMethodField()

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
            "sale_starts_at",
            "sale_ends_at",
            "on_sale",
            "coming",
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

    def _state(self, offer: Offer, name: str) -> bool:
        # Annotated by the query (offers.selectors.with_sale_state), or said by
        # whoever lists only deals in one state (rankings: all on sale).
        # SQL may say NULL for false (a comparison with a missing start).
        if hasattr(offer, name):
            return bool(getattr(offer, name))
        return bool(self.context[name])

    @extend_schema_field(
        serializers.BooleanField(
            help_text="Whether it can be bought now (live, of an approved merchant, "
            "inside its sale window). False for a deal that is `coming`."
        )
    )
    def get_on_sale(self, offer: Offer) -> bool:
        return self._state(offer, "on_sale")

    @extend_schema_field(
        serializers.BooleanField(
            help_text="Whether its sale starts later, within 7 days (at `sale_starts_at`): "
            "it can be seen and reminded of (POST …/remind/), not bought yet."
        )
    )
    def get_coming(self, offer: Offer) -> bool:
        return self._state(offer, "coming")

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
        coming = self.request.query_params.get("coming") == "1"
        offers = coming_offers() if coming else visible_offers()
        slug = self.request.query_params.get("city")
        if slug:  # only when asked: the API keeps no city of its own
            city = city_by_slug(slug)
            if city is None:
                raise NotFound(*CITY_NOT_FOUND)
            offers = offers.filter(merchant__city=city)
        offers = with_sale_state(offers_for_cards(offers))
        if coming:  # the soonest first; the filters' `sort` still wins
            return offers.order_by("sale_starts_at", "pk")
        return offers.order_by("-sold_count", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "city",
                OpenApiTypes.STR,
                description="A city's slug (GET /api/v1/cities/): only its deals. "
                "Without it, every city's.",
            ),
            OpenApiParameter(
                "coming",
                OpenApiTypes.STR,
                enum=["1"],
                description="1: the deals coming instead (their sale starts within 7 days; "
                "`coming` true, `on_sale` false), the soonest first.",
            ),
        ],
        responses={200: OfferOutput, **refusals({404: ["city_not_found"]})},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OfferDetailApi(generics.RetrieveAPIView):
    """A deal on sale, or coming (`on_sale` false, `coming` true, and when it
    starts: `sale_starts_at`)."""

    permission_classes = (AllowAny,)
    serializer_class = OfferOutput

    def get_queryset(self) -> QuerySet[Offer]:
        now = timezone.now()
        offers = Offer.objects.filter(on_sale(now) | coming(now))
        return with_sale_state(offers_for_cards(offers), now)


class ReminderOutput(serializers.ModelSerializer):
    offer = serializers.IntegerField(source="offer_id")
    sale_starts_at = serializers.DateTimeField(source="offer.sale_starts_at")

    class Meta:
        model = Reminder
        fields = ("offer", "sale_starts_at", "created_at")


class OfferRemindApi(APIView):
    """ "Remind me" of a coming deal: one inbox notice and one e-mail when its
    sale starts (not if it is paused, or its merchant suspended, by then)."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={
            201: ReminderOutput,
            200: ReminderOutput,
            **refusals({404: ["offer_not_found"], 409: ["not_coming"]}),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Ask to be reminded: 201 with the new reminder, or 200 with the one
        asked for before (still one). 409 `not_coming` for a deal on sale
        already, ended or paused."""
        reminder, created = services.reminder_set(user=request.user, offer_id=pk)  # type: ignore[arg-type]
        reminder = Reminder.objects.select_related("offer").get(pk=reminder.pk)
        return Response(
            ReminderOutput(reminder).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Cancel the reminder (none: nothing changes, still 204)."""
        services.reminder_unset(user=request.user, offer_id=pk)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
