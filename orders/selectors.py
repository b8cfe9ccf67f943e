"""Reads of orders and vouchers; each is scoped to who may see it."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from merchants.models import Membership, Merchant
from merchants.selectors import stores_member_works_at
from offers.models import Offer

from .models import Coupon, CouponCampaign, Order, Redemption, ReferralReward, Voucher
from .rules import ACTIVE_ORDER_STATUSES, PAID_STATUSES, campaign_open, coupon_usable


def units_held(offer_id: int, unpaid_only: bool) -> int:
    """Units of the offer sold, or reserved by unpaid orders (with
    `unpaid_only`, those reserved only). Registered with offers.stock."""
    statuses = [Order.Status.PENDING_PAYMENT] if unpaid_only else ACTIVE_ORDER_STATUSES
    held = Order.objects.filter(offer_id=offer_id, status__in=statuses)
    return held.aggregate(n=Sum("quantity"))["n"] or 0


def orders_for_user(user: User) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user.pk).select_related("offer__merchant")


def order_for_user(*, user: User, order_id: int) -> Order:
    """The user's own order; someone else's is indistinguishable from none."""
    return orders_for_user(user).get(pk=order_id)


def vouchers_for_user(user: User) -> QuerySet[Voucher]:
    return (
        Voucher.objects.filter(user_id=user.pk)
        .select_related("offer__merchant", "order", "review")
        .order_by("status", "expires_at", "pk")
    )


def voucher_for_user(*, user: User, voucher_id: int) -> Voucher:
    return vouchers_for_user(user).get(pk=voucher_id)


def orders_for_merchant(merchant: Merchant) -> QuerySet[Order]:
    return (
        Order.objects.filter(offer__merchant=merchant)
        .select_related("offer", "user")
        .order_by("-created_at")
    )


def redemptions_for_member(membership: Membership) -> QuerySet[Redemption]:
    """The redemptions a member of staff may see: their merchant's, at the
    stores where they may act (merchants.selectors.works_at)."""
    return (
        Redemption.objects.filter(
            voucher__offer__merchant_id=membership.merchant_id,
            store__in=stores_member_works_at(membership),
        )
        .select_related("voucher__offer", "store", "by")
        .order_by("-created_at")
    )


# --- coupons ------------------------------------------------------------------


def coupons_for_user(user: User, *, now: datetime) -> QuerySet[Coupon]:
    """The user's coupons, usable ones first (soonest to run out first), then
    those usable later, each with `state` at `now`: available, upcoming
    (usable from its valid_from), used, withdrawn or expired."""
    upcoming = Q(status=Coupon.Status.AVAILABLE, valid_until__gt=now, valid_from__gt=now)
    return (
        Coupon.objects.filter(user_id=user.pk)
        .select_related("campaign")
        .annotate(
            state=Case(
                When(status=Coupon.Status.USED, then=Value("used")),
                When(status=Coupon.Status.WITHDRAWN, then=Value("withdrawn")),
                When(coupon_usable(now), then=Value("available")),
                When(upcoming, then=Value("upcoming")),
                default=Value("expired"),
            ),
            usable_first=Case(
                When(coupon_usable(now), then=Value(0)),
                When(upcoming, then=Value(1)),
                default=Value(2),
            ),
        )
        .order_by("usable_first", "valid_until", "pk")
    )


def campaigns_applying(*, offer_id: Any, merchant_id: Any, category_id: Any) -> Q:
    """Campaigns whose coupons apply to a deal: every deal, its merchant's,
    its category's, or it among the chosen deals. The one copy of the rule,
    read both ways: the campaigns of a deal (campaigns_for_offer, which
    checkout asks of the coupon's campaign) and the deals of a campaign
    (offers_of_campaign). `offer_id` is as seen from a subquery on the
    campaign's chosen deals; the others as seen from the campaign."""
    chosen = CouponCampaign.scope_offers.through.objects.filter(
        couponcampaign_id=OuterRef("pk"), offer_id=offer_id
    )
    return (
        Q(scope=CouponCampaign.Scope.PLATFORM)
        | Q(scope=CouponCampaign.Scope.MERCHANT, scope_merchant_id=merchant_id)
        | Q(scope=CouponCampaign.Scope.CATEGORY, scope_category_id=category_id)
        | (Q(scope=CouponCampaign.Scope.OFFERS) & Q(Exists(chosen)))
    )


def campaigns_for_offer(offer: Offer) -> Q:
    """Campaigns whose coupons apply to the offer."""
    return campaigns_applying(
        offer_id=offer.pk, merchant_id=offer.merchant_id, category_id=offer.category_id
    )


def offers_of_campaign(campaign: CouponCampaign, offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Of `offers`, those the campaign's coupons apply to (in its currency)."""
    applies = CouponCampaign.objects.filter(
        campaigns_applying(
            offer_id=OuterRef(OuterRef("pk")),
            merchant_id=OuterRef("merchant_id"),
            category_id=OuterRef("category_id"),
        ),
        pk=campaign.pk,
    )
    return offers.filter(Exists(applies), currency=campaign.currency)


def claimable_campaigns(*, now: datetime, offer: Offer | None = None) -> QuerySet[CouponCampaign]:
    """Campaigns open for claiming at `now` (those of `offer` alone when
    given), with `coupons_left` (None: no limit), largest value first."""
    campaigns = CouponCampaign.objects.filter(campaign_open(now), claimable=True)
    if offer is not None:
        campaigns = campaigns.filter(campaigns_for_offer(offer))
    return campaigns.annotate(
        coupons_left=Case(
            When(quantity__isnull=True, then=Value(None)),
            default=Greatest(F("quantity") - F("issued_count"), Value(0)),
        )
    ).order_by("-value", "pk")


def coupons_usable_on(user: User, offer: Offer, *, now: datetime) -> QuerySet[Coupon]:
    """The user's coupons that can discount an order of `offer` at `now`
    (their minimum spend aside, which depends on the quantity), soonest to
    run out first."""
    applying = CouponCampaign.objects.filter(campaigns_for_offer(offer), currency=offer.currency)
    return (
        Coupon.objects.filter(coupon_usable(now), user_id=user.pk, campaign__in=applying)
        .select_related("campaign")
        .order_by("valid_until", "pk")
    )


def campaigns_held(user: User, campaign_ids: list[int], *, now: datetime) -> set[int]:
    """Of these campaigns, those the user holds a usable coupon of."""
    return set(
        Coupon.objects.filter(
            coupon_usable(now), user_id=user.pk, campaign_id__in=campaign_ids
        ).values_list("campaign_id", flat=True)
    )


def with_results(campaigns: QuerySet[CouponCampaign]) -> QuerySet[CouponCampaign]:
    """Each campaign with what it did: `used` (coupons spent on paid orders),
    `revenue` (those orders' totals) and `cost` (their discounts, borne by
    the issuer: the merchant, or the platform)."""
    paid = Q(coupons__order__status__in=PAID_STATUSES)
    return campaigns.annotate(
        used=Count("coupons", filter=paid),
        revenue=Coalesce(Sum("coupons__order__total", filter=paid), Value(Decimal("0"))),
        cost=Coalesce(Sum("coupons__order__discount", filter=paid), Value(Decimal("0"))),
    )


def campaigns_of_merchant(merchant: Merchant) -> QuerySet[CouponCampaign]:
    """A merchant's own campaigns, newest first, each with what it did
    (with_results)."""
    return with_results(CouponCampaign.objects.filter(merchant=merchant)).order_by(
        "-created_at", "-pk"
    )


def referral_campaign(*, currency: str, now: datetime) -> CouponCampaign | None:
    """The open campaign whose coupons reward referrals (the oldest, if several)."""
    return (
        CouponCampaign.objects.filter(campaign_open(now), grant_on_referral=True, currency=currency)
        .order_by("pk")
        .first()
    )


# What a referrer is told of each friend: never why one was not rewarded
# (that would teach the way around the rules; admins see it).
FRIEND_WAITING, FRIEND_REWARDED, FRIEND_NOT_REWARDED = "waiting", "rewarded", "not_rewarded"


def friends_referred(user: User, *, limit: int = 50) -> list[User]:
    """The newest accounts signed up through the user's share link, each with
    `referral_state` (waiting for a first paid order, rewarded, not rewarded)."""
    friends = list(
        User.objects.filter(referred_by_id=user.pk)
        .select_related("referral_reward")
        .order_by("-date_joined", "-pk")[:limit]
    )
    for friend in friends:
        reward = getattr(friend, "referral_reward", None)
        friend.referral_state = (  # type: ignore[attr-defined]
            FRIEND_WAITING
            if reward is None
            else FRIEND_REWARDED
            if reward.outcome == ReferralReward.Outcome.GRANTED
            else FRIEND_NOT_REWARDED
        )
    return friends


def referral_counts(user: User) -> dict[str, int]:
    """How many signed up through the user's link, and how many earned them a reward."""
    return User.objects.filter(referred_by_id=user.pk).aggregate(
        invited=Count("pk"),
        rewarded=Count("pk", filter=Q(referral_reward__outcome=ReferralReward.Outcome.GRANTED)),
    )
