"""API: browse visible offers with the same filters and sorts as the pages."""

from django.db.models import QuerySet
from django.urls import reverse
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from offers.filters import OfferFilter
from offers.models import Offer
from offers.selectors import offers_for_cards, visible_offers


class OfferOutput(serializers.ModelSerializer):
    merchant = serializers.IntegerField(source="merchant_id")
    merchant_name = serializers.CharField(source="merchant.name")
    category = serializers.CharField(source="category.slug")
    stores = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    image_card = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

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


class OfferListApi(generics.ListAPIView):
    """Live offers. Filters: q, category, district, price_min, price_max,
    rating_min, merchant; sort: best_selling, rating, price, price_desc, newest."""

    permission_classes = (AllowAny,)
    serializer_class = OfferOutput
    filterset_class = OfferFilter

    def get_queryset(self) -> QuerySet[Offer]:
        return offers_for_cards(visible_offers()).order_by("-sold_count", "-pk")


class OfferDetailApi(generics.RetrieveAPIView):
    permission_classes = (AllowAny,)
    serializer_class = OfferOutput

    def get_queryset(self) -> QuerySet[Offer]:
        return offers_for_cards(visible_offers())
