"""o2o.rawsql.Compiled: statements the ORM writes once from the rules and
the hot paths run prepared. The rules stay the ORM's: the statement is what
the ORM would run for the same values."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from o2o.rawsql import Compiled
from offers.models import Offer
from offers.selectors import OFFER_FOR_ORDER_STATEMENT, _offer_for_order_query
from offers.stock import TAKE_STOCK, _take_stock_query


@pytest.mark.parametrize("qty", [1, 3, 50])
def test_the_stock_take_is_the_statement_the_orm_writes_for_the_same_values(qty):
    orm_sql, orm_params = _take_stock_query(offer=12, qty=qty)
    sql, params = TAKE_STOCK.statement(offer=12, qty=qty)
    assert (sql, params) == (orm_sql, list(orm_params))
    assert '"stock_left" >= %s' in sql  # the condition that stops overselling is there


def test_the_offer_read_is_the_statement_the_orm_writes_for_the_same_values():
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    orm_sql, orm_params = _offer_for_order_query(offer=7, now=now)
    sql, params = OFFER_FOR_ORDER_STATEMENT.statement(offer=7, now=now)
    assert sql == orm_sql
    assert params == [
        connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p
        for p in orm_params
    ]


def test_a_statement_whose_text_depends_on_its_values_is_refused():
    def build(*, qty):
        # A positive field can never be below 0: the ORM drops the condition
        # for a negative value, so the text would differ with the value.
        bound = qty if qty > 2_147_475_000 else -qty
        return Offer.objects.filter(stock_left__gte=bound).query.sql_with_params()

    with pytest.raises(ValueError, match="changes with the values"):
        Compiled(build, qty="int").statement(qty=1)


def test_a_slot_missing_from_the_statement_is_refused():
    def build(*, offer, now):
        return Offer.objects.filter(pk=offer).query.sql_with_params()

    with pytest.raises(ValueError, match="no parameter"):
        Compiled(build, offer="int", now="time").statement(offer=1, now=datetime.now(UTC))


def test_times_are_swapped_in_wherever_the_rule_reads_them():
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    _sql, params = OFFER_FOR_ORDER_STATEMENT.statement(offer=7, now=now)
    later = now + timedelta(hours=1)
    _sql, params_later = OFFER_FOR_ORDER_STATEMENT.statement(offer=7, now=later)
    adapted = connection.ops.adapt_datetimefield_value
    assert params.count(adapted(now)) == 2  # the sale window's start and end
    assert params_later.count(adapted(later)) == 2
