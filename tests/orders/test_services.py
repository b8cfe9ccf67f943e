"""Orders, vouchers and redemptions through their services: the lifecycles
and invariants of design.md, one behaviour per test."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from merchants.models import Membership, Merchant
from notifications.models import Notification
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from offers.models import Offer
from orders import services
from orders.codes import format_code, normalize_code
from orders.models import Order, OrderEvent, Redemption, Voucher
from payments.models import LedgerEntry, Refund

from ..factories import (
    MembershipFactory,
    OfferFactory,
    StoreFactory,
    UserFactory,
    make_cashier,
    make_order,
    make_paid_order,
    make_voucher,
)

pytestmark = pytest.mark.django_db


# --- buying -----------------------------------------------------------------


def test_order_reserves_stock_and_waits_for_payment(consumer):
    offer = OfferFactory(stock=5)
    order = make_order(consumer, offer, 2)
    offer.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.total == Decimal("396.00")
    assert offer.stock_left == 3
    assert order.vouchers.count() == 0


@pytest.mark.parametrize("quantity", [0, -1, "abc", "", None, 51, 10**9, "1.5"])
def test_bad_quantity_is_refused_and_changes_nothing(consumer, quantity):
    offer = OfferFactory(stock=100)
    with pytest.raises(DomainError) as err:
        services.order_create(user=consumer, offer_id=offer.pk, quantity=quantity)
    assert err.value.code == "invalid_quantity"
    offer.refresh_from_db()
    assert offer.stock_left == 100
    assert not Order.objects.exists()


def test_sold_out_offer_refuses_with_sold_out(consumer):
    offer = OfferFactory(stock=1)
    make_order(UserFactory(), offer, 1)
    with pytest.raises(Conflict) as err:
        make_order(consumer, offer, 1)
    assert err.value.code == "sold_out"
    assert Order.objects.count() == 1


def test_asking_more_than_is_left_says_how_many_are_left(consumer):
    offer = OfferFactory(stock=3)
    with pytest.raises(Conflict) as err:
        make_order(consumer, offer, 5)
    assert err.value.code == "not_enough_stock"
    assert "3" in str(err.value)


def test_purchase_limit_counts_earlier_orders(consumer):
    offer = OfferFactory(limit_per_user=2)
    make_paid_order(consumer, offer, 1)
    make_order(consumer, offer, 1)
    with pytest.raises(Conflict) as err:
        make_order(consumer, offer, 1)
    assert err.value.code == "limit_exceeded"


def test_cancelled_orders_do_not_count_towards_the_limit(consumer):
    offer = OfferFactory(limit_per_user=1)
    order = make_order(consumer, offer, 1)
    services.order_cancel(order_id=order.pk, by=consumer)
    assert make_order(consumer, offer, 1).status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(
    "change",
    [
        {"status": Offer.Status.PAUSED},
        {"status": Offer.Status.PENDING_REVIEW},
        {"sale_ends_at": timezone.now() - timedelta(minutes=1)},
        {"sale_starts_at": timezone.now() + timedelta(days=1)},
    ],
)
def test_offers_not_on_sale_cannot_be_bought(consumer, change):
    offer = OfferFactory(stock=10, **change)
    with pytest.raises(Conflict) as err:
        make_order(consumer, offer, 1)
    assert err.value.code == "offer_not_available"
    offer.refresh_from_db()
    assert offer.stock_left == 10


def test_suspended_merchants_offers_cannot_be_bought(consumer, offer):
    Merchant.objects.filter(pk=offer.merchant_id).update(status=Merchant.Status.SUSPENDED)
    with pytest.raises(Conflict):
        make_order(consumer, offer, 1)


@pytest.mark.parametrize("offer_id", [999999, "abc", None])
def test_unknown_offer_is_not_found(consumer, offer_id):
    with pytest.raises(NotFound):
        services.order_create(user=consumer, offer_id=offer_id, quantity=1)


def test_cancel_returns_reserved_stock(consumer):
    offer = OfferFactory(stock=5)
    order = make_order(consumer, offer, 3)
    services.order_cancel(order_id=order.pk, by=consumer)
    offer.refresh_from_db()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert offer.stock_left == 5


def test_a_paid_order_cannot_be_cancelled(consumer, offer):
    order = make_paid_order(consumer, offer, 1)
    with pytest.raises(Conflict):
        services.order_cancel(order_id=order.pk, by=consumer)


def test_another_consumer_cannot_cancel_my_order(consumer, offer):
    order = make_order(consumer, offer, 1)
    with pytest.raises(NotFound):
        services.order_cancel(order_id=order.pk, by=UserFactory())


def test_unpaid_orders_are_cancelled_after_the_payment_window(consumer):
    offer = OfferFactory(stock=4)
    late = make_order(consumer, offer, 2)
    fresh = make_order(UserFactory(), offer, 1)
    Order.objects.filter(pk=late.pk).update(payment_deadline=timezone.now() - timedelta(seconds=1))
    assert services.cancel_unpaid_orders() == 1
    assert services.cancel_unpaid_orders() == 0  # idempotent
    late.refresh_from_db()
    fresh.refresh_from_db()
    offer.refresh_from_db()
    assert late.status == Order.Status.CANCELLED
    assert fresh.status == Order.Status.PENDING_PAYMENT
    assert offer.stock_left == 3


# --- paying -----------------------------------------------------------------


def test_paying_issues_one_voucher_per_unit_with_valid_codes(consumer, offer):
    order = make_paid_order(consumer, offer, 3)
    vouchers = list(order.vouchers.all())
    assert order.status == Order.Status.PAID
    assert len(vouchers) == 3
    assert len({v.code for v in vouchers}) == 3
    for voucher in vouchers:
        assert normalize_code(voucher.code) == voucher.code
        assert normalize_code(format_code(voucher.code).lower()) == voucher.code
        assert voucher.uses_left == voucher.uses_allowed == 1
    offer.refresh_from_db()
    assert offer.sold_count == 3


def test_order_mark_paid_twice_issues_vouchers_once(consumer, offer):
    order = make_paid_order(consumer, offer, 2)
    services.order_mark_paid(order_id=order.pk, amount=order.total, currency=order.currency)
    assert order.vouchers.count() == 2


def test_commission_rate_is_fixed_on_the_order_when_paid(consumer, offer):
    Merchant.objects.filter(pk=offer.merchant_id).update(commission_rate=Decimal("0.05"))
    order = make_paid_order(consumer, offer, 1)
    assert order.commission_rate == Decimal("0.05")


def test_paying_the_wrong_amount_is_refused(consumer, offer):
    order = make_order(consumer, offer, 1)
    with pytest.raises(DomainError) as err:
        services.order_mark_paid(order_id=order.pk, amount=Decimal("1.00"), currency=order.currency)
    assert err.value.code == "amount_mismatch"
    assert order.vouchers.count() == 0


# --- codes ------------------------------------------------------------------


def test_codes_catch_typos_before_any_lookup():
    voucher_code = "7KQ49XMP2RW"
    from orders.codes import check_symbol

    code = voucher_code + check_symbol(voucher_code)
    assert normalize_code(code) == code
    assert normalize_code(f" {format_code(code).lower()} ") == code
    typo = ("8" if code[0] != "8" else "9") + code[1:]
    assert normalize_code(typo) is None
    swapped = code[1] + code[0] + code[2:]
    assert code[0] == code[1] or normalize_code(swapped) is None
    assert normalize_code("short") is None
    assert normalize_code("!!!!!!!!!!!!") is None


# --- redeeming --------------------------------------------------------------


def test_cashier_redeems_a_voucher_once(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(
        code=format_code(voucher.code), store_id=store.pk, by=cashier
    )
    voucher.refresh_from_db()
    assert redemption.voucher == voucher
    assert voucher.status == Voucher.Status.REDEEMED
    assert voucher.uses_left == 0
    assert voucher.order.__class__.objects.get(pk=voucher.order_id).status == Order.Status.COMPLETED
    with pytest.raises(services.RedemptionRefused) as err:
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    assert err.value.code == "already_redeemed"
    assert Redemption.objects.count() == 1


def test_multi_use_voucher_counts_down_uses(consumer, store, cashier):
    offer = OfferFactory(merchant=store.merchant, uses_per_voucher=3, stores=[store])
    voucher = make_voucher(consumer, offer)
    for left in (2, 1, 0):
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
        voucher.refresh_from_db()
        assert voucher.uses_left == left
    assert voucher.status == Voucher.Status.REDEEMED
    with pytest.raises(services.RedemptionRefused):
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("0000-0000-0000", "unknown_code"), ("hello", "malformed_code"), ("", "malformed_code")],
)
def test_wrong_codes_get_a_clear_refusal(store, cashier, raw, code):
    from orders.codes import check_symbol

    if code == "unknown_code":
        raw = "00000000000" + check_symbol("00000000000")
    with pytest.raises(services.RedemptionRefused) as err:
        services.voucher_redeem(code=raw, store_id=store.pk, by=cashier)
    assert err.value.code == code


def test_staff_of_another_merchant_cannot_redeem(consumer, offer, other_store):
    voucher = make_voucher(consumer, offer)
    stranger = MembershipFactory(merchant=other_store.merchant, role=Membership.Role.OWNER).user
    with pytest.raises(PermissionDenied) as err:
        services.voucher_redeem(code=voucher.code, store_id=other_store.pk, by=stranger)
    assert err.value.code == "not_your_merchant"
    voucher.refresh_from_db()
    assert voucher.uses_left == 1


def test_another_merchants_cashier_cannot_redeem_at_the_vouchers_own_store(
    consumer, offer, store, cashier, other_store
):
    voucher = make_voucher(consumer, offer)
    intruder = make_cashier(other_store.merchant)
    written = (
        OrderEvent.objects.count(),
        LedgerEntry.objects.count(),
        Notification.objects.count(),
    )
    with pytest.raises(PermissionDenied) as err:
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=intruder)
    assert err.value.code == "not_your_merchant"
    assert not Redemption.objects.exists()
    assert (
        OrderEvent.objects.count(),
        LedgerEntry.objects.count(),
        Notification.objects.count(),
    ) == written
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (Voucher.Status.ISSUED, 1)
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)  # still usable


def test_a_consumer_cannot_redeem_their_own_voucher(consumer, offer, store):
    voucher = make_voucher(consumer, offer)
    with pytest.raises(PermissionDenied):
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=consumer)


def test_cashier_limited_to_one_store_cannot_redeem_at_another(consumer, offer, store):
    second = StoreFactory(merchant=offer.merchant)
    offer.stores.add(second)
    membership = MembershipFactory(merchant=offer.merchant, role=Membership.Role.CASHIER)
    membership.stores.set([store])
    voucher = make_voucher(consumer, offer)
    with pytest.raises(PermissionDenied) as err:
        services.voucher_redeem(code=voucher.code, store_id=second.pk, by=membership.user)
    assert err.value.code == "not_your_store"
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=membership.user)


def test_voucher_not_usable_at_a_store_outside_the_offer(consumer, offer, cashier):
    elsewhere = StoreFactory(merchant=offer.merchant)
    voucher = make_voucher(consumer, offer)
    with pytest.raises(services.RedemptionRefused) as err:
        services.voucher_redeem(code=voucher.code, store_id=elsewhere.pk, by=cashier)
    assert err.value.code == "not_usable_at_store"


def test_expired_and_refunded_vouchers_cannot_be_redeemed(consumer, offer, store, cashier):
    expired = make_voucher(consumer, offer)
    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refunded = make_voucher(consumer, offer)
    services.voucher_refund(voucher_id=refunded.pk, by=consumer, reason="customer")
    for voucher, code in ((expired, "voucher_expired"), (refunded, "voucher_refunded")):
        with pytest.raises(services.RedemptionRefused) as err:
            services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
        assert err.value.code == code


def test_undo_within_the_window_gives_the_use_back(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    services.redemption_undo(redemption_id=redemption.pk, by=cashier)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED
    assert voucher.uses_left == 1
    assert Order.objects.get(pk=voucher.order_id).status == Order.Status.PAID
    with pytest.raises(Conflict) as err:
        services.redemption_undo(redemption_id=redemption.pk, by=cashier)
    assert err.value.code == "already_undone"
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    assert Order.objects.get(pk=voucher.order_id).status == Order.Status.COMPLETED


def test_an_order_completes_when_its_last_voucher_is_used_refunded_or_expired(
    consumer, offer, store, cashier
):
    order = make_paid_order(consumer, offer, 3)
    used, refunded, expired = order.vouchers.order_by("number")

    services.voucher_redeem(code=used.code, store_id=store.pk, by=cashier)
    services.voucher_refund(voucher_id=refunded.pk, by=consumer, reason="customer")
    order.refresh_from_db()
    assert (order.status, order.vouchers_usable) == (Order.Status.PAID, 1)

    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    services.expire_vouchers()
    order.refresh_from_db()
    assert (order.status, order.vouchers_usable) == (Order.Status.COMPLETED, 0)


def test_undo_after_ten_minutes_is_refused(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    Redemption.objects.filter(pk=redemption.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    with pytest.raises(Conflict) as err:
        services.redemption_undo(redemption_id=redemption.pk, by=cashier)
    assert err.value.code == "undo_window_passed"


def test_another_merchant_cannot_undo_a_redemption(consumer, offer, store, cashier, other_store):
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    stranger = MembershipFactory(merchant=other_store.merchant).user
    with pytest.raises(PermissionDenied):
        services.redemption_undo(redemption_id=redemption.pk, by=stranger)


def _two_stores_and_a_cashier_of_the_first(offer, store):
    second = StoreFactory(merchant=offer.merchant)
    offer.stores.add(second)
    limited = MembershipFactory(merchant=offer.merchant, role=Membership.Role.CASHIER)
    limited.stores.set([store])
    return second, limited.user


def test_a_cashier_limited_to_one_store_cannot_undo_a_redemption_at_another(
    consumer, offer, store, cashier
):
    second, limited = _two_stores_and_a_cashier_of_the_first(offer, store)
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=second.pk, by=cashier)
    entries = LedgerEntry.objects.count()
    with pytest.raises(PermissionDenied) as err:
        services.redemption_undo(redemption_id=redemption.pk, by=limited)
    assert err.value.code == "not_your_store"
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (Voucher.Status.REDEEMED, 0)
    assert Redemption.objects.get().undone_at is None
    assert LedgerEntry.objects.count() == entries
    assert Order.objects.get(pk=voucher.order_id).status == Order.Status.COMPLETED


def test_a_cashier_limited_to_a_store_undoes_a_redemption_made_there(
    consumer, offer, store, cashier
):
    _second, limited = _two_stores_and_a_cashier_of_the_first(offer, store)
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    services.redemption_undo(redemption_id=redemption.pk, by=limited)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (Voucher.Status.ISSUED, 1)


def test_an_owner_undoes_a_redemption_at_any_store_of_the_merchant(consumer, offer, store, owner):
    second, _limited = _two_stores_and_a_cashier_of_the_first(offer, store)
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=second.pk, by=owner)
    services.redemption_undo(redemption_id=redemption.pk, by=owner)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


# --- refunds and expiry -----------------------------------------------------


def test_consumer_refunds_an_unused_voucher(consumer, offer, django_capture_on_commit_callbacks):
    voucher = make_voucher(consumer, offer)
    with django_capture_on_commit_callbacks(execute=True):
        services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    voucher.refresh_from_db()
    refund = Refund.objects.get(voucher=voucher)
    assert voucher.status == Voucher.Status.REFUNDED
    assert refund.amount == voucher.value
    assert refund.status == Refund.Status.SUCCEEDED  # the dev gateway refunds at once
    assert Order.objects.get(pk=voucher.order_id).status == Order.Status.COMPLETED


def test_refund_twice_makes_one_refund(consumer, offer):
    voucher = make_voucher(consumer, offer)
    services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    with pytest.raises(Conflict) as err:
        services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    assert err.value.code == "already_refunded"
    assert Refund.objects.count() == 1


def test_used_voucher_cannot_be_refunded(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    with pytest.raises(Conflict) as err:
        services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    assert err.value.code == "already_redeemed"
    assert not Refund.objects.exists()


def test_partly_used_multi_use_voucher_cannot_be_refunded(consumer, store, cashier):
    offer = OfferFactory(merchant=store.merchant, uses_per_voucher=5, stores=[store])
    voucher = make_voucher(consumer, offer)
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    with pytest.raises(Conflict):
        services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")


def test_non_refundable_offer_refuses_customer_refund_but_admin_can(consumer, admin_user):
    offer = OfferFactory(refundable=False)
    voucher = make_voucher(consumer, offer)
    with pytest.raises(Conflict) as err:
        services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    assert err.value.code == "not_refundable"
    services.voucher_refund(voucher_id=voucher.pk, by=admin_user, reason="admin")
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REFUNDED


def test_another_consumer_cannot_refund_my_voucher(consumer, offer):
    voucher = make_voucher(consumer, offer)
    with pytest.raises(NotFound):
        services.voucher_refund(voucher_id=voucher.pk, by=UserFactory(), reason="customer")
    with pytest.raises(PermissionDenied):
        services.voucher_refund(voucher_id=voucher.pk, by=UserFactory(), reason="admin")
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_expiry_refunds_or_expires_by_the_offers_policy(consumer, store, cashier):
    refunding = OfferFactory(merchant=store.merchant, stores=[store], refund_on_expiry=True)
    keeping = OfferFactory(merchant=store.merchant, stores=[store], refund_on_expiry=False)
    multi = OfferFactory(
        merchant=store.merchant, stores=[store], refund_on_expiry=True, uses_per_voucher=2
    )
    a, b, c = (make_voucher(consumer, o) for o in (refunding, keeping, multi))
    services.voucher_redeem(code=c.code, store_id=store.pk, by=cashier)
    fresh = make_voucher(consumer, keeping)
    Voucher.objects.exclude(pk=fresh.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert services.expire_vouchers(batch_size=2) == 3
    assert services.expire_vouchers() == 0  # idempotent

    statuses = {v.pk: v.status for v in Voucher.objects.all()}
    assert statuses[a.pk] == Voucher.Status.REFUNDED
    assert statuses[b.pk] == Voucher.Status.EXPIRED
    assert statuses[c.pk] == Voucher.Status.EXPIRED  # partly used: never refunded
    assert statuses[fresh.pk] == Voucher.Status.ISSUED
    assert list(Refund.objects.values_list("voucher_id", flat=True)) == [a.pk]
    assert Order.objects.get(pk=a.order_id).status == Order.Status.COMPLETED


MICROSECOND = timedelta(microseconds=1)


def test_a_voucher_is_usable_until_the_instant_it_expires_and_not_at_it(
    consumer, offer, store, cashier, monkeypatch
):
    last_moment, too_late = make_paid_order(consumer, offer, 2).vouchers.order_by("number")
    instant = timezone.now()
    Voucher.objects.filter(pk=last_moment.pk).update(expires_at=instant + MICROSECOND)
    Voucher.objects.filter(pk=too_late.pk).update(expires_at=instant)
    monkeypatch.setattr(timezone, "now", lambda: instant)

    services.voucher_redeem(code=last_moment.code, store_id=store.pk, by=cashier)
    with pytest.raises(services.RedemptionRefused) as err:
        services.voucher_redeem(code=too_late.code, store_id=store.pk, by=cashier)

    assert err.value.code == "voucher_expired"
    statuses = dict(Voucher.objects.values_list("pk", "status"))
    assert statuses == {last_moment.pk: Voucher.Status.REDEEMED, too_late.pk: Voucher.Status.ISSUED}


@pytest.fixture
def expiring_at_one_instant(consumer, store):
    """For each expiry policy, a voucher expiring at `instant` and one a
    microsecond later."""
    instant = timezone.now() + timedelta(days=1)
    vouchers = {}
    for refunds in (False, True):
        offer = OfferFactory(merchant=store.merchant, stores=[store], refund_on_expiry=refunds)
        at, after = make_paid_order(consumer, offer, 2).vouchers.order_by("number")
        Voucher.objects.filter(pk=at.pk).update(expires_at=instant)
        Voucher.objects.filter(pk=after.pk).update(expires_at=instant + MICROSECOND)
        vouchers[refunds] = (at, after)
    return instant, vouchers


def test_the_expiry_job_takes_a_voucher_at_the_instant_it_expires_not_a_moment_before(
    expiring_at_one_instant,
):
    instant, vouchers = expiring_at_one_instant
    (kept_at, kept_after), (refunded_at, refunded_after) = vouchers[False], vouchers[True]
    assert not services.vouchers_to_expire(now=instant - MICROSECOND)
    assert services.vouchers_to_expire(now=instant, more_than=1)

    assert services.expire_vouchers(now=instant) == 2

    statuses = dict(Voucher.objects.values_list("pk", "status"))
    assert statuses == {
        kept_at.pk: Voucher.Status.EXPIRED,
        refunded_at.pk: Voucher.Status.REFUNDED,
        kept_after.pk: Voucher.Status.ISSUED,
        refunded_after.pk: Voucher.Status.ISSUED,
    }
    assert list(Refund.objects.values_list("voucher", flat=True)) == [refunded_at.pk]


def test_money_adds_up_after_a_mixed_history(consumer, offer, store, cashier, admin_user):
    """Invariant 4: captured = redeemed value + refunds + value still unused."""
    order = make_paid_order(consumer, offer, 4)
    v1, v2, v3, _v4 = order.vouchers.order_by("number")
    services.voucher_redeem(code=v1.code, store_id=store.pk, by=cashier)
    services.voucher_refund(voucher_id=v2.pk, by=consumer, reason="customer")
    services.voucher_refund(voucher_id=v3.pk, by=admin_user, reason="admin")
    from django.db.models import Sum

    captured = order.payments.get(status="succeeded").amount
    refunded = Refund.objects.filter(payment__order=order).aggregate(s=Sum("amount"))["s"]
    redeemed = sum(v.value for v in order.vouchers.filter(status="redeemed"))
    unused = sum(v.value for v in order.vouchers.filter(status="issued"))
    assert captured == refunded + redeemed + unused
    assert refunded == Decimal("396.00")


# --- the sold-out hint: late arrivals of a flash crowd skip the database ------


def test_once_sold_out_later_buyers_are_turned_away_without_a_transaction(
    django_assert_num_queries,
):
    offer = OfferFactory(stock=1)
    services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    late = [UserFactory() for _ in range(3)]
    with pytest.raises(Conflict) as err:
        services.order_create(user=late[0], offer_id=offer.pk, quantity=1)
    assert err.value.code == "sold_out"
    for buyer in late[1:]:
        with django_assert_num_queries(0), pytest.raises(Conflict) as err:
            services.order_create(user=buyer, offer_id=offer.pk, quantity=1)
        assert err.value.code == "sold_out"


def test_stock_coming_back_from_a_cancelled_order_can_be_bought_at_once():
    offer = OfferFactory(stock=1)
    first = services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    with pytest.raises(Conflict):
        services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    services.order_cancel(order_id=first.pk, reason="payment_window_passed")
    again = services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    assert again.status == Order.Status.PENDING_PAYMENT


def test_without_a_cache_sold_out_is_still_answered_by_the_database(monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    for name in ("get", "set", "delete", "get_many", "incr"):
        monkeypatch.setattr(cache, name, down)
    offer = OfferFactory(stock=1)
    services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    with pytest.raises(Conflict) as err:
        services.order_create(user=UserFactory(), offer_id=offer.pk, quantity=1)
    assert err.value.code == "sold_out"
    offer.refresh_from_db()
    assert offer.stock_left == 0


def test_a_store_or_cashier_with_redemptions_cannot_be_deleted(consumer, offer, store, cashier):
    # Kept by PROTECT in the ORM: the database holds no key on these columns.
    voucher = make_voucher(consumer, offer)
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)

    for row in (store, cashier):
        with pytest.raises(ProtectedError):
            row.delete()
    assert Redemption.objects.get(voucher=voucher).store_id == store.pk


def _status_changes(order):
    return [
        (e.from_status, e.to_status)
        for e in OrderEvent.objects.filter(order=order).order_by("pk")
        if e.from_status != e.to_status
    ]


@pytest.mark.parametrize("last", ["used", "refunded", "expired"])
def test_an_order_completed_by_its_last_voucher_says_so_in_its_history(
    consumer, offer, store, cashier, last
):
    order = make_paid_order(consumer, offer, 2)
    first, second = order.vouchers.order_by("number")
    services.voucher_redeem(code=first.code, store_id=store.pk, by=cashier)
    assert ("paid", "completed") not in _status_changes(order)  # one voucher is left
    if last == "used":
        services.voucher_redeem(code=second.code, store_id=store.pk, by=cashier)
    elif last == "refunded":
        services.voucher_refund(voucher_id=second.pk, by=consumer, reason="customer")
    else:
        Voucher.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(hours=1))
        services.expire_vouchers()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert _status_changes(order)[-1] == ("paid", "completed")
    assert _status_changes(order).count(("paid", "completed")) == 1


def test_undoing_the_last_use_reopens_the_order_and_says_so(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    redemption = services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    services.redemption_undo(redemption_id=redemption.pk, by=cashier)
    assert _status_changes(voucher.order)[-2:] == [("paid", "completed"), ("completed", "paid")]
    assert list(voucher.events.values_list("from_status", "to_status")) == [
        ("issued", "redeemed"),
        ("redeemed", "issued"),
    ]


def test_a_refund_and_an_expiry_write_the_vouchers_history(consumer, offer):
    order = make_paid_order(consumer, offer, 2)
    refunded, expired = order.vouchers.order_by("number")
    services.voucher_refund(voucher_id=refunded.pk, by=consumer, reason="customer")
    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    offer.refund_on_expiry = False
    offer.save(update_fields=["refund_on_expiry"])
    services.expire_vouchers()
    assert list(refunded.events.values_list("kind", "from_status", "to_status")) == [
        ("refunded", "issued", "refunded")
    ]
    assert list(expired.events.values_list("kind", "from_status", "to_status")) == [
        ("expired", "issued", "expired")
    ]
