"""Redeeming a voucher at a store, and undoing a redemption.

A redemption locks the voucher, then its order. Whether a voucher may be
used is a table of rules (`redemption_rules`), each a condition on the
voucher's row that the database evaluates while it locks the row: the
refusal a cashier hears is read from the first rule that fails, in the
order they should hear them. Who may redeem at a store is merchants' rule
(merchants.services.require_staff_at_store), asked first.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Membership, Store
from merchants.services import NOT_YOUR_MERCHANT, require_staff_at_store, staff_membership
from o2o import rules
from o2o.errors import Conflict, NotFound, PermissionDenied
from offers.models import Offer

from .. import signals, throttle
from ..codes import normalize_code
from ..models import Order, Redemption, Voucher
from ..rules import expiry_passed
from ._base import RedemptionRefused, count_down_usable, order_event, voucher_move


def _not_usable_here(store_id: int) -> rules.Rule:
    def refusal(voucher: Voucher) -> RedemptionRefused:
        name = Store.objects.filter(pk=store_id).values_list("name", flat=True).first() or ""
        return RedemptionRefused(
            "not_usable_at_store",
            _("This voucher cannot be used at %(store)s.") % {"store": name},
            status=409,
        )

    # A store the deal is sold at, of the deal's own merchant.
    sold_here = Offer.stores.through.objects.filter(
        offer_id=OuterRef("offer_id"),
        store_id=store_id,
        store__merchant_id=OuterRef("offer__merchant_id"),
    )
    return rules.Rule("not_usable_at_store", Exists(sold_here), refusal)


def _already_used(voucher: Voucher) -> RedemptionRefused:
    last = voucher.redemptions.filter(undone_at__isnull=True).first()
    when = timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M") if last else ""
    return RedemptionRefused(
        "already_redeemed",
        _("This voucher was already used (%(when)s).") % {"when": when},
        status=409,
    )


def _not_staff_of_its_merchant(user_id: int) -> rules.Rule:
    staff = Membership.objects.filter(user_id=user_id, merchant_id=OuterRef("offer__merchant_id"))
    return rules.Rule(
        "not_your_merchant", Exists(staff), lambda v: PermissionDenied(*NOT_YOUR_MERCHANT)
    )


def redemption_rules(*, store_id: int, by_id: int, now: datetime) -> tuple[rules.Rule, ...]:
    """What must hold of a voucher for one use of it at the store by the
    staff member `by_id` at `now` (who may act at the store at all is asked
    before: merchants.services.require_staff_at_store)."""
    return (
        _not_staff_of_its_merchant(by_id),
        _not_usable_here(store_id),
        rules.Rule("already_redeemed", ~Q(status=Voucher.Status.REDEEMED), _already_used),
        rules.Rule(
            "voucher_refunded",
            ~Q(status=Voucher.Status.REFUNDED),
            lambda v: RedemptionRefused(
                "voucher_refunded", _("This voucher was refunded."), status=409
            ),
        ),
        rules.Rule(
            "voucher_expired",
            ~Q(status=Voucher.Status.EXPIRED) & ~expiry_passed(now),
            lambda v: RedemptionRefused(
                "voucher_expired", _("This voucher has expired."), status=409
            ),
        ),
        # An issued voucher always has a use left (a check constraint): the belt.
        rules.Rule("already_redeemed", Q(uses_left__gt=0), _already_used),
    )


def voucher_redeem(*, code: str, store_id: int, by: User) -> Redemption:
    """Consume one use of a voucher at a store, by a member of its merchant's staff.

    Checked in this order, so that each answer reveals no more than it must:
    may `by` act at the store (a stranger learns nothing about codes and
    cannot spend the store's wrong-code allowance); is the wrong-code window
    open; is the code well formed; does it name a voucher; may the voucher be
    used here and now (`redemption_rules`). Then, in one transaction: the
    use, the redemption, the order's history (and completion after its last
    usable voucher), and `voucher_used`, on which payments books the
    merchant's earning and notifications tells the consumer.
    """
    require_staff_at_store(user_id=by.pk, store_id=store_id)
    window = throttle.Window.current(staff_id=by.pk, store_id=store_id)
    window.refuse_if_closed(window.failures())
    normalized = normalize_code(code)
    if normalized is None:
        raise RedemptionRefused(
            "malformed_code",
            _("That is not a valid voucher code. Check it and try again."),
        )
    return _redeem(code=normalized, store_id=store_id, by=by, now=timezone.now())


@transaction.atomic
def _redeem(*, code: str, store_id: int, by: User, now: datetime) -> Redemption:
    checks = redemption_rules(store_id=store_id, by_id=by.pk, now=now)
    voucher = (
        rules.with_rules(Voucher.objects.filter(code=code), checks)
        .select_related("order", "offer")
        .select_for_update(of=("self",))
        .first()
    )
    if voucher is None:
        raise RedemptionRefused("unknown_code", _("No voucher has this code."), status=404)
    rules.check(voucher, checks)
    use_number = voucher.uses_allowed - voucher.uses_left + 1
    voucher.uses_left -= 1
    fields = ["uses_left", "updated_at"]
    if voucher.uses_left == 0:
        voucher_move(voucher, Voucher.Status.REDEEMED, kind="redeemed", by=by)
        voucher.redeemed_at = now
        fields += ["status", "redeemed_at"]
    voucher.save(update_fields=fields)
    redemption = Redemption.objects.create(voucher=voucher, store_id=store_id, by=by)
    order_event(
        voucher.order,
        "redeemed",
        by=by,
        note=f"voucher {voucher.pk} at store {store_id}",
    )
    if voucher.uses_left == 0:
        count_down_usable([voucher.order_id], now)
    signals.voucher_used.send(sender=Redemption, redemption=redemption, use_number=use_number)
    return redemption


@transaction.atomic
def redemption_undo(*, redemption_id: int, by: User) -> Redemption:
    """Give a use back, within the undo window, for a cashier's mistake.

    Only staff who may act at the redemption's store undo it: a cashier
    limited to other stores is refused (403 not_your_store), as they would
    be redeeming there. Apps above may refuse too (reviews: the visit was
    reviewed), through `redemption_undo_requested`.
    """
    redemption = (
        Redemption.objects.select_related("voucher__offer__merchant", "store")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound("redemption_not_found", _("Redemption not found."))
    staff_membership(by, redemption.voucher.offer.merchant, store=redemption.store)
    voucher = (
        Voucher.objects.select_for_update().select_related("offer").get(pk=redemption.voucher_id)
    )
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    redemption.voucher = voucher
    if redemption.undone_at is not None:
        raise Conflict("already_undone", _("This redemption was already undone."))
    if timezone.now() - redemption.created_at > settings.REDEMPTION_UNDO_WINDOW:
        raise Conflict(
            "undo_window_passed",
            _("A redemption can only be undone within %(n)s minutes.")
            % {"n": int(settings.REDEMPTION_UNDO_WINDOW.total_seconds() // 60)},
        )
    signals.redemption_undo_requested.send(sender=Redemption, redemption=redemption)
    now = timezone.now()
    redemption.undone_at = now
    redemption.undone_by = by
    redemption.save(update_fields=["undone_at", "undone_by"])
    usable_again = voucher.status == Voucher.Status.REDEEMED
    voucher.uses_left += 1
    fields = ["uses_left", "updated_at"]
    if usable_again:
        voucher_move(voucher, Voucher.Status.ISSUED, kind="redemption_undone", by=by)
        voucher.redeemed_at = None
        fields += ["status", "redeemed_at"]
    voucher.save(update_fields=fields)
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    voucher.order = order
    order_event(order, "redemption_undone", by=by, note=f"voucher {voucher.pk}")
    if usable_again:
        order.vouchers_usable += 1
        if order.status == Order.Status.COMPLETED:
            order.status = Order.Status.PAID
        order.save(update_fields=["vouchers_usable", "status", "updated_at"])
    signals.redemption_undone.send(sender=Redemption, redemption=redemption)
    return redemption
