"""The data steps of orders' migrations, run backwards and forwards on real rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders import services
from orders.models import Order

from ..factories import OfferFactory, UserFactory, make_cashier, make_order, make_paid_order

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0004_voucher_order_index_from_constraint")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_usable_vouchers_are_counted_and_orders_left_paid_by_the_old_race_are_completed():
    offer = OfferFactory()
    store = offer.stores.get()
    cashier = make_cashier(offer.merchant)
    half_used = make_paid_order(UserFactory(), offer, 2)
    stuck = make_paid_order(UserFactory(), offer, 2)
    unpaid = make_order(UserFactory(), offer, 1)
    for voucher in [half_used.vouchers.get(number=1), *stuck.vouchers.all()]:
        services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("orders")

    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:  # what the old race left: both used, still paid
            cursor.execute("UPDATE orders_order SET status = 'paid' WHERE id = %s", [stuck.pk])
    finally:
        migrate(latest)  # whatever happened: the other tests need today's tables

    counted = {o.pk: (o.status, o.vouchers_usable) for o in Order.objects.all()}
    assert counted == {
        half_used.pk: ("paid", 1),
        stuck.pk: ("completed", 0),
        unpaid.pk: ("pending_payment", 0),
    }
