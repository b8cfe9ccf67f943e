"""Reads of offers for consumers: what is visible, lists, the offer page."""

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import User
from merchants.models import Category, City, Merchant, Store
from merchants.selectors import top_rated_merchants
from o2o import rawsql

from .filters import OfferFilter
from .models import Favourite, Offer, OfferEvent, Reminder


def on_sale(now: datetime) -> Q:
    """The rule of what a consumer may see and buy at `now`: a live offer of
    an approved merchant, inside its sale window. The one copy: the lists,
    the pages, the API and the order's own read (offer_for_order) ask it."""
    return (
        Q(status=Offer.Status.LIVE, merchant__status=Merchant.Status.APPROVED)
        & (Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=now))
        & (Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now))
    )


# How far ahead a deal is shown as coming ("Starts in ..."): far enough for
# a weekend's flash sales to be announced on Monday, near enough that the
# "Coming soon" lists hold deals one can still look forward to.
COMING_WITHIN = timedelta(days=7)


def coming(now: datetime) -> Q:
    """The rule of a deal that is coming at `now`: a live offer of an approved
    merchant whose sale starts after `now`, within COMING_WITHIN (and does
    not end before it starts). Never true together with on_sale: a coming
    deal can be seen, and reminded of, never bought. The one copy: the deal
    page, the API and the lists ask it."""
    return (
        Q(status=Offer.Status.LIVE, merchant__status=Merchant.Status.APPROVED)
        & Q(sale_starts_at__gt=now, sale_starts_at__lte=now + COMING_WITHIN)
        & (Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=F("sale_starts_at")))
    )


def coming_offers(now: datetime | None = None) -> QuerySet[Offer]:
    """Deals that are coming (see `coming`)."""
    return Offer.objects.filter(coming(now or timezone.now()))


def with_sale_state(qs: QuerySet[Offer], now: datetime | None = None) -> QuerySet[Offer]:
    """The offers with `on_sale` and `coming`, from the two rules (None, SQL's
    NULL, counts as false: a comparison with a start the offer does not have)."""
    now = now or timezone.now()
    return qs.annotate(
        on_sale=ExpressionWrapper(on_sale(now), output_field=BooleanField()),
        coming=ExpressionWrapper(coming(now), output_field=BooleanField()),
    )


def visible_offers() -> QuerySet[Offer]:
    """Live offers of approved merchants, inside their sale window."""
    return Offer.objects.filter(on_sale(timezone.now()))


# What an order needs of its offer, and whether it is on sale: every buyer
# of a flash deal reads it, and building the ORM's query took 2 ms of CPU,
# several times the read itself. So the ORM compiles it once, from the same
# rule (on_sale), and it runs as a prepared statement.
OFFER_FOR_ORDER = (
    "id", "merchant_id", "price", "currency", "stock", "stock_left", "limit_per_user", "status"
)  # fmt: skip


def _offer_for_order_query(*, offer: int, now: datetime) -> tuple[str, Sequence[Any]]:
    query = (
        Offer.objects.filter(pk=offer)
        .order_by()
        .annotate(on_sale=ExpressionWrapper(on_sale(now), output_field=BooleanField()))
        .values_list(*OFFER_FOR_ORDER, "on_sale")
        .query
    )
    return query.sql_with_params()


OFFER_FOR_ORDER_STATEMENT = rawsql.Compiled(_offer_for_order_query, offer="id", now="time")


@functools.cache
def _offer_for_order_fields() -> tuple[Field | None, ...]:
    return (
        *(cast(Field, Offer._meta.get_field(name)) for name in OFFER_FOR_ORDER),
        None,  # on_sale: read with bool()
    )


def offer_for_order(offer_id: int, *, now: datetime | None = None) -> tuple[Offer, bool] | None:
    """The offer as an order needs it (id, merchant, price, stock, limit; the
    rest deferred) and whether it is on sale now; None if there is none."""
    sql, params = OFFER_FOR_ORDER_STATEMENT.statement(offer=offer_id, now=now or timezone.now())
    row = rawsql.fetch_one(sql, params, _offer_for_order_fields())
    if row is None:
        return None
    offer = rawsql.instance(Offer, dict(zip(OFFER_FOR_ORDER, row[:-1], strict=True)))
    return offer, bool(row[-1])


def offers_for_cards(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    """What an offer card shows, fetched in a fixed number of queries."""
    return qs.select_related("merchant", "category").prefetch_related(
        Prefetch("stores", queryset=Store.objects.select_related("district").order_by("pk"))
    )


# The long texts only the deal page shows.
NOT_ON_CARDS = ("summary", "description", "includes", "fine_print", "status_reason")


def offers_for_pages(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    """Offers as the pages' lists need them: the deal's own row without its
    long texts. The cards fetch what they show of other rows, only for the
    cards not already rendered (offers.cards)."""
    return qs.defer(*NOT_ON_CARDS)


def offer_list(*, params: Any, city: City | None = None) -> OfferFilter:
    qs = visible_offers()
    if city is not None:
        qs = qs.filter(merchant__city=city)
    qs = offers_for_pages(qs).order_by("-sold_count", "-pk")
    return OfferFilter(params, queryset=qs, city=city)


def home(*, city: City | None) -> dict[str, Any]:
    qs = visible_offers()
    if city is not None:
        qs = qs.filter(merchant__city=city)
    cards = offers_for_pages(qs)
    return {
        "categories": list(Category.objects.all()),
        "hot_offers": list(cards.order_by("-sold_count", "-pk")[:8]),
        "new_offers": list(cards.order_by("-published_at", "-pk")[:8]),
        "coming_offers": list(coming_for_city(city=city)[:COMING_ON_HOME]),
        "top_merchants": list(top_rated_merchants(city=city)),
    }


COMING_ON_HOME = 4


def coming_for_city(*, city: City | None, now: datetime | None = None) -> QuerySet[Offer]:
    """Coming deals (of the city, when given) as the lists show them, the
    soonest first."""
    qs = coming_offers(now)
    if city is not None:
        qs = qs.filter(merchant__city=city)
    return offers_for_pages(qs).order_by("sale_starts_at", "pk")


def offer_detail(*, offer_id: int, user: User | None = None) -> Offer:
    """The offer page. Staff of the merchant and admins may preview offers
    that are not live; everyone else gets DoesNotExist."""
    qs = Offer.objects.select_related("merchant", "category", "merchant__city").prefetch_related(
        Prefetch("stores", queryset=Store.objects.select_related("district").order_by("pk")),
        "images",
    )
    # Whether it can be bought, or is coming, now: the two rules, read in the same query.
    offer = with_sale_state(qs).get(pk=offer_id)
    if offer.is_live and offer.merchant.is_approved:
        return offer
    if (
        user is not None
        and user.is_authenticated
        and (user.is_staff or offer.merchant.memberships.filter(user_id=user.pk).exists())
    ):
        return offer
    if offer.status == Offer.Status.ENDED and offer.merchant.is_approved:
        return offer  # shareable links keep working and say the deal has ended
    raise Offer.DoesNotExist


def merchant_offers(*, merchant: Merchant) -> QuerySet[Offer]:
    return offers_for_pages(visible_offers().filter(merchant=merchant)).order_by("-sold_count")


def offers_for_merchant_dashboard(*, merchant: Merchant) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(merchant=merchant).select_related("category").order_by("-updated_at")
    )


# --- favourites ---------------------------------------------------------------


def favourites_for_user(user: User) -> QuerySet[Favourite]:
    """The user's saved deals and merchants, newest first, with what their
    cards show (two queries), and whether each deal is on sale now (`on_sale`)
    or coming (`coming`)."""
    return (
        Favourite.objects.filter(user_id=user.pk)
        .select_related(
            "offer__merchant", "offer__category", "merchant__category", "merchant__city"
        )
        .prefetch_related(
            Prefetch(
                "offer__stores", queryset=Store.objects.select_related("district").order_by("pk")
            )
        )
        .annotate(
            on_sale=Exists(visible_offers().filter(pk=OuterRef("offer_id"))),
            coming=Exists(coming_offers().filter(pk=OuterRef("offer_id"))),
        )
        .order_by("-created_at", "-pk")
    )


def is_saved(user: User, *, offer_id: int | None = None, merchant_id: int | None = None) -> bool:
    """Whether the user saved this deal (or merchant): its page's button says "Saved"."""
    if not user.is_authenticated:
        return False
    target = {"offer_id": offer_id} if offer_id is not None else {"merchant_id": merchant_id}
    return Favourite.objects.filter(user_id=user.pk, **target).exists()


def offer_savers(offer_id: int) -> QuerySet[Favourite]:
    """Who saved the deal (their favourites, with the user), oldest first."""
    return Favourite.objects.filter(offer_id=offer_id).select_related("user").order_by("pk")


def buyable_offers() -> QuerySet[Offer]:
    """Deals that can be bought now: on sale and not sold out. "Buy again" on
    past orders asks it."""
    return visible_offers().filter(Q(stock_left__isnull=True) | Q(stock_left__gt=0))


def buyable(offer: OuterRef) -> Exists:
    """Whether the deal (an OuterRef to its id) can be bought now (buyable_offers)."""
    return Exists(buyable_offers().filter(pk=offer))


def _saved() -> Exists:
    return Exists(Favourite.objects.filter(offer_id=OuterRef("pk")))


# "About to end": the sale closes within a day, or the stock is nearly gone
# (at most LOW_STOCK units left, or at most a tenth of the stock).
ENDING_WITHIN = timedelta(hours=24)
LOW_STOCK = 5


def nearly_gone() -> Q:
    return Q(stock_left__gt=0) & (Q(stock_left__lte=LOW_STOCK) | Q(stock__gte=F("stock_left") * 10))


def saved_offers_ending(*, now: datetime) -> QuerySet[Offer]:
    """Saved deals on sale at `now` that are about to end (see ENDING_WITHIN, LOW_STOCK)."""
    return (
        Offer.objects.filter(on_sale(now))
        .filter(_saved())
        .filter(Q(sale_ends_at__lte=now + ENDING_WITHIN) | nearly_gone())
        .order_by("pk")
    )


def saved_offers_gone_on_sale(
    *, since: datetime, now: datetime, offer_id: int | None = None
) -> list[tuple[Offer, datetime]]:
    """Saved deals on sale at `now` that went on sale after `since`, with the
    moment they did: the later of their last move to live (an admin's
    approval, a merchant's resume) and their sale's start, of those in
    (since, now]."""
    went_live = (
        OfferEvent.objects.filter(
            offer_id=OuterRef("pk"),
            to_status=Offer.Status.LIVE,
            created_at__gt=since,
            created_at__lte=now,
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    started = Q(sale_starts_at__gt=since, sale_starts_at__lte=now)
    offers = (
        Offer.objects.filter(on_sale(now))
        .filter(_saved())
        .annotate(went_live_at=Subquery(went_live))
        .filter(Q(went_live_at__isnull=False) | started)
        .order_by("pk")
    )
    if offer_id is not None:
        offers = offers.filter(pk=offer_id)
    result: list[tuple[Offer, datetime]] = []
    for offer in offers:
        moments = [
            moment
            for moment in (offer.went_live_at, offer.sale_starts_at)  # type: ignore[attr-defined]
            if moment is not None and since < moment <= now
        ]
        result.append((offer, max(moments)))
    return result


# --- reminders of coming deals ------------------------------------------------

# How long after a deal went on sale its reminders are still sent (the
# periodic job missed, or the deal was paused at its start and resumed): later
# than that, "it is on sale now" would be news nobody asked for any more.
REMIND_LOOKBACK = timedelta(days=1)


def is_reminded(user: User, *, offer_id: int) -> bool:
    """Whether the user asked to be reminded of the deal: its page says so."""
    if not user.is_authenticated:
        return False
    return Reminder.objects.filter(user_id=user.pk, offer_id=offer_id).exists()


def reminders_due(*, now: datetime) -> QuerySet[Reminder]:
    """Reminders not sent yet whose deal is on sale at `now` (on_sale: never
    one of a paused deal or a suspended merchant) and went on sale within
    REMIND_LOOKBACK, with their user and deal, in pk order."""
    opened = Offer.objects.filter(on_sale(now)).filter(
        Q(sale_starts_at__isnull=True) | Q(sale_starts_at__gt=now - REMIND_LOOKBACK)
    )
    return (
        Reminder.objects.filter(sent_at__isnull=True, offer_id__in=opened.values("pk"))
        .select_related("user", "offer")
        .order_by("pk")
    )
