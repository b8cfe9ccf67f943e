"""API: my coupons, the coupon campaigns of a deal, claiming one (领券)."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o.api import ModelOutputSerializer, refusals
from o2o.errors import Conflict, NotFound
from o2o.http import parse_id
from offers.selectors import visible_offers
from orders import selectors, services
from orders.models import Coupon, CouponCampaign
from orders.services import coupons

# What a coupon takes off and on what: a campaign's terms, and its coupons'.
TERMS = ("title", "kind", "value", "max_discount", "min_spend", "currency", "scope")


class CouponOutput(ModelOutputSerializer):
    title = serializers.CharField(source="campaign.title")
    kind = serializers.CharField(source="campaign.kind", help_text="`amount` or `percent` off.")
    value = serializers.DecimalField(
        source="campaign.value", max_digits=10, decimal_places=2, help_text="Amount or percent."
    )
    max_discount = serializers.DecimalField(
        source="campaign.max_discount", max_digits=12, decimal_places=2, allow_null=True
    )
    min_spend = serializers.DecimalField(
        source="campaign.min_spend", max_digits=12, decimal_places=2
    )
    currency = serializers.CharField(source="campaign.currency")
    scope = serializers.CharField(
        source="campaign.scope", help_text="`platform`, `merchant`, `offers` or `category`."
    )
    status = serializers.CharField(source="state", help_text="`available`, `used` or `expired`.")

    class Meta:
        model = Coupon
        fields = ("id", *TERMS, "valid_until", "status", "source")


class CampaignOutput(ModelOutputSerializer):
    left = serializers.IntegerField(
        source="coupons_left", allow_null=True, help_text="Coupons left; null: no limit."
    )

    class Meta:
        model = CouponCampaign
        fields = (
            "id", *TERMS, "audience", "valid_until", "valid_days", "per_user_limit", "left"
        )  # fmt: skip


class CouponListApi(generics.ListAPIView):
    """My coupons: usable ones first, soonest to run out first."""

    permission_classes = (IsAuthenticated,)
    serializer_class = CouponOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Coupon]:
        return selectors.coupons_for_user(self.request.user, now=timezone.now())  # type: ignore[arg-type]


class CampaignListApi(generics.ListAPIView):
    """Coupon campaigns open for claiming; with `?offer=`, those whose coupons
    that deal takes."""

    serializer_class = CampaignOutput
    filter_backends = ()

    @extend_schema(
        parameters=[OpenApiParameter("offer", OpenApiTypes.INT, description="A deal on sale.")],
        responses={200: CampaignOutput, **refusals({404: ["offer_not_found"]})},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[CouponCampaign]:
        offer = None
        asked = self.request.query_params.get("offer")
        if asked is not None:
            pk = parse_id(asked)
            offer = visible_offers().filter(pk=pk).first() if pk is not None else None
            if offer is None:
                raise NotFound("offer_not_found", _("This deal does not exist."))
        return selectors.claimable_campaigns(now=timezone.now(), offer=offer)


class CampaignClaimApi(APIView):
    permission_classes = (IsAuthenticated,)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A crowd's late claimers are refused before authentication, as the
        # flash deal's late buyers are: whether coupons are left is public.
        pk = parse_id(kwargs.get("pk"))
        if pk is not None and coupons.CAMPAIGN_SOLD_OUT.known(pk):
            raise Conflict("sold_out", coupons.SOLD_OUT)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            201: CouponOutput,
            **refusals(
                {
                    404: ["campaign_not_found"],
                    409: ["sold_out", "already_claimed", "not_eligible", "campaign_closed"],
                }
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Claim a coupon of the campaign (领券): 201 with the coupon, or 409 saying why not."""
        coupon = services.coupon_claim(user=request.user, campaign_id=pk)  # type: ignore[arg-type]
        coupon.state = "available"  # type: ignore[attr-defined]  # new: as coupons_for_user says
        return Response(CouponOutput(coupon).data, status=status.HTTP_201_CREATED)
