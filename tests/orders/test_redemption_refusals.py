"""Every refusal of a redemption, through voucher_redeem on whichever database
runs the suite (the same path on both): the cashier hears
why, with the status the API answers, and nothing at all is written."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from merchants.models import Membership, Store
from notifications.models import Notification
from o2o.errors import DomainError
from offers.models import Offer
from orders import services, throttle
from orders.codes import check_symbol
from orders.models import Order, OrderEvent, RedeemFailures, Redemption, Voucher
from payments import ledger
from payments.models import LedgerEntry

from ..factories import MembershipFactory, StoreFactory, make_voucher

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000000" + check_symbol("00000000000")


@dataclass
class Scene:
    voucher: Voucher
    offer: Offer
    store: Store  # where the voucher can be used
    other_store: Store  # of another merchant
    cashier: User
    monkeypatch: pytest.MonkeyPatch


@pytest.fixture
def scene(consumer, offer, store, other_store, cashier, monkeypatch):
    return Scene(make_voucher(consumer, offer), offer, store, other_store, cashier, monkeypatch)


# Who tries to redeem, and at which store.


def _staff_of_another_merchant(s):
    owner = MembershipFactory(merchant=s.other_store.merchant, role=Membership.Role.OWNER).user
    return owner, s.other_store.pk


def _the_consumer(s):
    return s.voucher.user, s.store.pk


def _cashier_of_another_store(s):
    second = StoreFactory(merchant=s.offer.merchant)
    s.offer.stores.add(second)
    membership = MembershipFactory(merchant=s.offer.merchant, role=Membership.Role.CASHIER)
    membership.stores.set([s.store])
    return membership.user, second.pk


def _at_a_store_outside_the_deal(s):
    return s.cashier, StoreFactory(merchant=s.offer.merchant).pk


def _at_another_merchants_store(s):
    return s.cashier, s.other_store.pk


def _staff_of_both_at_the_other_merchants_store(s):
    MembershipFactory(merchant=s.other_store.merchant, user=s.cashier)
    return s.cashier, s.other_store.pk


def _at_no_such_store(s):
    return s.cashier, 999_999


def _the_cashier(s):
    return s.cashier, s.store.pk


# What happened before; each returns the code the cashier types.


def _nothing(s, user, store_id):
    return s.voucher.code


def _past_its_date(s, user, store_id):
    Voucher.objects.filter(pk=s.voucher.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return s.voucher.code


def _at_its_very_instant(s, user, store_id):
    """The cashier presses "redeem" at the instant the voucher expires."""
    instant = timezone.now()
    Voucher.objects.filter(pk=s.voucher.pk).update(expires_at=instant)
    s.monkeypatch.setattr(timezone, "now", lambda: instant)
    return s.voucher.code


def _expired(s, user, store_id):
    Offer.objects.filter(pk=s.offer.pk).update(refund_on_expiry=False)
    _past_its_date(s, user, store_id)
    assert services.expire_vouchers() == 1
    return s.voucher.code


def _refunded(s, user, store_id):
    services.voucher_refund(voucher_id=s.voucher.pk, by=s.voucher.user, reason="customer")
    return s.voucher.code


def _used(s, user, store_id):
    services.voucher_redeem(code=s.voucher.code, store_id=s.store.pk, by=s.cashier)
    return s.voucher.code


def _too_many_wrong_codes(s, user, store_id):
    window = throttle.Window.current(staff_id=user.pk, store_id=store_id)
    for number in (window.number, window.number + 1):  # should the window turn meanwhile
        RedeemFailures.objects.create(scope=window.scopes[0], window=number, count=window.limit)
    return s.voucher.code


def _an_unknown_code(s, user, store_id):
    return UNKNOWN


def _a_typo(s, user, store_id):
    return "hello"


WHO_IS_REFUSED = [
    (_staff_of_another_merchant, "not_your_merchant", 403),
    (_the_consumer, "not_your_merchant", 403),
    (_cashier_of_another_store, "not_your_store", 403),
    (_at_a_store_outside_the_deal, "not_usable_at_store", 409),
    # Refused as not staff there, before the code is read.
    (_at_another_merchants_store, "not_your_merchant", 403),
    (_staff_of_both_at_the_other_merchants_store, "not_usable_at_store", 409),
    (_at_no_such_store, "store_not_found", 404),
]
WHAT_IS_REFUSED = [
    (_past_its_date, "voucher_expired", 409),
    (_at_its_very_instant, "voucher_expired", 409),
    (_expired, "voucher_expired", 409),
    (_refunded, "voucher_refunded", 409),
    (_used, "already_redeemed", 409),
    (_too_many_wrong_codes, "too_many_attempts", 429),
    (_an_unknown_code, "unknown_code", 404),
    (_a_typo, "malformed_code", 400),
]
CASES = [(who, _nothing, code, status) for who, code, status in WHO_IS_REFUSED] + [
    (_the_cashier, before, code, status) for before, code, status in WHAT_IS_REFUSED
]


def _ids(cases):
    return [f"{who.__name__[1:]}-{before.__name__[1:]}" for who, before, *_ in cases]


def _everything_a_redemption_writes():
    return {
        "vouchers": list(
            Voucher.objects.order_by("pk").values_list(
                "pk", "status", "uses_left", "redeemed_at", "updated_at"
            )
        ),
        "orders": list(
            Order.objects.order_by("pk").values_list(
                "pk", "status", "vouchers_usable", "updated_at"
            )
        ),
        "redemptions": list(Redemption.objects.order_by("pk").values_list("pk", "undone_at")),
        "ledger": list(LedgerEntry.objects.order_by("pk").values_list("pk", "statement")),
        "order events": OrderEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "wrong codes": list(RedeemFailures.objects.order_by("pk").values_list("pk", "count")),
    }


@pytest.mark.parametrize(("who", "before", "code", "status"), CASES, ids=_ids(CASES))
def test_a_refused_redemption_says_why_and_writes_nothing(scene, caplog, who, before, code, status):
    user, store_id = who(scene)
    typed = before(scene, user, store_id)
    written = _everything_a_redemption_writes()

    with caplog.at_level(logging.ERROR), pytest.raises(DomainError) as err:
        services.voucher_redeem(code=typed, store_id=store_id, by=user)

    assert (err.value.code, err.value.status) == (code, status)
    assert str(err.value)  # a message for the cashier, not only a code
    assert _everything_a_redemption_writes() == written
    # On PostgreSQL the statement's own rules refused too: it wrote nothing
    # that the rules in Python then had to roll back.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("who", "code", "status"), WHO_IS_REFUSED, ids=[who.__name__[1:] for who, *_ in WHO_IS_REFUSED]
)
def test_a_voucher_refused_to_the_wrong_person_or_store_is_used_once_by_the_right_one(
    scene, who, code, status
):
    user, store_id = who(scene)
    with pytest.raises(DomainError):
        services.voucher_redeem(code=scene.voucher.code, store_id=store_id, by=user)

    services.voucher_redeem(code=scene.voucher.code, store_id=scene.store.pk, by=scene.cashier)

    money = ledger.order_breakdown(scene.voucher.order)
    assert (money["merchant_net"], money["commission"]) == (Decimal("182.16"), Decimal("15.84"))
    assert Redemption.objects.filter(voucher=scene.voucher).count() == 1
