"""Rankings are worked out from verified data only: uses of vouchers at the
store and reviews of those visits; a merchant cannot buy its way up."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from merchants.models import Membership
from offers.models import Offer
from offers.services import offer_pause, offer_record_view
from orders.services import redemption_undo
from rankings import selectors
from rankings.models import Ranking, RankingEntry
from rankings.services import rankings_compute
from rankings.tasks import compute_rankings
from reviews.models import Review

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import (
    CategoryFactory,
    DistrictFactory,
    MembershipFactory,
    MerchantFactory,
    OfferFactory,
    StoreFactory,
    UserFactory,
    make_paid_order,
)
from .helpers import cashier_of, customers, reviews, use

pytestmark = pytest.mark.django_db


def ranked(kind, city, **scope):
    return [entry.offer for entry in selectors.ranking(city=city, kind=kind, **scope).results]


def metrics(kind, city, **scope):
    return [
        (entry.rank, entry.offer.title, entry.metric)
        for entry in selectors.ranking(city=city, kind=kind, **scope).results
    ]


def test_most_redeemed_ranks_deals_by_the_customers_who_used_them():
    first, second, third = (OfferFactory(title=t) for t in ("Hotpot", "Spa", "Car wash"))
    customers(first, 3)
    customers(third, 1)
    customers(second, 2)
    bought_not_used = OfferFactory(title="Unused")
    for _ in range(5):
        make_paid_order(UserFactory(), bought_not_used, 1)
    undone = OfferFactory(title="Undone")
    (voucher,) = use(undone)
    redemption_undo(redemption_id=voucher.redemptions.get().pk, by=cashier_of(undone))
    rankings_compute()
    assert metrics("most_redeemed", first.merchant.city) == [
        (1, "Hotpot", 3),
        (2, "Spa", 2),
        (3, "Car wash", 1),
    ]


def test_uses_older_than_30_days_do_not_count():
    recent, old = OfferFactory(title="Recent"), OfferFactory(title="Old")
    customers(recent, 1, days_ago=29)
    customers(old, 3, days_ago=31)
    rankings_compute()
    assert ranked("most_redeemed", recent.merchant.city) == [recent]


def test_a_customer_who_uses_many_vouchers_counts_once():
    # A merchant's friend (or a second account) buys 20 of its deal and has them all redeemed.
    inflated, popular = OfferFactory(title="Inflated"), OfferFactory(title="Popular")
    use(inflated, vouchers=20)
    customers(popular, 2)
    rankings_compute()
    assert metrics("most_redeemed", popular.merchant.city) == [
        (1, "Popular", 2),
        (2, "Inflated", 1),
    ]


def test_the_merchants_own_staff_buying_and_redeeming_counts_for_nothing():
    offer = OfferFactory(title="Own deal")
    owner = MembershipFactory(merchant=offer.merchant, role=Membership.Role.OWNER).user
    use(offer, owner, vouchers=5, ratings=[5] * 5)
    rankings_compute()
    city = offer.merchant.city
    assert ranked("most_redeemed", city) == []
    assert ranked("best_rated", city) == []
    assert ranked("new_rising", city) == []


def test_views_do_not_move_a_ranking():
    used, viewed = OfferFactory(title="Used"), OfferFactory(title="Viewed")
    customers(used, 2)
    customers(viewed, 1)
    rankings_compute()
    before = {kind: metrics(kind, used.merchant.city) for kind in selectors.KINDS}
    Offer.objects.filter(pk=viewed.pk).update(view_count=1_000_000, sold_count=1_000)
    for _ in range(50):
        offer_record_view(offer_id=viewed.pk)
    rankings_compute()
    assert {kind: metrics(kind, used.merchant.city) for kind in selectors.KINDS} == before
    assert before["most_redeemed"][0][1] == "Used"


def test_two_reviews_at_five_stars_rank_below_two_hundred_at_four_point_eight():
    few, many, plain = (OfferFactory(title=t) for t in ("Two perfect", "Many great", "Plain"))
    reviews(few, [5, 5])
    reviews(many, [5] * 160 + [4] * 40)  # 4.8 on average
    reviews(plain, [1] * 10)  # the city's mean rating: (10 + 960 + 10) / 212 ≈ 4.62
    rankings_compute()
    results = selectors.ranking(city=few.merchant.city, kind="best_rated").results
    assert [(e.offer.title, e.metric) for e in results] == [
        ("Many great", 200),
        ("Two perfect", 2),
        ("Plain", 10),
    ]
    # (C·m + Σ) / (C + n), C = 10, m = 980 / 212
    assert str(results[0].score) == "4.7916"
    assert str(results[1].score) == "4.6855"


def test_only_visible_reviews_count():
    shown, hidden = OfferFactory(title="Shown"), OfferFactory(title="Hidden")
    reviews(shown, [4])
    reviews(hidden, [5, 5])
    Review.objects.filter(offer=hidden).update(status=Review.Status.HIDDEN)
    rankings_compute()
    assert ranked("best_rated", shown.merchant.city) == [shown]


def test_new_and_rising_favours_new_deals_gaining_customers():
    growing, flat = OfferFactory(title="Growing"), OfferFactory(title="Flat")
    old = OfferFactory(title="Old favourite", published_at=timezone.now() - timedelta(days=90))
    customers(growing, 3)  # this week
    customers(growing, 1, days_ago=10)  # the week before
    customers(flat, 3)
    customers(flat, 3, days_ago=10)
    customers(old, 9)
    rankings_compute()
    # growing: 3 + (3 - 1) = 5; flat: 3 + 0 = 3; old: not new.
    assert metrics("new_rising", growing.merchant.city) == [(1, "Growing", 3), (2, "Flat", 3)]


def test_a_district_ranking_counts_the_uses_at_its_stores():
    jingan = DistrictFactory(slug="jingan", name="Jing'an")
    xuhui = DistrictFactory(slug="xuhui", name="Xuhui")
    merchant = MerchantFactory()
    in_jingan, in_xuhui = (StoreFactory(merchant=merchant, district=d) for d in (jingan, xuhui))
    both = OfferFactory(merchant=merchant, title="Both", stores=[in_jingan, in_xuhui])
    neighbour = MerchantFactory()
    local = OfferFactory(
        merchant=neighbour, title="Local", stores=[StoreFactory(merchant=neighbour, district=xuhui)]
    )
    customers(both, 2, store_id=in_jingan.pk)
    customers(both, 1, store_id=in_xuhui.pk)
    customers(local, 2)
    rankings_compute()
    city = merchant.city
    assert metrics("most_redeemed", city) == [(1, "Both", 3), (2, "Local", 2)]
    assert metrics("most_redeemed", city, district=jingan) == [(1, "Both", 2)]
    assert metrics("most_redeemed", city, district=xuhui) == [(1, "Local", 2), (2, "Both", 1)]


def test_a_category_ranking_has_only_its_deals():
    spa = CategoryFactory(slug="spa", name="Spa")
    massage = OfferFactory(title="Massage", category=spa, merchant=MerchantFactory(category=spa))
    hotpot = OfferFactory(title="Hotpot")
    customers(massage, 1)
    customers(hotpot, 2)
    rankings_compute()
    city = hotpot.merchant.city
    assert ranked("most_redeemed", city, category=spa) == [massage]
    assert ranked("most_redeemed", city, category=hotpot.category) == [hotpot]
    district = hotpot.stores.get().district
    assert ranked("most_redeemed", city, category=spa, district=district) == [massage]


def test_a_paused_deal_disappears_from_a_computed_ranking():
    first, second = OfferFactory(title="First"), OfferFactory(title="Second")
    customers(first, 2)
    customers(second, 1)
    rankings_compute()
    owner = MembershipFactory(merchant=first.merchant).user
    offer_pause(offer=first, by=owner)
    # Not computed again: the reader leaves it out, and the next moves up.
    assert metrics("most_redeemed", first.merchant.city) == [(1, "Second", 1)]


def test_the_job_run_twice_gives_the_same_rankings():
    a, b = OfferFactory(), OfferFactory()
    customers(a, 2)
    use(b, ratings=[4])
    now = timezone.now()

    def snapshot():
        return list(
            RankingEntry.objects.order_by("ranking_id", "rank").values_list(
                "ranking_id", "rank", "offer", "score", "metric"
            )
        )

    rankings_compute(now=now)
    first, rankings = snapshot(), Ranking.objects.count()
    assert compute_rankings.delay().get() == rankings  # the Celery task, as beat runs it
    assert snapshot() == first
    assert Ranking.objects.count() == rankings


def test_every_scope_of_the_city_is_computed_even_when_empty():
    offer = OfferFactory()
    DistrictFactory(slug="xuhui", name="Xuhui")
    CategoryFactory(slug="spa", name="Spa")
    assert selectors.ranking(city=offer.merchant.city, kind="best_rated").computed_at is None
    rankings_compute()
    # 3 kinds × (all + 2 categories) × (all + 2 districts)
    assert Ranking.objects.filter(computed_at__isnull=False).count() == 3 * 3 * 3
    empty = selectors.ranking(city=offer.merchant.city, kind="best_rated")
    assert empty.computed_at is not None
    assert empty.results == []


def test_the_jobs_are_in_the_beat_schedule():
    from o2o.celery import app

    app.loader.import_default_modules()
    for entry in ("compute-rankings", "notify-saved-offers"):
        task = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
        assert task in app.tasks, task
        assert settings.CELERY_BEAT_SCHEDULE[entry]["options"]["expires"]


@pytest.mark.races
def test_two_runs_at_once_each_leave_a_whole_ranking(transactional_db):
    requires_row_locks()
    a, b = OfferFactory(title="A"), OfferFactory(title="B")
    customers(a, 2)
    customers(b, 1)
    results = run_in_threads(4, lambda i: rankings_compute())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert metrics("most_redeemed", a.merchant.city) == [(1, "A", 2), (2, "B", 1)]
    assert RankingEntry.objects.count() == len(
        set(RankingEntry.objects.values_list("ranking", "rank"))
    )
