"""`field__any=[...]` (o2o.lookups) finds what `field__in` finds, on every database."""

from collections import Counter

import pytest
from django.db import connection
from django.db.models import F

from orders.models import Order
from tests.factories import OfferFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds() -> None:
    orders = [make_order(UserFactory(), OfferFactory()) for _ in range(3)]
    ids = [order.pk for order in orders]
    for values in (ids[:2], set(ids[1:]), Counter([ids[0], ids[0], ids[2]]), [ids[0], None]):
        assert set(Order.objects.filter(pk__any=values)) == set(Order.objects.filter(pk__in=values))
    assert not Order.objects.filter(pk__any=[]).exists()
    assert set(Order.objects.filter(offer_id__any=[orders[0].offer_id])) == {orders[0]}
    # A subquery works as with `in`.
    second = Order.objects.filter(pk=ids[1]).values("pk")
    assert Order.objects.filter(pk__any=second).get() == orders[1]
    assert Order.objects.filter(pk__any=ids).update(vouchers_usable=F("vouchers_usable")) == 3


def test_on_postgresql_the_list_is_one_array_parameter() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes `in`")
    sql, params = Order.objects.filter(pk__any=[1, 2, 3]).query.sql_with_params()
    assert '"orders_order"."id" = ANY(%s)' in sql
    assert [1, 2, 3] in params
