"""The offer lifecycle: draft → review → live ⇄ paused → ended."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from merchants.models import Membership, Merchant
from o2o.errors import Conflict, DomainError, PermissionDenied
from offers import services
from offers.models import Offer, OfferEvent
from offers.selectors import offer_for_order, visible_offers

from ..factories import MembershipFactory, OfferFactory, StoreFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db


def offer_fields(**overrides):
    fields = {
        "category": None,
        "title": "Spa day",
        "price": Decimal("99.00"),
        "list_price": Decimal("199.00"),
        "stock": 20,
        "validity_days": 30,
        "uses_per_voucher": 1,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def draft(owner, store):
    return services.offer_create(
        merchant=store.merchant,
        by=owner,
        stores=[store],
        **offer_fields(category=store.merchant.category),
    )


def test_owner_creates_a_draft_that_consumers_cannot_see(draft):
    assert draft.status == Offer.Status.DRAFT
    assert draft.stock_left == 20
    assert not visible_offers().filter(pk=draft.pk).exists()


def test_cashier_cannot_create_or_change_offers(store, cashier, draft):
    with pytest.raises(PermissionDenied) as err:
        services.offer_create(
            merchant=store.merchant,
            by=cashier,
            stores=[store],
            **offer_fields(category=store.merchant.category),
        )
    assert err.value.code == "role_not_allowed"
    with pytest.raises(PermissionDenied):
        services.offer_update(offer=draft, by=cashier, stores=[store], **offer_fields())
    with pytest.raises(PermissionDenied):
        services.offer_submit(offer=draft, by=cashier)


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"price": Decimal("0")}, "invalid_price"),
        ({"price": Decimal("-5")}, "invalid_price"),
        ({"list_price": Decimal("50")}, "invalid_list_price"),
        (
            {
                "sale_starts_at": timezone.now(),
                "sale_ends_at": timezone.now() - timedelta(days=1),
            },
            "invalid_sale_window",
        ),
    ],
)
def test_bad_offer_terms_are_refused(owner, store, override, code):
    with pytest.raises(DomainError) as err:
        services.offer_create(
            merchant=store.merchant,
            by=owner,
            stores=[store],
            **offer_fields(category=store.merchant.category, **override),
        )
    assert err.value.code == code
    assert not Offer.objects.filter(title="Spa day").exists()


def test_stores_of_another_merchant_are_refused(owner, store, other_store):
    with pytest.raises(DomainError) as err:
        services.offer_create(
            merchant=store.merchant,
            by=owner,
            stores=[other_store],
            **offer_fields(category=store.merchant.category),
        )
    assert err.value.code == "not_your_store"


def test_review_approve_pause_resume(draft, owner, admin_user):
    services.offer_submit(offer=draft, by=owner)
    live = services.offer_approve(offer=draft, by=admin_user)
    assert live.status == Offer.Status.LIVE
    assert live.published_at is not None
    assert visible_offers().filter(pk=draft.pk).exists()
    services.offer_pause(offer=draft, by=owner)
    assert not visible_offers().filter(pk=draft.pk).exists()
    services.offer_resume(offer=draft, by=owner)
    assert visible_offers().filter(pk=draft.pk).exists()
    assert list(
        OfferEvent.objects.filter(offer=draft).order_by("pk").values_list("to_status", flat=True)
    ) == ["draft", "pending_review", "live", "paused", "live"]


def test_rejection_needs_a_reason_the_merchant_sees(draft, owner, admin_user):
    services.offer_submit(offer=draft, by=owner)
    with pytest.raises(DomainError):
        services.offer_reject(offer=draft, by=admin_user, reason="  ")
    rejected = services.offer_reject(offer=draft, by=admin_user, reason="Photos are blurry")
    assert rejected.status == Offer.Status.REJECTED
    assert rejected.status_reason == "Photos are blurry"


def test_wrong_transitions_are_refused(draft, owner, admin_user):
    with pytest.raises(Conflict):
        services.offer_approve(offer=draft, by=admin_user)  # not submitted
    with pytest.raises(Conflict):
        services.offer_pause(offer=draft, by=owner)


def test_pending_merchant_cannot_submit_offers(draft, owner):
    Merchant.objects.filter(pk=draft.merchant_id).update(status=Merchant.Status.PENDING)
    draft.merchant.refresh_from_db()
    with pytest.raises(Conflict) as err:
        services.offer_submit(offer=draft, by=owner)
    assert err.value.code == "merchant_not_approved"


def test_editing_a_live_offer_sends_it_back_to_review(owner, store):
    offer = OfferFactory(merchant=store.merchant, stores=[store], stock=10)
    updated = services.offer_update(
        offer=offer, by=owner, stores=[store], **offer_fields(category=offer.category, stock=12)
    )
    assert updated.status == Offer.Status.PENDING_REVIEW
    assert updated.stock_left == 12


def test_stock_cannot_drop_below_units_already_taken(owner, store):
    offer = OfferFactory(merchant=store.merchant, stores=[store], stock=10)
    make_order(UserFactory(), offer, 4)
    with pytest.raises(DomainError) as err:
        services.offer_update(
            offer=offer, by=owner, stores=[store], **offer_fields(category=offer.category, stock=3)
        )
    assert err.value.code == "stock_below_sold"
    updated = services.offer_update(
        offer=offer, by=owner, stores=[store], **offer_fields(category=offer.category, stock=6)
    )
    assert updated.stock_left == 2


def test_manager_of_another_merchant_cannot_touch_my_offer(draft, other_store):
    stranger = MembershipFactory(merchant=other_store.merchant, role=Membership.Role.MANAGER).user
    with pytest.raises(PermissionDenied) as err:
        services.offer_submit(offer=draft, by=stranger)
    assert err.value.code == "not_your_merchant"


def test_offers_end_when_the_window_closes_or_stock_is_gone():
    closed = OfferFactory(sale_ends_at=timezone.now() - timedelta(minutes=1))
    sold = OfferFactory(stock=1)
    reserved = OfferFactory(stock=1)
    running = OfferFactory(stock=5)
    from ..factories import make_paid_order

    make_paid_order(UserFactory(), sold, 1)
    make_order(UserFactory(), reserved, 1)  # unpaid: may still come back

    assert services.end_finished_offers() == 2
    assert services.end_finished_offers() == 0
    status = dict(Offer.objects.values_list("pk", "status"))
    assert status[closed.pk] == Offer.Status.ENDED
    assert status[sold.pk] == Offer.Status.ENDED
    assert status[reserved.pk] == Offer.Status.LIVE
    assert status[running.pk] == Offer.Status.LIVE


def test_view_counter_counts(offer):
    services.offer_record_view(offer_id=offer.pk)
    services.offer_record_view(offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.view_count == 2


def test_second_store_makes_no_difference_to_visibility(store):
    offer = OfferFactory(
        merchant=store.merchant, stores=[store, StoreFactory(merchant=store.merchant)]
    )
    assert visible_offers().filter(pk=offer.pk).count() == 1


@pytest.fixture
def redis_counters(settings, worker_id):
    if not settings.TEST_REDIS_URL:
        pytest.skip("needs Redis (.ci/run sets REDIS_URL)")
    settings.REDIS_URL = settings.TEST_REDIS_URL
    settings.COUNTERS_NAMESPACE = f"test-{worker_id}-{__import__('uuid').uuid4().hex}"
    yield
    from o2o.counters import redis_client

    client = redis_client()
    for key in client.keys(f"{settings.COUNTERS_NAMESPACE}*"):
        client.delete(key)


def test_views_are_counted_in_redis_and_flushed_in_one_go(
    offer, redis_counters, django_assert_num_queries
):
    with django_assert_num_queries(0):
        for _ in range(5):
            services.offer_record_view(offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.view_count == 0  # not written yet
    assert services.flush_view_counters() == 5
    assert services.flush_view_counters() == 0
    offer.refresh_from_db()
    assert offer.view_count == 5


def test_a_refused_status_change_is_explained_in_the_users_language(owner, store):
    from django.utils import translation

    draft = OfferFactory(merchant=store.merchant, stores=[store], status=Offer.Status.DRAFT)
    with pytest.raises(Conflict) as err:
        services.offer_pause(offer=draft, by=owner)
    assert err.value.code == "offer_draft"
    assert str(err.value) == "This offer is draft and cannot become paused."
    with translation.override("zh-hans"), pytest.raises(Conflict) as err:
        services.offer_pause(offer=draft, by=owner)
    message = str(err.value)
    assert "草稿" in message
    assert "draft" not in message


def test_what_an_order_reads_of_an_offer_agrees_with_the_visible_offers(monkeypatch):
    now = timezone.now()
    monkeypatch.setattr("offers.selectors.timezone.now", lambda: now)  # one instant for both
    hour = timedelta(hours=1)
    cases = [
        OfferFactory(),
        OfferFactory(status=Offer.Status.PAUSED),
        OfferFactory(status=Offer.Status.DRAFT),
        OfferFactory(sale_starts_at=now - hour, sale_ends_at=now + hour),
        OfferFactory(sale_starts_at=now + hour),
        OfferFactory(sale_ends_at=now - hour),
        OfferFactory(sale_starts_at=now, sale_ends_at=now + hour),  # starts this instant
        OfferFactory(sale_ends_at=now),  # ended this instant
        OfferFactory(stock=7, limit_per_user=2, price=Decimal("12.50")),
        OfferFactory(),
    ]
    Merchant.objects.filter(pk=cases[-1].merchant_id).update(status=Merchant.Status.SUSPENDED)
    visible = set(visible_offers().values_list("pk", flat=True))
    assert len(visible) == 4
    for case in cases:
        read, on_sale = offer_for_order(case.pk)
        assert on_sale == (case.pk in visible), case
        assert (read.price, read.stock_left, read.limit_per_user, read.merchant_id) == (
            case.price,
            case.stock_left,
            case.limit_per_user,
            case.merchant_id,
        )
    assert offer_for_order(10**9) is None
