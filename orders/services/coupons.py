"""Coupons: getting one (claimed, typed as a promo code, granted as a red
packet) and what one takes off an order.

However many people press "claim" at once, a campaign never issues more
than its quantity (a conditional UPDATE of its count) and a customer never
more than their limit (their row is locked first, as every order does).
"""

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Merchant
from merchants.services import staff_membership
from o2o.cache import SoldOutHint
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from o2o.http import parse_id
from o2o.models import check_transition
from o2o.money import to_minor
from offers.models import Offer

from ..models import Coupon, CouponCampaign, DiscountBy, Order
from ..rules import PAID_STATUSES, campaign_open, coupon_usable
from ..selectors import campaigns_for_offer

CENT = Decimal("0.01")


def _refuse_audience(campaign: CouponCampaign, user: User) -> None:
    """Refuse a customer the campaign is not for (not_eligible)."""
    audience = campaign.audience
    if audience == CouponCampaign.Audience.ANYONE:
        return
    paid = Order.objects.filter(user_id=user.pk, status__in=PAID_STATUSES)
    if audience == CouponCampaign.Audience.NEW_USERS and paid.exists():
        raise Conflict("not_eligible", _("This coupon is for customers' first order."))
    if audience == CouponCampaign.Audience.PAST_BUYERS:
        merchant_id = campaign.merchant_id or campaign.scope_merchant_id
        if merchant_id is None or not paid.filter(offer__merchant_id=merchant_id).exists():
            raise Conflict(
                "not_eligible", _("This coupon is for customers who have bought here before.")
            )


def _valid_from(campaign: CouponCampaign, now: datetime) -> datetime | None:
    """When a coupon got at `now` becomes usable: at once, or at the
    campaign's valid_from when that is later."""
    return campaign.valid_from if campaign.valid_from and campaign.valid_from > now else None


def _valid_until(campaign: CouponCampaign, now: datetime) -> datetime:
    """When a coupon got at `now` runs out: the campaign's fixed end, or N
    days from when it becomes usable, whichever is first."""
    ends = [campaign.valid_until] if campaign.valid_until else []
    if campaign.valid_days:
        ends.append((_valid_from(campaign, now) or now) + timedelta(days=campaign.valid_days))
    return min(ends)


SOLD_OUT = _("All these coupons have been taken.")
# Set when a claim finds none left, so the rest of a crowd is answered
# before authentication (api.coupons); the count's UPDATE stays the judge.
CAMPAIGN_SOLD_OUT = SoldOutHint("campaign-soldout", 5)


@transaction.atomic
def coupon_grant(
    *,
    user: User,
    campaign_id: object,
    source: str,
    now: datetime | None = None,
    claimable_only: bool = False,
) -> Coupon:
    """One more coupon of the campaign for `user`, if the campaign is open,
    is for them, has one left and they are under their limit.

    Refusals: campaign_not_found (404; with `claimable_only`, also a campaign
    not offered for claiming), and 409 campaign_closed, not_eligible,
    already_claimed, sold_out.
    """
    now = now or timezone.now()
    pk = parse_id(campaign_id)
    found = CouponCampaign.objects.filter(pk=pk) if pk is not None else None
    if found is not None and claimable_only:
        found = found.filter(claimable=True)
    campaign = (
        found.annotate(
            is_open=ExpressionWrapper(campaign_open(now), output_field=BooleanField())
        ).first()
        if found is not None
        else None
    )
    if campaign is None:
        raise NotFound("campaign_not_found", _("This coupon campaign does not exist."))
    if not campaign.is_open or _valid_until(campaign, now) <= now:  # type: ignore[attr-defined]
        raise Conflict("campaign_closed", _("This coupon can no longer be got."))
    if campaign.left == 0:
        # The crowd's late arrivals are told at once; the count's UPDATE
        # below is still what keeps the last coupons from going twice.
        CAMPAIGN_SOLD_OUT.remember(campaign.pk)
        raise Conflict("sold_out", SOLD_OUT)
    _refuse_audience(campaign, user)
    # One customer's claims queue on their row, so ten presses at once
    # cannot all slip under the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = Coupon.objects.filter(campaign_id=campaign.pk, user_id=user.pk).count()
    if held >= campaign.per_user_limit:
        raise Conflict("already_claimed", _("You already have this coupon."))
    # The count moves only while some are left: the crowd's late arrivals
    # find the UPDATE matching no row.
    left = Q(quantity__isnull=True) | Q(issued_count__lt=F("quantity"))
    taken = CouponCampaign.objects.filter(left, pk=campaign.pk).update(
        issued_count=F("issued_count") + 1
    )
    if not taken:
        CAMPAIGN_SOLD_OUT.remember(campaign.pk)
        raise Conflict("sold_out", SOLD_OUT)
    return Coupon.objects.create(
        campaign=campaign,
        user=user,
        source=source,
        valid_from=_valid_from(campaign, now),
        valid_until=_valid_until(campaign, now),
    )


def coupon_claim(*, user: User, campaign_id: object, now: datetime | None = None) -> Coupon:
    """领券: a customer takes a coupon offered on a deal or campaign page."""
    return coupon_grant(
        user=user, campaign_id=campaign_id, source=Coupon.Source.CLAIM, now=now, claimable_only=True
    )


def coupon_discount(campaign: CouponCampaign, subtotal: Decimal) -> Decimal:
    """What the campaign's coupon takes off `subtotal`: a percentage rounded
    down to the cent and capped by max_discount, or the amount; always
    leaving a cent to pay (a total is never zero or below: payment providers
    take no payment of nothing, and an order is paid to issue its vouchers)."""
    if campaign.kind == CouponCampaign.Kind.PERCENT:
        off = (subtotal * campaign.value / 100).quantize(CENT, rounding=ROUND_DOWN)
        if campaign.max_discount is not None:
            off = min(off, campaign.max_discount)
    else:
        off = campaign.value
    return max(min(off, subtotal - CENT), Decimal("0.00"))


def min_spend_met(campaign: CouponCampaign, subtotal: Decimal) -> bool:
    """Whether `subtotal` reaches the campaign's minimum spend (to the cent)."""
    return to_minor(subtotal, campaign.currency) >= to_minor(campaign.min_spend, campaign.currency)


def coupon_saving(campaign: CouponCampaign, subtotal: Decimal) -> Decimal:
    """What the campaign's coupon saves on `subtotal`: its discount when the
    minimum spend is met, else nothing."""
    return (
        coupon_discount(campaign, subtotal)
        if min_spend_met(campaign, subtotal)
        else Decimal("0.00")
    )


def best_coupon(coupons: list[Coupon], subtotal: Decimal) -> Coupon | None:
    """Of usable coupons, the one saving most on `subtotal` (the first of
    equals; none when none saves anything): what checkout preselects."""
    best, best_off = None, Decimal("0")
    for coupon in coupons:
        off = coupon_saving(coupon.campaign, subtotal)
        if off > best_off:
            best, best_off = coupon, off
    return best


def coupon_refusal(
    coupon: Coupon, *, offer: Offer, subtotal: Decimal, now: datetime
) -> Conflict | None:
    """Why the coupon cannot discount an order of `offer` for `subtotal` at
    `now` (used, expired, not_yet_valid, out_of_scope, min_spend_not_met),
    or None."""
    campaign = coupon.campaign
    if coupon.status == Coupon.Status.USED:
        return Conflict("used", _("This coupon has already been used."))
    if not Coupon.objects.filter(coupon_usable(now), pk=coupon.pk).exists():
        if coupon.valid_until > now and coupon.valid_from is not None:
            return Conflict(
                "not_yet_valid",
                _("This coupon can be used from %(day)s.")
                % {"day": date_format(localtime(coupon.valid_from), "SHORT_DATETIME_FORMAT")},
            )
        return Conflict("expired", _("This coupon has expired."))
    in_scope = CouponCampaign.objects.filter(campaigns_for_offer(offer), pk=campaign.pk)
    if campaign.currency != offer.currency or not in_scope.exists():
        return Conflict("out_of_scope", _("This coupon cannot be used on this deal."))
    if not min_spend_met(campaign, subtotal):
        return Conflict(
            "min_spend_not_met",
            _("This coupon needs a spend of at least %(amount)s.") % {"amount": campaign.min_spend},
        )
    return None


@transaction.atomic
def campaign_set_status(*, campaign_id: int, status: str, by: User) -> CouponCampaign:
    """Pause, resume or stop a campaign: its merchant's owner or manager for
    the merchant's own, an admin for any. Coupons already held stay usable;
    a stopped campaign gives none again."""
    campaign = CouponCampaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("campaign_not_found", _("This coupon campaign does not exist."))
    if not by.is_staff:
        if campaign.merchant is None:
            raise NotFound("campaign_not_found", _("This coupon campaign does not exist."))
        staff_membership(by, campaign.merchant, manage=True)
    check_transition(CouponCampaign, campaign.status, status)
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


# E-mail addresses one admin grant may name (one form, one request).
ADMIN_GRANT_MAX = 500


def coupons_grant_by_admin(*, campaign_id: int, emails: list[str], by: User) -> dict[str, str]:
    """A coupon of the campaign for each customer named by e-mail (staff
    only), each granted or refused on its own as any grant is (the campaign's
    quantity, per-customer limit and audience hold): "granted", a refusal
    code, or "no_account" for an address no active account has."""
    if not by.is_staff:
        raise PermissionDenied("admins_only", _("Only the platform's staff can grant coupons."))
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if len(wanted) > ADMIN_GRANT_MAX:
        raise DomainError(
            "too_many_addresses",
            _("Name at most %(n)s customers at a time.") % {"n": ADMIN_GRANT_MAX},
        )
    users = {u.email.lower(): u for u in User.objects.filter(email__in=wanted, is_active=True)}
    results: dict[str, str] = {}
    for email in wanted:
        user = users.get(email)
        if user is None:
            results[email] = "no_account"
            continue
        try:
            coupon_grant(user=user, campaign_id=campaign_id, source=Coupon.Source.ADMIN)
        except DomainError as err:
            results[email] = err.code
        else:
            results[email] = "granted"
    return results


def grant_welcome_coupons(*, user: User, now: datetime | None = None) -> list[Coupon]:
    """The welcome red packet (新人红包): a coupon of each open campaign granted
    at sign-up. One that cannot be granted (none left, closed) is skipped:
    a sign-up never fails for a coupon."""
    now = now or timezone.now()
    granted = []
    welcome = CouponCampaign.objects.filter(campaign_open(now), grant_on_signup=True)
    for campaign_id in welcome.order_by("pk").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                granted.append(
                    coupon_grant(
                        user=user, campaign_id=campaign_id, source=Coupon.Source.WELCOME, now=now
                    )
                )
        except DomainError:
            continue
    return granted


def discount_by(campaign: CouponCampaign) -> str:
    """Who pays a campaign's discounts: its merchant, or the platform."""
    return DiscountBy.MERCHANT if campaign.merchant_id else DiscountBy.PLATFORM


def discount_shares(discount: Decimal, units: int) -> list[Decimal]:
    """An order's discount spread over its units to the cent, the remainder
    on the last: what each voucher's price is less by."""
    each = (discount / units).quantize(CENT, rounding=ROUND_DOWN)
    return [each] * (units - 1) + [discount - each * (units - 1)]


def coupon_to_spend(
    *,
    user: User,
    offer: Offer,
    subtotal: Decimal,
    coupon_id: object = None,
    promo_code: object = None,
    now: datetime | None = None,
) -> Coupon:
    """The user's coupon to discount an order of `offer` for `subtotal`: one
    of theirs by id, or, for a promo code typed at checkout, one granted now
    from its campaign (or the one they already got from it and still hold).
    Refused with why it cannot be used (coupon_not_found,
    promo_code_not_found, used, expired, out_of_scope, min_spend_not_met).
    """
    now = now or timezone.now()
    if coupon_id is not None and promo_code is not None:
        raise DomainError("coupon_or_promo_code", _("Give a coupon or a promo code, not both."))
    if promo_code is not None:
        coupon = _coupon_of_code(user=user, code=promo_code, now=now)
    else:
        pk = parse_id(coupon_id)
        mine = Coupon.objects.select_related("campaign").filter(user_id=user.pk)
        found = mine.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise NotFound("coupon_not_found", _("You have no such coupon."))
        coupon = found
    refusal = coupon_refusal(coupon, offer=offer, subtotal=subtotal, now=now)
    if refusal is not None:
        raise refusal
    return coupon


PROMO_CODE_MAX_LENGTH = 32


def _coupon_of_code(*, user: User, code: object, now: datetime) -> Coupon:
    text = str(code).strip().upper() if isinstance(code, str | int) else ""
    campaign = (
        CouponCampaign.objects.filter(promo_code__iexact=text).first()
        if 0 < len(text) <= PROMO_CODE_MAX_LENGTH
        else None
    )
    if campaign is None:
        raise NotFound("promo_code_not_found", _("This promo code does not exist."))
    held = (
        Coupon.objects.select_related("campaign")
        .filter(coupon_usable(now), campaign=campaign, user_id=user.pk)
        .order_by("valid_until", "pk")
        .first()
    )
    if held is not None:
        return held
    return coupon_grant(user=user, campaign_id=campaign.pk, source=Coupon.Source.CODE, now=now)


def coupon_spend(*, coupon: Coupon, order: Order) -> None:
    """The coupon discounts `order`: spent by a conditional UPDATE, so of two
    orders made with it at once exactly one gets the discount (the other's
    transaction is refused `used` and rolls back, its units with it)."""
    spent = Coupon.objects.filter(pk=coupon.pk, status=Coupon.Status.AVAILABLE).update(
        status=Coupon.Status.USED, order=order, used_at=timezone.now()
    )
    if not spent:
        raise Conflict("used", _("This coupon has already been used."))


def coupon_give_back(*, order: Order, now: datetime | None = None) -> bool:
    """The order's coupon is usable again (its order cancelled, or wholly
    refunded), if it has not run out meanwhile; once, however often asked."""
    now = now or timezone.now()
    return bool(
        Coupon.objects.filter(
            order_id=order.pk, status=Coupon.Status.USED, valid_until__gt=now
        ).update(status=Coupon.Status.AVAILABLE, order=None, used_at=None)
    )


CAMPAIGN_FIELDS = (
    "title", "kind", "value", "max_discount", "min_spend", "scope", "audience",
    "valid_days", "valid_from", "valid_until", "quantity", "per_user_limit",
    "starts_at", "ends_at",
)  # fmt: skip


@transaction.atomic
def campaign_create(
    *, merchant: Merchant, by: User, offers: list[Offer] | None = None, **fields: Any
) -> CouponCampaign:
    """A merchant's own campaign (its owner or manager): its discounts come out
    of its earnings, and its coupons apply to its deals only (all of them,
    or `offers`, which must be its own)."""
    staff_membership(by, merchant, manage=True)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"not campaign fields: {sorted(unknown)}")
    campaign = CouponCampaign(merchant=merchant, currency=settings.CURRENCY, **fields)
    chosen = list(offers or [])
    if any(offer.merchant_id != merchant.pk for offer in chosen):
        raise PermissionDenied("not_your_merchant", _("These are not all your deals."))
    if chosen:
        campaign.scope = CouponCampaign.Scope.OFFERS
    else:
        campaign.scope = CouponCampaign.Scope.MERCHANT
        campaign.scope_merchant = merchant
    if campaign.audience == CouponCampaign.Audience.NEW_USERS:
        raise DomainError("audience_not_allowed", _("First-order coupons are the platform's."))
    if campaign.kind == CouponCampaign.Kind.PERCENT and not 0 < campaign.value <= 100:
        raise DomainError("invalid_value", _("A percentage is more than 0 and at most 100."))
    if campaign.value <= 0:
        raise DomainError("invalid_value", _("The value must be more than 0."))
    if not campaign.valid_days and not campaign.valid_until:
        raise DomainError(
            "invalid_validity",
            _("Say for how many days a coupon is valid, or until when."),
        )
    if campaign.valid_until and campaign.valid_until <= timezone.now():
        raise DomainError("invalid_validity", _("The coupons would be over before they start."))
    if campaign.valid_from and campaign.valid_until and campaign.valid_from >= campaign.valid_until:
        raise DomainError("invalid_validity", _("A coupon's first day comes before its last."))
    campaign.save()
    if chosen:
        campaign.scope_offers.set(chosen)
    return campaign
