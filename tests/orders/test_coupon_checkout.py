"""Spending a coupon: the order records subtotal, discount and total; who
pays the discount is booked; refunds give back what was paid and, for a
whole order in time, the coupon."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders import services
from orders.models import Coupon, CouponCampaign
from orders.selectors import coupons_usable_on
from payments import ledger

from ..factories import (
    CouponCampaignFactory,
    MerchantFactory,
    OfferFactory,
    UserFactory,
    make_cashier,
    pay,
)

pytestmark = pytest.mark.django_db


def coupon_for(user, **campaign):
    made = CouponCampaignFactory(**campaign)
    return services.coupon_grant(user=user, campaign_id=made.pk, source="admin")


def order(user, offer, quantity=1, **kwargs):
    return services.order_create(user=user, offer_id=offer.pk, quantity=quantity, **kwargs)


def test_an_order_with_a_coupon_records_subtotal_discount_and_total_on_the_api():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("99.00"))
    coupon = coupon_for(shopper, value=Decimal("20"), min_spend=Decimal("150"))
    client = APIClient()
    client.force_authenticate(shopper)
    answer = client.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 2, "coupon": coupon.pk})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["subtotal"], body["discount"], body["total"]) == ("198.00", "20.00", "178.00")
    assert body["discount_by"] == "platform"
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED
    assert coupon.order_id == body["id"]
    again = client.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 2, "coupon": coupon.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "used"


@pytest.mark.parametrize(
    ("campaign", "quantity", "code"),
    [
        ({"min_spend": Decimal("300")}, 1, "min_spend_not_met"),
        ({"scope": "merchant"}, 1, "out_of_scope"),
    ],
)
def test_a_coupon_that_does_not_apply_is_refused_saying_why(campaign, quantity, code):
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("99.00"))
    if campaign.get("scope") == "merchant":
        campaign["scope_merchant"] = MerchantFactory()
    coupon = coupon_for(shopper, **campaign)
    client = APIClient()
    client.force_authenticate(shopper)
    answer = client.post(
        "/api/v1/orders/", {"offer": offer.pk, "quantity": quantity, "coupon": coupon.pk}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == code
    offer.refresh_from_db()
    assert not offer.orders.exists()


def test_an_expired_coupon_or_someone_elses_is_refused():
    shopper = UserFactory()
    offer = OfferFactory()
    late = coupon_for(shopper)
    Coupon.objects.filter(pk=late.pk).update(valid_until=timezone.now())
    theirs = coupon_for(UserFactory())
    client = APIClient()
    client.force_authenticate(shopper)
    expired = client.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "coupon": late.pk})
    assert (expired.status_code, expired.json()["code"]) == (409, "expired")
    other = client.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "coupon": theirs.pk})
    assert (other.status_code, other.json()["code"]) == (404, "coupon_not_found")


def test_a_promo_code_typed_at_checkout_gives_and_spends_a_coupon():
    CouponCampaignFactory(claimable=False, promo_code="HOTPOT20", value=Decimal("20"))
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("99.00"))
    client = APIClient()
    client.force_authenticate(shopper)
    answer = client.post(
        "/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "promo_code": " hotpot20 "}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["total"] == "79.00"
    assert Coupon.objects.get(user=shopper).source == "code"
    twice = client.post(
        "/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "promo_code": "HOTPOT20"}
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "already_claimed")
    for bad in ("NOPE", "", "x" * 500, 12345, ["HOTPOT20"]):
        refused = client.post(
            "/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "promo_code": bad}, format="json"
        )
        assert refused.status_code in (400, 404), bad
    both = client.post(
        "/api/v1/orders/",
        {"offer": offer.pk, "quantity": 1, "promo_code": "HOTPOT20", "coupon": 1},
    )
    assert (both.status_code, both.json()["code"]) == (400, "coupon_or_promo_code")


def test_the_discount_is_spread_over_the_vouchers_to_the_cent_the_remainder_on_the_last():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("50.00"))
    coupon = coupon_for(shopper, value=Decimal("10"))
    paid = pay(order(shopper, offer, quantity=3, coupon_id=coupon.pk))
    values = list(paid.vouchers.order_by("number").values_list("value", "subsidy"))
    assert values == [
        (Decimal("46.67"), Decimal("3.33")),
        (Decimal("46.67"), Decimal("3.33")),
        (Decimal("46.66"), Decimal("3.34")),
    ]
    assert sum(v for v, _s in values) == paid.total == Decimal("140.00")


def redeem(voucher):
    cashier = make_cashier(voucher.offer.merchant)
    store = voucher.offer.stores.get()
    services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)


def test_a_platform_coupon_is_the_platforms_cost_the_merchant_earns_the_full_price():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("100.00"), commission_rate=Decimal("0.10"))
    coupon = coupon_for(shopper, value=Decimal("30"))
    paid = pay(order(shopper, offer, coupon_id=coupon.pk))
    redeem(paid.vouchers.get())
    money = ledger.order_breakdown(paid)
    assert money["captured"] == Decimal("70.00")
    assert money["platform_coupons"] == Decimal("30.00")
    assert money["merchant_net"] == Decimal("90.00")  # 100 less 10 % commission
    assert money["commission"] == Decimal("10.00")


def test_a_merchants_coupon_lowers_what_the_merchant_earns():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("100.00"), commission_rate=Decimal("0.10"))
    coupon = coupon_for(shopper, value=Decimal("30"), merchant=offer.merchant)
    paid = pay(order(shopper, offer, coupon_id=coupon.pk))
    assert paid.discount_by == "merchant"
    redeem(paid.vouchers.get())
    money = ledger.order_breakdown(paid)
    assert money["captured"] == Decimal("70.00")
    assert money["platform_coupons"] == Decimal("0")
    assert money["merchant_net"] == Decimal("63.00")
    assert money["commission"] == Decimal("7.00")


def refund(voucher):
    return services.voucher_refund(
        voucher_id=voucher.pk, by=voucher.user, reason=services.RefundReason.CUSTOMER
    )


def test_a_partial_refund_gives_back_what_was_paid_for_that_voucher_and_keeps_the_coupon_spent():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("50.00"))
    coupon = coupon_for(shopper, value=Decimal("10"))
    paid = pay(order(shopper, offer, quantity=3, coupon_id=coupon.pk))
    last = paid.vouchers.get(number=3)
    refund(last)
    assert ledger.order_breakdown(paid)["refunded"] == Decimal("46.66")
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_a_whole_order_refunded_in_time_gives_the_coupon_back_once():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("50.00"))
    coupon = coupon_for(shopper, value=Decimal("10"))
    paid = pay(order(shopper, offer, quantity=2, coupon_id=coupon.pk))
    first, second = paid.vouchers.order_by("number")
    refund(first)
    refund(second)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert coupon.order is None
    assert ledger.order_breakdown(paid)["refunded"] == Decimal("90.00")
    assert not services.coupon_give_back(order=paid)  # once
    # ... and it discounts another order.
    again = order(shopper, offer, coupon_id=coupon.pk)
    assert again.discount == Decimal("10.00")


def test_a_refund_after_the_coupon_ran_out_keeps_it_spent():
    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("50.00"))
    coupon = coupon_for(shopper, value=Decimal("10"))
    paid = pay(order(shopper, offer, coupon_id=coupon.pk))
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    refund(paid.vouchers.get())
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_a_cancelled_unpaid_order_gives_its_coupon_back():
    shopper = UserFactory()
    offer = OfferFactory()
    coupon = coupon_for(shopper)
    unpaid = order(shopper, offer, coupon_id=coupon.pk)
    services.order_cancel(order_id=unpaid.pk, by=shopper)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order) == (Coupon.Status.AVAILABLE, None)


def test_an_expired_voucher_bought_with_a_platform_coupon_earns_the_merchant_the_full_price():
    shopper = UserFactory()
    offer = OfferFactory(
        price=Decimal("100.00"), commission_rate=Decimal("0"), refund_on_expiry=False
    )
    coupon = coupon_for(shopper, value=Decimal("25"))
    paid = pay(order(shopper, offer, coupon_id=coupon.pk))
    voucher = paid.vouchers.get()
    voucher.expires_at = timezone.now() - timedelta(seconds=1)
    voucher.save(update_fields=["expires_at"])
    services.expire_vouchers()
    money = ledger.order_breakdown(paid)
    assert money["merchant_net"] == Decimal("100.00")
    assert money["platform_coupons"] == Decimal("25.00")
    assert money["unused"] == Decimal("0")


def test_campaigns_know_who_pays():
    assert services.coupons.discount_by(CouponCampaign(merchant=None)) == "platform"


# --- checkout in the browser ----------------------------------------------------------


def test_checkout_preselects_the_best_coupon_and_shows_the_saving(client):
    from django.urls import reverse

    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("198.00"))
    small = coupon_for(shopper, title="¥10 off", value=Decimal("10"))
    big = coupon_for(shopper, title="¥30 off", value=Decimal("30"))
    coupon_for(shopper, title="¥80 off big orders", value=Decimal("80"), min_spend=Decimal("500"))
    coupon_for(
        shopper, title="Other shop", scope="merchant", scope_merchant=MerchantFactory()
    )  # not for this deal: not offered
    client.force_login(shopper)
    page = client.get(reverse("orders:checkout", args=[offer.pk])).content.decode()
    assert "¥30 off: ¥30 off" in page
    assert "Other shop" not in page
    assert f'value="{big.pk}" id="id_coupon_2" checked' in page or (
        f'value="{big.pk}"' in page.split("checked")[0].rsplit("<input", 1)[-1]
    )
    assert "−¥30" in page
    assert "¥168" in page  # the total with it
    response = client.post(
        reverse("orders:checkout", args=[offer.pk]), {"quantity": 1, "coupon": small.pk}
    )
    assert response.status_code == 302
    made = offer.orders.get()
    assert (made.subtotal, made.discount, made.total) == (
        Decimal("198.00"),
        Decimal("10.00"),
        Decimal("188.00"),
    )


def test_checkout_says_why_a_coupon_cannot_be_used_and_keeps_the_order_unmade(client):
    from django.urls import reverse

    shopper = UserFactory()
    offer = OfferFactory(price=Decimal("198.00"))
    big_orders = coupon_for(shopper, value=Decimal("80"), min_spend=Decimal("500"))
    client.force_login(shopper)
    response = client.post(
        reverse("orders:checkout", args=[offer.pk]), {"quantity": 1, "coupon": big_orders.pk}
    )
    assert response.status_code == 400
    assert "needs a spend of at least" in response.content.decode()
    assert not offer.orders.exists()
    wrong_code = client.post(
        reverse("orders:checkout", args=[offer.pk]), {"quantity": 1, "promo_code": "NOPE"}
    )
    assert wrong_code.status_code == 400
    assert "This promo code does not exist." in wrong_code.content.decode()


def test_the_statement_shows_what_platform_coupons_added_to_the_merchants_earnings(owner):
    from payments.settlement import statements_close

    shopper = UserFactory()
    offer = OfferFactory(
        merchant=owner.memberships.get().merchant,
        price=Decimal("100.00"),
        commission_rate=Decimal("0.10"),
    )
    coupon = coupon_for(shopper, value=Decimal("30"))
    paid = pay(order(shopper, offer, coupon_id=coupon.pk))
    redeem(paid.vouchers.get())
    today = timezone.localdate()
    (statement,) = statements_close(period_start=today, period_end=today)
    assert statement.gross == Decimal("70.00")  # what the customer paid
    assert statement.platform_coupons == Decimal("30.00")
    assert statement.commission == Decimal("10.00")
    assert statement.net == statement.gross + statement.platform_coupons - statement.commission


def test_a_coupon_of_fixed_dates_is_usable_only_between_them():
    """Validity by fixed dates: claimed now, usable from the first day (a
    weekend's coupon), until the last; listed as coming until then."""
    now = timezone.now()
    campaign = CouponCampaignFactory(
        title="Weekend",
        valid_days=None,
        valid_from=now + timedelta(days=2),
        valid_until=now + timedelta(days=4),
    )
    shopper = UserFactory()
    offer = OfferFactory()
    client = APIClient()
    client.force_authenticate(shopper)
    claimed = client.post(f"/api/v1/coupon-campaigns/{campaign.pk}/claim/").json()
    assert claimed["status"] == "upcoming"
    assert claimed["valid_from"] is not None
    early = client.post(
        "/api/v1/orders/", {"offer": offer.pk, "quantity": 1, "coupon": claimed["id"]}
    )
    assert (early.status_code, early.json()["code"]) == (409, "not_yet_valid")
    assert not offer.orders.exists()
    coupon = Coupon.objects.get()
    assert not coupons_usable_on(shopper, offer, now=now).exists()  # not preselected at checkout
    assert coupons_usable_on(shopper, offer, now=now + timedelta(days=3)).get() == coupon
    assert not coupons_usable_on(shopper, offer, now=now + timedelta(days=4)).exists()
    # The first day comes (order_create reads the clock: the window moves instead).
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=now - timedelta(minutes=1))
    order = services.order_create(user=shopper, offer_id=offer.pk, quantity=1, coupon_id=coupon.pk)
    assert order.discount == Decimal("20.00")


def test_days_after_claiming_count_from_the_first_usable_day():
    now = timezone.now()
    campaign = CouponCampaignFactory(valid_days=3, valid_from=now + timedelta(days=5))
    coupon = services.coupon_grant(user=UserFactory(), campaign_id=campaign.pk, source="admin")
    assert coupon.valid_from == campaign.valid_from
    assert coupon.valid_until == campaign.valid_from + timedelta(days=3)
