"""A campaign never issues more than its quantity, nor a customer more than
their limit, however many press at once (invariant 7), on PostgreSQL."""

import pytest

from o2o.errors import DomainError
from orders import services
from orders.models import Coupon

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import CouponCampaignFactory, UserFactory

pytestmark = [pytest.mark.races, pytest.mark.django_db(transaction=True)]


def claim_outcome(user, campaign):
    try:
        services.coupon_claim(user=user, campaign_id=campaign.pk)
    except DomainError as err:
        return err.code
    return "ok"


def test_sixty_claimers_of_twenty_coupons_get_exactly_twenty():
    requires_row_locks()
    campaign = CouponCampaignFactory(quantity=20)
    claimers = [UserFactory() for _ in range(60)]
    results = run_in_threads(60, lambda i: claim_outcome(claimers[i], campaign))
    assert results.count("ok") == 20
    assert results.count("sold_out") == 40
    campaign.refresh_from_db()
    assert campaign.issued_count == 20
    assert Coupon.objects.filter(campaign=campaign).count() == 20


def test_a_limit_of_one_pressed_ten_times_at_once_gives_one():
    requires_row_locks()
    campaign = CouponCampaignFactory(per_user_limit=1)
    shopper = UserFactory()
    results = run_in_threads(10, lambda i: claim_outcome(shopper, campaign))
    assert results.count("ok") == 1
    assert results.count("already_claimed") == 9
    assert Coupon.objects.filter(user=shopper).count() == 1


def test_one_coupon_on_two_orders_at_once_discounts_exactly_one():
    requires_row_locks()
    from ..factories import OfferFactory

    shopper = UserFactory()
    offer = OfferFactory(stock=10)
    coupon = services.coupon_grant(
        user=shopper, campaign_id=CouponCampaignFactory().pk, source="admin"
    )

    def buy(i):
        try:
            services.order_create(user=shopper, offer_id=offer.pk, quantity=1, coupon_id=coupon.pk)
        except DomainError as err:
            return err.code
        return "ok"

    results = run_in_threads(2, buy)
    assert sorted(results) == ["ok", "used"]
    assert offer.orders.count() == 1
    assert offer.orders.get().discount == 20
    offer.refresh_from_db()
    assert offer.stock_left == 9  # the refused order's unit went back with it


def _referral_setup(per_user_limit=5):
    from accounts.services import user_register

    from ..factories import PASSWORD

    CouponCampaignFactory(grant_on_referral=True, claimable=False, per_user_limit=per_user_limit)
    referrer = UserFactory()
    friends = [
        user_register(
            email=f"friend{n}@example.com",
            password=PASSWORD,
            referrer=referrer,
            address=f"10.7.{n}.1",
        )
        for n in range(2)
    ]
    return referrer, friends


def test_two_first_orders_paid_at_once_reward_a_referral_once():
    requires_row_locks()
    from orders.models import ReferralReward

    from ..factories import OfferFactory, make_paid_order

    referrer, (friend, _other) = _referral_setup()
    orders = [make_paid_order(friend, OfferFactory()) for _ in range(2)]
    run_in_threads(2, lambda i: services.referral_reward(order_id=orders[i].pk))
    assert ReferralReward.objects.filter(referred=friend).count() == 1
    assert Coupon.objects.filter(user=friend, source="referral").count() == 1
    assert Coupon.objects.filter(user=referrer, source="referral").count() == 1


def test_two_friends_rewarded_at_once_never_pass_the_referrers_limit():
    requires_row_locks()
    from orders.models import ReferralReward

    from ..factories import OfferFactory, make_paid_order

    referrer, friends = _referral_setup(per_user_limit=1)
    orders = [make_paid_order(friend, OfferFactory()) for friend in friends]
    results = run_in_threads(2, lambda i: services.referral_reward(order_id=orders[i].pk))
    assert not [r for r in results if isinstance(r, Exception)]
    reasons = sorted(ReferralReward.objects.values_list("reason", flat=True))
    assert reasons == ["", "already_claimed"]
    assert Coupon.objects.filter(user=referrer, source="referral").count() == 1
    assert Coupon.objects.filter(source="referral").count() == 2  # one friend's and the referrer's


def test_sixty_claimers_through_the_api_get_twenty_201_and_forty_409_and_no_5xx():
    requires_row_locks()
    from rest_framework.test import APIClient

    campaign = CouponCampaignFactory(quantity=20)
    claimers = [UserFactory() for _ in range(60)]

    def claim(i):
        client = APIClient()
        client.force_authenticate(claimers[i])
        answer = client.post(f"/api/v1/coupon-campaigns/{campaign.pk}/claim/")
        return answer.status_code, answer.json().get("code")

    results = run_in_threads(60, claim)
    assert results.count((201, None)) == 20
    assert results.count((409, "sold_out")) == 40
    campaign.refresh_from_db()
    assert campaign.issued_count == 20


def test_a_reward_decided_while_its_first_order_is_refunded_is_never_kept():
    requires_row_locks()
    from orders.models import ReferralReward

    from ..factories import OfferFactory, make_paid_order

    _referrer, (friend, _other) = _referral_setup()
    order = make_paid_order(friend, OfferFactory())
    voucher = order.vouchers.get()

    def act(i):
        if i == 0:
            return services.referral_reward(order_id=order.pk)
        return services.voucher_refund(voucher_id=voucher.pk, by=friend, reason="customer")

    results = run_in_threads(2, act)
    assert not [r for r in results if isinstance(r, Exception)], results
    decided = ReferralReward.objects.get()
    assert (decided.outcome, decided.reason) in {("refused", "refunded"), ("withdrawn", "")}
    assert not Coupon.objects.filter(source="referral", status="available").exists()
