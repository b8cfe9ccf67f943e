"""The voucher rules, each written once as a condition on voucher rows.

Redemption (services.redemption), the expiry job (services.expiry), the
reminders and the pages all ask these; no other module spells them out.
"""

from datetime import datetime

from django.db.models import F, Q

from .models import Coupon, CouponCampaign, Order, Voucher

# An order that was paid: its vouchers were issued (some may be used up).
PAID_STATUSES = (Order.Status.PAID, Order.Status.COMPLETED)
# An order that holds units of its offer: reserved while unpaid, then sold.
ACTIVE_ORDER_STATUSES = (Order.Status.PENDING_PAYMENT, *PAID_STATUSES)


def expiry_passed(now: datetime) -> Q:
    """The voucher's time is up at `now`: at its very instant, not a moment after."""
    return Q(expires_at__lte=now)


def to_expire(now: datetime) -> Q:
    """Vouchers the expiry job takes at `now`: still issued, time up."""
    return Q(status=Voucher.Status.ISSUED) & expiry_passed(now)


def never_used() -> Q:
    """No use of the voucher has been consumed (undone uses given back)."""
    return Q(uses_left=F("uses_allowed"))


def used() -> Q:
    """At least one use of the voucher was consumed (and not undone)."""
    return ~never_used()


def usable(now: datetime) -> Q:
    """The voucher can be used at `now`: issued, its time not up."""
    return Q(status=Voucher.Status.ISSUED) & ~expiry_passed(now)


def unused_and_issued() -> Q:
    """What a refund can still take back: an issued voucher never used."""
    return Q(status=Voucher.Status.ISSUED) & never_used()


# --- coupons ------------------------------------------------------------------


def coupon_usable(now: datetime) -> Q:
    """A coupon that can discount an order at `now`: available, `now` before
    its valid_until (at that instant it has run out) and not before its
    valid_from."""
    return Q(status=Coupon.Status.AVAILABLE, valid_until__gt=now) & (
        Q(valid_from__isnull=True) | Q(valid_from__lte=now)
    )


def campaign_open(now: datetime) -> Q:
    """A campaign whose coupons can be got at `now`: active, inside its window."""
    return (
        Q(status=CouponCampaign.Status.ACTIVE)
        & (Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )
