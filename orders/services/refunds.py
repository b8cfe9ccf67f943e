"""Refunding an unused voucher. The money side (the refund row, the ledger,
the gateway) is payments', which reacts to `voucher_refunded` in the same
transaction, and may refuse it (more than is left to refund)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o import rules
from o2o.errors import Conflict, NotFound, PermissionDenied

from .. import signals
from ..models import Order, Voucher
from ..rules import never_used
from ._base import count_down_usable, order_event, voucher_move
from .coupons import coupon_give_back
from .referrals import referral_reward_withdraw


class RefundReason:
    CUSTOMER = "customer"
    EXPIRY = "expiry"
    ADMIN = "admin"
    EXTERNAL = "external"  # refunded at the provider, outside the platform


def refund_rules() -> tuple[rules.Rule, ...]:
    """What must hold of a voucher for it to be refunded, in the order its
    owner should hear why not: not refunded already, never used, not expired."""
    return (
        rules.Rule(
            "already_refunded",
            ~Q(status=Voucher.Status.REFUNDED),
            lambda v: Conflict("already_refunded", _("This voucher was already refunded.")),
        ),
        rules.Rule(
            "already_redeemed",
            ~Q(status=Voucher.Status.REDEEMED) & never_used(),
            lambda v: Conflict("already_redeemed", _("A used voucher cannot be refunded.")),
        ),
        rules.Rule(
            "voucher_expired",
            ~Q(status=Voucher.Status.EXPIRED),
            lambda v: Conflict("voucher_expired", _("This voucher has expired.")),
        ),
    )


@transaction.atomic
def voucher_refund(
    *, voucher_id: int, by: User | None, reason: str, reference: str = ""
) -> Voucher:
    """Refund an unused voucher: the consumer's request (if the offer allows
    it), or an admin's decision. The money moves through the gateway after
    commit; the voucher is unusable from this moment on."""
    checks = refund_rules()
    voucher = (
        rules.with_rules(Voucher.objects.filter(pk=voucher_id), checks)
        .select_for_update(of=("self",))
        .select_related("offer")
        .first()
    )
    if voucher is None:
        raise NotFound("voucher_not_found", _("Voucher not found."))
    if reason == RefundReason.CUSTOMER:
        if by is None or voucher.user_id != by.pk:
            raise NotFound("voucher_not_found", _("Voucher not found."))
        if not voucher.offer.refundable:
            raise Conflict("not_refundable", _("This deal cannot be refunded."))
    elif reason == RefundReason.ADMIN and (by is None or not by.is_staff):
        raise PermissionDenied("admins_only", _("Only admins can do this."))
    rules.check(voucher, checks)
    now = timezone.now()
    voucher_move(voucher, Voucher.Status.REFUNDED, kind="refunded", by=by, note=reason)
    voucher.refunded_at = now
    voucher.save(update_fields=["status", "refunded_at", "updated_at"])
    # Locked before payments locks the payment: the order before its payment.
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    order_event(order, "voucher_refunded", by=by, note=f"voucher {voucher.pk}: {reason}")
    signals.voucher_refunded.send(
        sender=Voucher, voucher=voucher, order=order, reason=reason, reference=reference
    )
    count_down_usable([order.pk], now)
    if not order.vouchers.exclude(status=Voucher.Status.REFUNDED).exists():
        # The whole order refunded: its coupon is usable again, if still in
        # time, and a referral reward it earned is taken back.
        coupon_give_back(order=order, now=now)
        referral_reward_withdraw(order=order)
    return voucher
