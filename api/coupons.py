"""API: my coupons, the coupon campaigns of a deal, claiming one (领券), my
invitation (referral rewards)."""

from typing import Any

from django.conf import settings
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

from accounts.referrals import invite_url
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
    status = serializers.CharField(
        source="state",
        help_text="`available`, `upcoming` (usable from `valid_from`), `used`, `withdrawn` "
        "(a referral reward taken back) or `expired`.",
    )

    class Meta:
        model = Coupon
        fields = ("id", *TERMS, "valid_from", "valid_until", "status", "source")


class CampaignOutput(ModelOutputSerializer):
    left = serializers.IntegerField(
        source="coupons_left", allow_null=True, help_text="Coupons left; null: no limit."
    )

    class Meta:
        model = CouponCampaign
        fields = (
            "id", *TERMS, "audience", "valid_from", "valid_until", "valid_days", "per_user_limit",
            "left",
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
        # Read back as the list reads it, with its state (available, or upcoming).
        mine = selectors.coupons_for_user(request.user, now=timezone.now())  # type: ignore[arg-type]
        return Response(CouponOutput(mine.get(pk=coupon.pk)).data, status=status.HTTP_201_CREATED)


class ReferralFriendOutput(serializers.Serializer):
    name = serializers.CharField(source="public_name", help_text="As on reviews: masked.")
    joined_at = serializers.DateTimeField(source="date_joined")
    status = serializers.CharField(
        source="referral_state",
        help_text="`waiting` (no paid order yet), `rewarded` or `not_rewarded`.",
    )


class ReferralTermsOutput(ModelOutputSerializer):
    per_user_limit = serializers.IntegerField(help_text="Rewards one customer can earn.")

    class Meta:
        model = CouponCampaign
        fields = (*(t for t in TERMS if t != "scope"), "valid_days", "per_user_limit")


class ReferralsOutput(serializers.Serializer):
    code = serializers.CharField()
    link = serializers.URLField(help_text="The invitation to share: the home page with `?ref=`.")
    reward = ReferralTermsOutput(
        allow_null=True, help_text="What a friend and I each get; null: no reward now."
    )
    invited = serializers.IntegerField(help_text="Friends who signed up through my link.")
    rewarded = serializers.IntegerField(help_text="Of those, whose first order earned a reward.")
    friends = ReferralFriendOutput(many=True, help_text="The newest 50.")


class ReferralsApi(APIView):
    """My invitation: the link to share, what a friend and I each get when
    they sign up through it and pay a first order, and who came."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=ReferralsOutput)
    def get(self, request: Request) -> Response:
        user = request.user
        counts = selectors.referral_counts(user)  # type: ignore[arg-type]
        data = {
            "code": user.referral_code,  # type: ignore[union-attr]
            "link": invite_url(request._request, user),  # type: ignore[arg-type]
            "reward": selectors.referral_campaign(currency=settings.CURRENCY, now=timezone.now()),
            "invited": counts["invited"],
            "rewarded": counts["rewarded"],
            "friends": selectors.friends_referred(user),  # type: ignore[arg-type]
        }
        return Response(ReferralsOutput(data).data)
