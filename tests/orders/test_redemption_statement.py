"""The redemption's one statement on PostgreSQL (orders.services.REDEEM_SQL)
writes only when every rule passes, and a refusal rolls nothing back."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from merchants.models import Membership
from offers.models import Offer
from orders import services, throttle
from orders.codes import check_symbol
from orders.models import RedeemFailures, Redemption, Voucher
from payments.models import LedgerEntry

from ..factories import MembershipFactory, StoreFactory, UserFactory, make_voucher

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement"),
]

UNKNOWN = "00000000000" + check_symbol("00000000000")


def _stranger(offer, store, other_store, cashier):
    owner = MembershipFactory(merchant=other_store.merchant, role=Membership.Role.OWNER).user
    return owner, other_store.pk


def _consumer(offer, store, other_store, cashier):
    return UserFactory(), store.pk


def _limited_to_another_store(offer, store, other_store, cashier):
    second = StoreFactory(merchant=offer.merchant)
    offer.stores.add(second)
    membership = MembershipFactory(merchant=offer.merchant, role=Membership.Role.CASHIER)
    membership.stores.set([store])
    return membership.user, second.pk


def _store_outside_the_offer(offer, store, other_store, cashier):
    return cashier, StoreFactory(merchant=offer.merchant).pk


def _store_of_another_merchant(offer, store, other_store, cashier):
    return cashier, other_store.pk


def _staff_of_both_merchants_at_the_others_store(offer, store, other_store, cashier):
    MembershipFactory(merchant=other_store.merchant, user=cashier, role=Membership.Role.CASHIER)
    return cashier, other_store.pk


def _no_such_store(offer, store, other_store, cashier):
    return cashier, 999_999


def _as_is(offer, store, other_store, cashier):
    return cashier, store.pk


def _past_its_date(voucher, consumer, cashier, store):
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def _expired(voucher, consumer, cashier, store):
    Offer.objects.filter(pk=voucher.offer_id).update(refund_on_expiry=False)
    _past_its_date(voucher, consumer, cashier, store)
    assert services.expire_vouchers() == 1


def _refunded(voucher, consumer, cashier, store):
    services.voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")


def _used(voucher, consumer, cashier, store):
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)


CASES = [
    # (who redeems where, what happened to the voucher first, the refusal)
    (_stranger, None, "not_your_merchant"),
    (_consumer, None, "not_your_merchant"),
    (_limited_to_another_store, None, "not_your_store"),
    (_store_outside_the_offer, None, "not_usable_at_store"),
    (_store_of_another_merchant, None, "not_your_merchant"),  # refused before the lookup
    (_staff_of_both_merchants_at_the_others_store, None, "not_usable_at_store"),
    (_no_such_store, None, "store_not_found"),
    (_as_is, _past_its_date, "voucher_expired"),
    (_as_is, "at its very instant", "voucher_expired"),
    (_as_is, _expired, "voucher_expired"),
    (_as_is, _refunded, "voucher_refunded"),
    (_as_is, _used, "already_redeemed"),
    (_as_is, "throttled", "too_many_attempts"),
    (_as_is, "unknown code", "unknown_code"),
]


@pytest.mark.parametrize(("who", "before", "refusal"), CASES)
def test_the_statement_writes_nothing_that_the_rules_refuse(
    consumer, offer, store, other_store, cashier, monkeypatch, who, before, refusal
):
    voucher = make_voucher(consumer, offer)
    user, store_id = who(offer, store, other_store, cashier)
    code = voucher.code
    if before == "throttled":
        window = throttle.Window.current(staff_id=user.pk, store_id=store_id)
        RedeemFailures.objects.create(
            scope=window.scopes[0], window=window.number, count=window.limit
        )
    elif before == "unknown code":
        code = UNKNOWN
    elif before == "at its very instant":
        instant = timezone.now()
        Voucher.objects.filter(pk=voucher.pk).update(expires_at=instant)
        monkeypatch.setattr(timezone, "now", lambda: instant)
    elif before:
        before(voucher, consumer, cashier, store)
    redemptions = Redemption.objects.count()
    earnings = LedgerEntry.objects.filter(source__startswith="redemption:").count()
    window = throttle.Window.current(staff_id=user.pk, store_id=store_id)
    params = {"code": code, "store": store_id, "user": user.pk}

    # The statement alone, without the rules in Python: nothing written.
    row = services.redeem_statement(params, window, timezone.now())
    assert row[services.FACTS_COLUMNS] is None
    assert Redemption.objects.count() == redemptions
    assert LedgerEntry.objects.filter(source__startswith="redemption:").count() == earnings

    # The service says why, and it is what the rules say.
    with pytest.raises(services.DomainError) as err:
        services.voucher_redeem(code=code, store_id=store_id, by=user)
    assert err.value.code == refusal


def test_the_statement_writes_when_every_rule_passes(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    window = throttle.Window.current(staff_id=cashier.pk, store_id=store.pk)
    params = {"code": voucher.code, "store": store.pk, "user": cashier.pk}
    row = services.redeem_statement(params, window, timezone.now())
    assert row[services.FACTS_COLUMNS] == Redemption.objects.get(voucher=voucher).pk


def test_a_refused_redemption_leaves_the_next_one_prepared(consumer, offer, store, cashier):
    """psycopg forgets a connection's prepared statements on every rollback;
    a wrong or used code, by writing nothing, rolls nothing back."""

    def prepared() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["WITH th AS (SELECT%"],
            )
            return cursor.fetchone()[0] == 1

    used = make_voucher(consumer, offer)
    services.voucher_redeem(code=used.code, store_id=store.pk, by=cashier)
    assert prepared()
    for code, refusal in ((UNKNOWN, "unknown_code"), (used.code, "already_redeemed")):
        with pytest.raises(services.RedemptionRefused) as err:
            services.voucher_redeem(code=code, store_id=store.pk, by=cashier)
        assert err.value.code == refusal
        assert prepared()
