"""API: my favourites, saved deals and merchants."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from merchants.models import Merchant
from o2o.api import IdField, refusals
from offers import selectors, services
from offers.models import Favourite

from .offers import OfferOutput


class MerchantBriefOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.slug")
    city = serializers.CharField(source="city.slug")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Merchant
        fields = ("id", "name", "slug", "category", "city", "rating", "rating_count", "url")

    def get_url(self, merchant: Merchant) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("offers:merchant", args=[merchant.slug])
        )


class FavouriteOutput(serializers.ModelSerializer):
    offer = OfferOutput(allow_null=True, help_text="The saved deal; null for a merchant.")
    merchant = MerchantBriefOutput(
        allow_null=True, help_text="The saved merchant; null for a deal."
    )

    class Meta:
        model = Favourite
        fields = ("id", "offer", "merchant", "created_at")

    def to_representation(self, instance: Favourite) -> Any:
        # The deal's state is read with the favourite (favourites_for_user).
        if instance.offer is not None:
            instance.offer.on_sale = instance.on_sale  # type: ignore[attr-defined]
            instance.offer.coming = instance.coming  # type: ignore[attr-defined]
        return super().to_representation(instance)


class FavouriteInput(serializers.Serializer):
    offer = IdField(required=False, help_text="A deal on sale, or…")
    merchant = IdField(required=False, help_text="…a merchant: one of the two.")


class FavouriteListCreateApi(generics.ListAPIView):
    """My saved deals and merchants, newest first (all of them: no pages)."""

    permission_classes = (IsAuthenticated,)
    serializer_class = FavouriteOutput
    pagination_class = None
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Favourite]:
        return selectors.favourites_for_user(self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        request=FavouriteInput,
        responses={
            201: FavouriteOutput,
            200: FavouriteOutput,
            **refusals({400: ["offer_or_merchant", "offer_unavailable", "merchant_unavailable"]}),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Save a deal (`{offer}`) or a merchant (`{merchant}`): 201 with the new
        favourite, or 200 with the one saved before."""
        data = FavouriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        favourite, created = services.favourite_save(
            user=request.user,  # type: ignore[arg-type]
            offer_id=data.validated_data.get("offer"),
            merchant_id=data.validated_data.get("merchant"),
        )
        saved = self.get_queryset().get(pk=favourite.pk)
        return Response(
            FavouriteOutput(saved, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FavouriteDeleteApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None, **refusals({404: ["favourite_not_found"]})})
    def delete(self, request: Request, pk: int) -> Response:
        """Remove one of my favourites (someone else's: 404)."""
        services.favourite_remove(user=request.user, favourite_id=pk)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
