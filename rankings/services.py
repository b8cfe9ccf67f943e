"""Computing the rankings (榜单), from verified data only.

What counts is what a merchant cannot make up on its own: uses of vouchers
(redemptions not undone) at the merchant's stores, and visible reviews of
vouchers that were used. Views, orders and sales counters count for
nothing: a merchant can inflate those by itself, for free (a bought voucher
can be refunded before use).

The kinds, each over the deals on sale in the city when computed (readers
filter again with offers.selectors.visible_offers, so a deal paused since
leaves at once):

- most_redeemed, "most redeemed, last 30 days": the number of distinct
  customers with a use of a voucher of the deal in the last 30 days (rolling,
  not the calendar month, so the list is not empty on the 1st). For a
  district, the uses at stores in the district.
- best_rated: the Bayesian average (C·m + Σ ratings) / (C + n) of the deal's
  n counted reviews, m the mean of every counted review in the city and C =
  PRIOR_WEIGHT, so a few perfect reviews weigh less than many very good
  ones. For a district, the deals usable at a store in the district.
- new_rising, "new and rising": deals first published in the last 30 days,
  scored by recent + max(0, recent - previous), where recent is the distinct
  customers with a use in the last 7 days and previous those of the 7 days
  before: a deal gaining customers week on week climbs faster than one as
  busy but flat. At least one customer this week to appear.

Against a merchant inflating its own deals: customers are counted once per
deal, however many vouchers they used (one account buying and redeeming 50
of its own vouchers is one customer); and uses and reviews by the merchant's
own staff (any membership: owner, manager, cashier) do not count at all. A
merchant buying with many fake accounts still pays the platform's commission
on every use; nothing here can tell those apart from customers.

Every ranking of a city is replaced in one transaction (its rows locked
first, so two runs queue), so a reader sees the whole of the old ranking or
the whole of the new one. Running it twice on the same data writes the same
entries.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from merchants.models import Category, City, Membership
from o2o.bulk import insert_rows
from offers.models import Offer
from offers.selectors import visible_offers
from orders.models import Redemption, Voucher
from orders.rules import used
from reviews.models import Review

from .models import Ranking, RankingEntry

REDEEMED_WINDOW = timedelta(days=30)
RISING_WINDOW = timedelta(days=7)
NEW_FOR = timedelta(days=30)
PRIOR_WEIGHT = 10  # C: the Bayesian average counts this many reviews at the city's mean
SIZE = 30  # entries kept per ranking
SCORE_PLACES = Decimal("0.0001")

Scope = tuple[int | None, int | None]  # (category id, district id); None: all


@dataclass(frozen=True)
class Scored:
    offer_id: int
    score: Decimal
    metric: int
    order: tuple[object, ...]  # sorts best first; ends with the offer's id, so ties are stable


def _own_staff(*, user: str, merchant: str) -> Exists:
    """Whether the row's user (an OuterRef path) is on the staff of the row's merchant."""
    return Exists(Membership.objects.filter(user_id=OuterRef(user), merchant_id=OuterRef(merchant)))


def counted_uses(*, city: City, since: datetime, now: datetime) -> QuerySet[Redemption]:
    """Uses that count: not undone, at a store in the city, by a customer who
    is not on the staff of the deal's merchant."""
    return Redemption.objects.filter(
        undone_at__isnull=True,
        created_at__gt=since,
        created_at__lte=now,
        store__district__city=city,
    ).filter(~_own_staff(user="voucher__user_id", merchant="voucher__offer__merchant_id"))


def counted_reviews(*, city: City) -> QuerySet[Review]:
    """Reviews that count: visible, of a voucher that was used (orders.rules.used),
    of a deal of the city's merchants, not by the merchant's own staff."""
    voucher_used = Exists(Voucher.objects.filter(pk=OuterRef("voucher_id")).filter(used()))
    return (
        Review.objects.filter(status=Review.Status.VISIBLE, offer__merchant__city=city)
        .filter(voucher_used)
        .filter(~_own_staff(user="user_id", merchant="merchant_id"))
    )


def _customer_counts(uses: QuerySet[Redemption], now: datetime, *group: str) -> QuerySet:  # type: ignore[type-arg]
    """Distinct customers per `group`: in the whole window, this week, the week before."""
    week, fortnight = now - RISING_WINDOW, now - 2 * RISING_WINDOW
    customer = "voucher__user_id"
    return (
        uses.values(*group)
        .annotate(
            customers=Count(customer, distinct=True),
            uses=Count("pk"),
            recent=Count(customer, distinct=True, filter=Q(created_at__gt=week)),
            previous=Count(
                customer, distinct=True, filter=Q(created_at__gt=fortnight, created_at__lte=week)
            ),
        )
        .order_by()
    )


def _scopes(category: int, districts: Iterable[int | None]) -> Iterator[Scope]:
    """Every ranking a deal's numbers (for these districts) count in."""
    for district in districts:
        yield (None, district)
        yield (category, district)


def _bayesian(total: int, count: int, mean: Decimal) -> Decimal:
    return (PRIOR_WEIGHT * mean + total) / (PRIOR_WEIGHT + count)


def _city_scores(city: City, now: datetime) -> dict[str, dict[Scope, list[Scored]]]:
    """Each kind's scored deals per scope (unsorted), for the deals on sale now."""
    offers = {
        row["pk"]: row
        for row in visible_offers()
        .filter(merchant__city=city)
        .values("pk", "category_id", "published_at")
        .order_by()
    }
    new_since = now - NEW_FOR
    scores: dict[str, dict[Scope, list[Scored]]] = {
        kind: defaultdict(list) for kind in Ranking.Kind.values
    }
    uses = counted_uses(city=city, since=now - REDEEMED_WINDOW, now=now)
    by_offer = ((row, None) for row in _customer_counts(uses, now, "voucher__offer_id"))
    by_district = (
        (row, row["store__district_id"])
        for row in _customer_counts(uses, now, "voucher__offer_id", "store__district_id")
    )
    for rows in (by_offer, by_district):
        for row, district in rows:
            offer = offers.get(row["voucher__offer_id"])
            if offer is None:
                continue
            pk = offer["pk"]
            redeemed = Scored(
                pk,
                Decimal(row["customers"]),
                row["customers"],
                (-row["customers"], -row["uses"], pk),
            )
            rising = None
            published = offer["published_at"]
            if row["recent"] and published is not None and published >= new_since:
                recent, previous = row["recent"], row["previous"]
                score = recent + max(0, recent - previous)
                rising = Scored(pk, Decimal(score), recent, (-score, -recent, pk))
            for scope in _scopes(offer["category_id"], [district]):
                scores[Ranking.Kind.MOST_REDEEMED][scope].append(redeemed)
                if rising is not None:
                    scores[Ranking.Kind.NEW_RISING][scope].append(rising)

    reviews = list(
        counted_reviews(city=city)
        .values("offer_id")
        .annotate(count=Count("pk"), total=Sum("rating"))
        .order_by()
    )
    count = sum(row["count"] for row in reviews)
    if count:
        mean = Decimal(sum(row["total"] for row in reviews)) / count
        districts: dict[int, set[int]] = defaultdict(set)
        usable_at = Offer.stores.through.objects.filter(
            offer__in=visible_offers().filter(merchant__city=city), store__district__city=city
        ).values_list("offer_id", "store__district_id")
        for offer_id, district_id in usable_at:
            districts[offer_id].add(district_id)
        for row in reviews:
            offer = offers.get(row["offer_id"])
            if offer is None:
                continue
            pk = offer["pk"]
            score = _bayesian(row["total"], row["count"], mean)
            rated = Scored(pk, score, row["count"], (-score, -row["count"], pk))
            for scope in _scopes(offer["category_id"], [None, *sorted(districts[pk])]):
                scores[Ranking.Kind.BEST_RATED][scope].append(rated)
    return scores


def _all_scopes(city: City) -> list[Scope]:
    categories = [None, *Category.objects.order_by("pk").values_list("pk", flat=True)]
    districts = [None, *city.districts.order_by("pk").values_list("pk", flat=True)]
    return [(category, district) for category in categories for district in districts]


def _locked_rankings(city: City) -> dict[tuple[str, int | None, int | None], int]:
    return {
        (kind, category, district): pk
        for pk, kind, category, district in Ranking.objects.select_for_update()
        .filter(city=city)
        .order_by("pk")
        .values_list("pk", "kind", "category_id", "district_id")
    }


def ranking_compute_city(*, city: City, now: datetime | None = None) -> int:
    """Replace every ranking of the city (each kind, for the whole city,
    each category, each district and each category in each district).
    Returns how many rankings were written."""
    now = now or timezone.now()
    # Read before the transaction: SQLite's write lock is held from its start.
    scores = _city_scores(city, now)
    scopes = _all_scopes(city)
    with transaction.atomic():
        rankings = _locked_rankings(city)
        missing = [
            Ranking(city=city, kind=kind, category_id=category, district_id=district)
            for kind in Ranking.Kind.values
            for category, district in scopes
            if (kind, category, district) not in rankings
        ]
        if missing:
            # Another run may create them meanwhile: the unique constraints decide.
            Ranking.objects.bulk_create(missing, ignore_conflicts=True)
            rankings = _locked_rankings(city)
        RankingEntry.objects.filter(ranking__city=city).delete()
        rows: list[tuple[int, int, int, Decimal, int]] = []
        for kind in Ranking.Kind.values:
            for scope in scopes:
                best = sorted(scores[kind].get(scope, ()), key=lambda s: s.order)[:SIZE]
                ranking_id = rankings[(kind, *scope)]
                rows.extend(
                    (ranking_id, rank, s.offer_id, s.score.quantize(SCORE_PLACES), s.metric)
                    for rank, s in enumerate(best, start=1)
                )
        insert_rows(RankingEntry, ("ranking_id", "rank", "offer_id", "score", "metric"), rows)
        Ranking.objects.filter(city=city).update(computed_at=now)
    return len(scopes) * len(Ranking.Kind.values)


def rankings_compute(*, now: datetime | None = None) -> int:
    """Every city's rankings (rankings.tasks.compute_rankings, in the beat
    schedule). Idempotent: a second run on the same data writes the same
    entries. Each city in its own transaction."""
    now = now or timezone.now()
    return sum(ranking_compute_city(city=city, now=now) for city in City.objects.order_by("pk"))
