"""The demo data: a living city, loaded once, consistent with every invariant."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F, Sum

from accounts.models import User
from merchants.models import Category, Membership, Merchant
from offers.models import Offer
from offers.selectors import visible_offers
from orders.models import Order, Voucher
from reviews.models import Review

pytestmark = pytest.mark.django_db

MODELS = (User, Merchant, Offer, Order, Voucher, Review, Membership, Category)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--no-images", verbosity=0)


def test_the_city_is_full_of_deals(seeded):
    assert Category.objects.count() >= 8
    assert Merchant.objects.filter(status=Merchant.Status.APPROVED).count() >= 20
    assert visible_offers().count() >= 60
    assert visible_offers().filter(stock__isnull=False).exists()  # flash deals
    assert visible_offers().filter(stock__isnull=True).exists()
    assert Offer.objects.filter(status=Offer.Status.PENDING_REVIEW).exists()
    assert Merchant.objects.filter(status=Merchant.Status.PENDING).exists()
    assert Review.objects.count() >= 20


def test_demo_logins_work_with_their_roles(seeded, rf):
    request = rf.get("/")
    for email in ("consumer@example.com", "owner@example.com", "cashier@example.com"):
        assert authenticate(request, username=email, password="demo-pass-2026") is not None
    admin = authenticate(request, username="admin@example.com", password="demo-pass-2026")
    assert admin.is_staff
    assert admin.is_superuser
    owner = Membership.objects.get(user__email="owner@example.com")
    cashier = Membership.objects.get(user__email="cashier@example.com")
    assert owner.role == Membership.Role.OWNER
    assert cashier.role == Membership.Role.CASHIER
    assert cashier.merchant == owner.merchant
    assert visible_offers().filter(merchant=owner.merchant).count() >= 3


def test_the_demo_consumer_has_vouchers_in_several_states(seeded):
    statuses = set(
        Voucher.objects.filter(user__email="consumer@example.com").values_list("status", flat=True)
    )
    assert {Voucher.Status.ISSUED, Voucher.Status.REDEEMED} <= statuses


def test_the_merchants_funnel_starts_with_views(seeded):
    """A dashboard's funnel reads views → orders → ...: browsing comes first."""
    live = Offer.objects.filter(status=Offer.Status.LIVE).annotate(n_orders=Count("orders"))
    assert not live.filter(view_count=0).exists()
    assert not live.filter(view_count__lte=F("n_orders")).exists()


def test_seeding_twice_changes_nothing(seeded):
    before = {model: model.objects.count() for model in MODELS}
    call_command("seed_demo", "--no-images", verbosity=0)
    assert {model: model.objects.count() for model in MODELS} == before


def test_demo_orders_keep_the_invariants(seeded):
    paid = Order.objects.filter(status__in=["paid", "completed"]).annotate(n=Count("vouchers"))
    assert paid.exists()
    assert not paid.exclude(n=F("quantity")).exists()
    for offer in Offer.objects.filter(stock__isnull=False):
        taken = (
            Order.objects.filter(offer=offer)
            .exclude(status="cancelled")
            .aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        assert offer.stock_left + taken == offer.stock
