"""An offer's stock: taken, given back and counted as sold here only.

Orders (a higher app) call these functions; they never write the offer's
row themselves. Units held by orders are asked of the apps that hold them
through a small registry (`register_holder`): offers cannot import orders.

The sold-out hint: a short-lived mark in the cache that an offer is sold
out, so the late arrivals of a flash crowd are turned away without a
database transaction. The database stays the authority: the hint is only
set right after the conditional stock UPDATE found nothing left, it lives a
few seconds, and it is dropped as soon as stock comes back (a cancelled
order, an edited stock). Without a cache every request goes to the database.
"""

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import F
from django.db.models.sql import UpdateQuery
from django.utils.translation import gettext_lazy as _

from o2o import pagecache, rawsql
from o2o.cache import SoldOutHint
from o2o.errors import Conflict

from .models import Offer

SECONDS = 5
SOLD_OUT = _("Sorry, this deal is sold out.")
_SOLD_OUT = SoldOutHint("soldout", SECONDS)


def known_sold_out(offer_id: int) -> bool:
    return _SOLD_OUT.known(offer_id)


def _remember_sold_out(offer_id: int) -> None:
    _SOLD_OUT.remember(offer_id)


def forget_sold_out(offer_id: int) -> None:
    """Stock came back: drop the hint (if the cache is down, it expires
    within SECONDS anyway)."""
    _SOLD_OUT.forget(offer_id)


def _take_stock_query(*, offer: int, qty: int) -> tuple[str, Sequence[Any]]:
    taking = Offer.objects.filter(pk=offer, status=Offer.Status.LIVE, stock_left__gte=qty)
    query = cast(UpdateQuery, taking.query.chain(UpdateQuery))
    query.add_update_values({"stock_left": F("stock_left") - qty})
    return query.get_compiler(connection.alias).as_sql()


# The flash deal's one contended write: the ORM took four times as long to
# build this UPDATE as PostgreSQL took to run it, so it compiles it once.
TAKE_STOCK = rawsql.Compiled(_take_stock_query, offer="int", qty="int")


def stock_take(*, offer: Offer, qty: int) -> None:
    """Take `qty` units of a live offer with a stock, or refuse (sold_out,
    not_enough_stock). One conditional UPDATE, so however many buyers arrive
    at once the offer never sells more than it has. Call it last in the
    buyer's transaction: the offer's row stays locked until the commit."""
    # The deal page's count is exact; the lists learn of a sell-out at once
    # (as far as this read of the stock can tell) or within their cache time.
    pagecache.offer_stock_changed(
        offer.pk, crossed_zero=offer.stock_left is not None and offer.stock_left <= qty
    )
    taken = rawsql.execute(*TAKE_STOCK.statement(offer=offer.pk, qty=qty))
    if taken:
        return
    left = Offer.objects.values_list("stock_left", flat=True).get(pk=offer.pk) or 0
    if left == 0:
        _remember_sold_out(offer.pk)
        raise Conflict("sold_out", SOLD_OUT)
    raise Conflict(
        "not_enough_stock", _("Only %(n)s left: please lower the quantity.") % {"n": left}
    )


def stock_give_back(*, offer_id: int, qty: int) -> None:
    """Units of an order that was never paid return to the offer's stock."""
    returned = Offer.objects.filter(pk=offer_id, stock_left__isnull=False).update(
        stock_left=F("stock_left") + qty
    )
    if returned:
        forget_sold_out(offer_id)
        left = Offer.objects.values_list("stock_left", flat=True).get(pk=offer_id)
        pagecache.offer_stock_changed(offer_id, crossed_zero=left == qty)


def stock_count_sold(*, offer_id: int, qty: int) -> None:
    """`qty` units were paid for (the lists' "N sold")."""
    Offer.objects.filter(pk=offer_id).update(sold_count=F("sold_count") + qty)
    pagecache.offer_stock_changed(offer_id)


# Who holds units of an offer: functions (offer id, unpaid_only) -> units,
# registered by the apps that hold them (orders, in its AppConfig.ready).
Holder = Callable[[int, bool], int]
_holders: list[Holder] = []


def register_holder(holder: Holder) -> Holder:
    if holder not in _holders:
        _holders.append(holder)
    return holder


def units_held(offer_id: int, *, unpaid_only: bool = False) -> int:
    """Units sold or reserved (or, with `unpaid_only`, reserved and not yet paid)."""
    return sum(holder(offer_id, unpaid_only) for holder in _holders)
