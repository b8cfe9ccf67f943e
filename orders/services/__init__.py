"""Every write on orders, vouchers and redemptions, by what it is about:

- checkout: an order is created, paid (its vouchers issued) or cancelled;
- redemption: a voucher's use at a store, and its undoing;
- refunds: an unused voucher refunded;
- expiry: vouchers past their validity.

Locks are taken in the same order: user, offer, order, then its payment
(payments.services) and the vouchers it issues. A voucher's use, refund or
expiry locks the voucher first and then its order (a refund then the
payment); nothing locks an order and then its existing vouchers, and
nothing locks a payment and then its order.

What happens is announced on orders.signals for the apps above (payments
books the money, notifications tells people); this app imports none of them.
"""

from ..rules import ACTIVE_ORDER_STATUSES
from ._base import RedemptionRefused
from .checkout import (
    SOLD_OUT,
    cancel_unpaid_orders,
    commission_rate_for,
    order_cancel,
    order_create,
    order_mark_paid,
    units_bought,
)
from .coupons import (
    ADMIN_GRANT_MAX,
    best_coupon,
    campaign_create,
    campaign_set_status,
    coupon_claim,
    coupon_discount,
    coupon_give_back,
    coupon_grant,
    coupon_refusal,
    coupon_saving,
    coupons_grant_by_admin,
)
from .expiry import expire_vouchers, vouchers_to_expire
from .redemption import redemption_rules, redemption_undo, voucher_redeem
from .referrals import referral_refusal, referral_reward, reward_due
from .refunds import RefundReason, voucher_refund

__all__ = [
    "ACTIVE_ORDER_STATUSES",
    "ADMIN_GRANT_MAX",
    "SOLD_OUT",
    "RedemptionRefused",
    "RefundReason",
    "best_coupon",
    "campaign_create",
    "campaign_set_status",
    "cancel_unpaid_orders",
    "commission_rate_for",
    "coupon_claim",
    "coupon_discount",
    "coupon_give_back",
    "coupon_grant",
    "coupon_refusal",
    "coupon_saving",
    "coupons_grant_by_admin",
    "expire_vouchers",
    "order_cancel",
    "order_create",
    "order_mark_paid",
    "redemption_rules",
    "redemption_undo",
    "referral_refusal",
    "referral_reward",
    "reward_due",
    "units_bought",
    "voucher_redeem",
    "voucher_refund",
    "vouchers_to_expire",
]
