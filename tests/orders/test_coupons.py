"""Coupons (优惠券): claiming one, who may, how many, and what one takes off."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from o2o.errors import DomainError
from orders import services
from orders.models import Coupon, CouponCampaign

from ..factories import (
    CategoryFactory,
    CouponCampaignFactory,
    MerchantFactory,
    OfferFactory,
    UserFactory,
    make_cashier,
    make_paid_order,
)

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def claim(user, campaign):
    return api(user).post(f"/api/v1/coupon-campaigns/{campaign.pk}/claim/")


# --- claiming ---------------------------------------------------------------------


def test_claiming_gives_a_coupon_listed_as_mine():
    shopper = UserFactory()
    campaign = CouponCampaignFactory(title="¥20 off hotpot", min_spend=Decimal("100"))
    answer = claim(shopper, campaign)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["title"] == "¥20 off hotpot"
    assert body["kind"] == "amount"
    assert body["value"] == "20.00"
    assert body["min_spend"] == "100.00"
    assert body["status"] == "available"
    assert body["scope"] == "platform"
    mine = api(shopper).get("/api/v1/coupons/").json()["results"]
    assert [c["id"] for c in mine] == [body["id"]]
    valid_until = Coupon.objects.get().valid_until
    assert timedelta(days=6, hours=23) < valid_until - timezone.now() <= timedelta(days=7)


def test_a_second_claim_over_the_limit_is_409_already_claimed():
    shopper = UserFactory()
    campaign = CouponCampaignFactory(per_user_limit=2)
    assert claim(shopper, campaign).status_code == 201
    assert claim(shopper, campaign).status_code == 201
    third = claim(shopper, campaign)
    assert third.status_code == 409
    assert third.json()["code"] == "already_claimed"
    assert Coupon.objects.filter(user=shopper).count() == 2


def test_the_last_coupon_goes_then_sold_out():
    campaign = CouponCampaignFactory(quantity=1)
    assert claim(UserFactory(), campaign).status_code == 201
    late = claim(UserFactory(), campaign)
    assert late.status_code == 409
    assert late.json()["code"] == "sold_out"
    campaign.refresh_from_db()
    assert campaign.issued_count == 1


@pytest.mark.parametrize(
    "change",
    [
        {"status": CouponCampaign.Status.PAUSED},
        {"status": CouponCampaign.Status.STOPPED},
        {"ends_at": timezone.now() - timedelta(minutes=1)},
        {"starts_at": timezone.now() + timedelta(hours=1)},
        {"valid_days": None, "valid_until": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_a_closed_campaign_gives_nothing(change):
    campaign = CouponCampaignFactory(**change)
    refused = claim(UserFactory(), campaign)
    assert refused.status_code == 409
    assert refused.json()["code"] == "campaign_closed"
    assert not Coupon.objects.exists()


def test_a_first_order_coupon_is_refused_to_someone_who_has_paid_before():
    campaign = CouponCampaignFactory(audience=CouponCampaign.Audience.NEW_USERS)
    regular = UserFactory()
    make_paid_order(regular, OfferFactory())
    refused = claim(regular, campaign)
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_eligible"
    assert claim(UserFactory(), campaign).status_code == 201


def test_a_past_buyers_coupon_is_only_for_the_merchants_past_buyers():
    offer = OfferFactory()
    campaign = CouponCampaignFactory(
        merchant=offer.merchant, audience=CouponCampaign.Audience.PAST_BUYERS
    )
    elsewhere = UserFactory()
    make_paid_order(elsewhere, OfferFactory())  # bought, but from someone else
    assert claim(elsewhere, campaign).json()["code"] == "not_eligible"
    buyer = UserFactory()
    make_paid_order(buyer, offer)
    assert claim(buyer, campaign).status_code == 201


@pytest.mark.parametrize("pk", ["0", "99999999", "99999999999999999999999"])
def test_unknown_campaigns_are_404(pk):
    answer = api(UserFactory()).post(f"/api/v1/coupon-campaigns/{pk}/claim/")
    assert answer.status_code == 404


def test_a_campaign_not_offered_for_claiming_cannot_be_claimed():
    promo_only = CouponCampaignFactory(claimable=False, promo_code="HELLO2026")
    answer = claim(UserFactory(), promo_only)
    assert answer.status_code == 404
    assert answer.json()["code"] == "campaign_not_found"


def test_claiming_needs_an_account():
    campaign = CouponCampaignFactory()
    assert claim(None, campaign).status_code == 401
    assert api().get("/api/v1/coupons/").status_code == 401


# --- my coupons and a deal's campaigns --------------------------------------------------


def test_my_coupons_say_which_are_available_used_or_expired():
    shopper = UserFactory()
    fresh = services.coupon_grant(
        user=shopper, campaign_id=CouponCampaignFactory().pk, source="admin"
    )
    old = services.coupon_grant(
        user=shopper, campaign_id=CouponCampaignFactory().pk, source="admin"
    )
    Coupon.objects.filter(pk=old.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    spent = services.coupon_grant(
        user=shopper, campaign_id=CouponCampaignFactory().pk, source="admin"
    )
    Coupon.objects.filter(pk=spent.pk).update(status=Coupon.Status.USED)
    CouponCampaignFactory()  # not mine
    listed = api(shopper).get("/api/v1/coupons/").json()["results"]
    assert (listed[0]["id"], listed[0]["status"]) == (fresh.pk, "available")
    assert {(c["id"], c["status"]) for c in listed} == {
        (fresh.pk, "available"),
        (old.pk, "expired"),
        (spent.pk, "used"),
    }


def test_a_deal_lists_the_campaigns_its_price_can_take_with_what_is_left():
    offer = OfferFactory()
    everywhere = CouponCampaignFactory(quantity=100, issued_count=40)
    its_merchant = CouponCampaignFactory(
        scope=CouponCampaign.Scope.MERCHANT, scope_merchant=offer.merchant
    )
    its_category = CouponCampaignFactory(
        scope=CouponCampaign.Scope.CATEGORY, scope_category=offer.category
    )
    chosen = CouponCampaignFactory(scope=CouponCampaign.Scope.OFFERS)
    chosen.scope_offers.add(offer, OfferFactory())
    CouponCampaignFactory(scope=CouponCampaign.Scope.MERCHANT, scope_merchant=MerchantFactory())
    spa = CategoryFactory(name="Spa", slug="spa")
    CouponCampaignFactory(scope=CouponCampaign.Scope.CATEGORY, scope_category=spa)
    CouponCampaignFactory(status=CouponCampaign.Status.PAUSED)
    CouponCampaignFactory(claimable=False)
    listed = api().get("/api/v1/coupon-campaigns/", {"offer": offer.pk}).json()["results"]
    assert sorted(c["id"] for c in listed) == sorted(
        c.pk for c in (everywhere, its_merchant, its_category, chosen)
    )
    left = {c["id"]: c["left"] for c in listed}
    assert left[everywhere.pk] == 60
    assert left[its_merchant.pk] is None


@pytest.mark.parametrize("offer", ["abc", "0", "99999999999999999999"])
def test_campaigns_of_an_unknown_deal_are_404(offer):
    assert api().get("/api/v1/coupon-campaigns/", {"offer": offer}).status_code == 404


# --- what a coupon takes off ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "cap", "subtotal", "off"),
    [
        ("amount", "20", None, "198.00", "20.00"),
        ("amount", "50", None, "30.00", "29.99"),  # a cent is always paid
        ("percent", "15", None, "99.99", "14.99"),  # rounded down to the cent
        ("percent", "50", "30", "198.00", "30.00"),  # capped
        ("percent", "100", None, "12.34", "12.33"),
    ],
)
def test_the_discount(kind, value, cap, subtotal, off):
    campaign = CouponCampaign(
        kind=kind, value=Decimal(value), max_discount=cap and Decimal(cap), valid_days=1
    )
    assert services.coupon_discount(campaign, Decimal(subtotal)) == Decimal(off)


def test_each_reason_a_coupon_cannot_discount_an_order():
    now = timezone.now()
    offer = OfferFactory(price=Decimal("80.00"))
    shopper = UserFactory()

    def coupon(**campaign):
        made = CouponCampaignFactory(**campaign)
        return services.coupon_grant(user=shopper, campaign_id=made.pk, source="admin")

    def why(c, subtotal="80.00"):
        refusal = services.coupon_refusal(c, offer=offer, subtotal=Decimal(subtotal), now=now)
        return refusal.code if refusal else None

    assert why(coupon()) is None
    assert why(coupon(min_spend=Decimal("100"))) == "min_spend_not_met"
    assert why(coupon(min_spend=Decimal("100")), subtotal="160.00") is None
    other = coupon(scope=CouponCampaign.Scope.MERCHANT, scope_merchant=MerchantFactory())
    assert why(other) == "out_of_scope"
    spent = coupon()
    spent.status = Coupon.Status.USED
    assert why(spent) == "used"
    late = coupon()
    late.valid_until = now
    Coupon.objects.filter(pk=late.pk).update(valid_until=now)
    assert why(late) == "expired"


# --- pausing and stopping -----------------------------------------------------------------


def test_a_merchant_pauses_and_stops_its_own_campaign_and_no_one_elses(owner):
    from o2o.errors import DomainError

    mine = CouponCampaignFactory(merchant=owner.memberships.get().merchant)
    theirs = CouponCampaignFactory(merchant=MerchantFactory())
    platform = CouponCampaignFactory()
    paused = services.campaign_set_status(campaign_id=mine.pk, status="paused", by=owner)
    assert paused.status == "paused"
    assert claim(UserFactory(), mine).json()["code"] == "campaign_closed"
    services.campaign_set_status(campaign_id=mine.pk, status="active", by=owner)
    assert claim(UserFactory(), mine).status_code == 201
    services.campaign_set_status(campaign_id=mine.pk, status="stopped", by=owner)
    with pytest.raises(DomainError) as stopped:
        services.campaign_set_status(campaign_id=mine.pk, status="active", by=owner)
    assert stopped.value.code == "couponcampaign_stopped"
    for other in (theirs, platform):
        with pytest.raises(DomainError):
            services.campaign_set_status(campaign_id=other.pk, status="paused", by=owner)
        other.refresh_from_db()
        assert other.status == "active"
    cashiers_own = CouponCampaignFactory(merchant=mine.merchant)
    with pytest.raises(DomainError) as cashier_refused:
        services.campaign_set_status(
            campaign_id=cashiers_own.pk, status="paused", by=make_cashier(mine.merchant)
        )
    assert cashier_refused.value.code == "role_not_allowed"


def test_an_admin_stops_any_campaign_from_the_admin(admin_client):
    campaign = CouponCampaignFactory(merchant=MerchantFactory())
    CouponCampaignFactory()
    listing = admin_client.get("/admin/orders/couponcampaign/")
    assert listing.status_code == 200
    admin_client.post(
        "/admin/orders/couponcampaign/",
        {"action": "stop", "_selected_action": [campaign.pk]},
    )
    campaign.refresh_from_db()
    assert campaign.status == "stopped"


def test_the_admin_lists_what_each_campaign_earned_and_cost(admin_client):
    campaign = CouponCampaignFactory(title="Hotpot week", value=Decimal("20"))
    shopper = UserFactory()
    coupon = services.coupon_grant(user=shopper, campaign_id=campaign.pk, source="admin")
    offer = OfferFactory(price=Decimal("120.00"))
    pay_order = services.order_create(
        user=shopper, offer_id=offer.pk, quantity=1, coupon_id=coupon.pk
    )
    from ..factories import pay

    pay(pay_order)
    body = admin_client.get("/admin/orders/couponcampaign/").content.decode()
    assert '<td class="field-revenue">¥100</td>' in body
    assert '<td class="field-cost">¥20</td>' in body
    assert '<td class="field-used">1</td>' in body


def test_an_admin_grants_coupons_by_e_mail_each_as_any_grant(admin_client):
    campaign = CouponCampaignFactory(title="Sorry for the wait", quantity=2)
    first, second, third = (UserFactory(email=f"c{n}@example.com") for n in range(3))
    asked = admin_client.post(
        "/admin/orders/couponcampaign/", {"action": "grant", "_selected_action": [campaign.pk]}
    )
    assert "e-mail addresses (one per line" in asked.content.decode()
    assert not Coupon.objects.exists()  # nothing before the addresses are confirmed
    done = admin_client.post(
        "/admin/orders/couponcampaign/",
        {
            "action": "grant",
            "_selected_action": [campaign.pk],
            "confirm": "1",
            "emails": f"{first.email}, C1@example.com\nnobody@example.com {first.email}"
            f" {third.email}",
        },
        follow=True,
    )
    body = done.content.decode()
    assert "2 coupons granted." in body
    assert "nobody@example.com (no_account)" in body
    assert "c2@example.com (sold_out)" in body
    assert {c.user for c in Coupon.objects.all()} == {first, second}
    assert set(Coupon.objects.values_list("source", flat=True)) == {"admin"}


def test_only_staff_grant_coupons(client):
    campaign = CouponCampaignFactory()
    shopper = UserFactory()
    with pytest.raises(DomainError) as refused:
        services.coupons_grant_by_admin(campaign_id=campaign.pk, emails=[shopper.email], by=shopper)
    assert refused.value.code == "admins_only"
    client.force_login(shopper)
    client.post(
        "/admin/orders/couponcampaign/",
        {
            "action": "grant",
            "_selected_action": [campaign.pk],
            "confirm": "1",
            "emails": shopper.email,
        },
    )
    assert not Coupon.objects.exists()


def test_an_admin_grant_names_at_most_500_customers(admin_user):
    campaign = CouponCampaignFactory()
    with pytest.raises(DomainError) as refused:
        services.coupons_grant_by_admin(
            campaign_id=campaign.pk, emails=[f"u{n}@example.com" for n in range(501)], by=admin_user
        )
    assert refused.value.code == "too_many_addresses"


# --- the welcome red packet (新人红包) ----------------------------------------------------


def test_every_new_account_gets_the_welcome_red_packet_on_the_site_and_the_api(client):
    welcome = CouponCampaignFactory(
        title="新人红包 ¥10", value=Decimal("10"), grant_on_signup=True, claimable=False
    )
    CouponCampaignFactory()  # an ordinary campaign is not granted
    signed_up = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "long-pass-2026", "password2": "long-pass-2026"},
    )
    assert signed_up.status_code == 302
    answer = APIClient().post(
        "/api/v1/auth/register/", {"email": "app@example.com", "password": "long-pass-2026"}
    )
    assert answer.status_code == 201
    granted = Coupon.objects.order_by("user__email")
    assert [(c.user.email, c.campaign, c.source) for c in granted] == [
        ("app@example.com", welcome, "welcome"),
        ("new@example.com", welcome, "welcome"),
    ]


def test_a_sign_up_never_fails_for_want_of_a_red_packet():
    CouponCampaignFactory(grant_on_signup=True, quantity=1, issued_count=1)  # none left
    CouponCampaignFactory(grant_on_signup=True, status=CouponCampaign.Status.PAUSED)
    answer = APIClient().post(
        "/api/v1/auth/register/", {"email": "late@example.com", "password": "long-pass-2026"}
    )
    assert answer.status_code == 201
    assert not Coupon.objects.exists()


# --- in the browser: 领券 on the deal page, my coupons ---------------------------------------


def test_a_deal_page_offers_its_coupons_to_claim_and_says_claimed_once_claimed(client):
    from django.urls import reverse

    offer = OfferFactory()
    campaign = CouponCampaignFactory(
        title="Hotpot week", value=Decimal("20"), min_spend=Decimal("100")
    )
    CouponCampaignFactory(
        title="Another shop's", scope="merchant", scope_merchant=MerchantFactory()
    )
    page = reverse("offers:detail", args=[offer.pk])
    anonymous = client.get(page).content.decode()
    assert "¥20 off · on orders of ¥100 or more" in anonymous
    assert "Log in to claim" in anonymous
    assert "Another shop" not in anonymous
    shopper = UserFactory()
    client.force_login(shopper)
    assert "Claim" in client.get(page).content.decode()
    claimed = client.post(
        reverse("orders:coupon_claim", args=[campaign.pk]), {"next": page}, follow=True
    )
    body = claimed.content.decode()
    assert "Coupon claimed: Hotpot week" in body
    assert 'badge text-bg-success">Claimed' in body
    assert Coupon.objects.filter(user=shopper, campaign=campaign).count() == 1
    again = client.post(
        reverse("orders:coupon_claim", args=[campaign.pk]), {"next": page}, follow=True
    )
    assert "You already have this coupon." in again.content.decode()
    mine = client.get(reverse("orders:coupons")).content.decode()
    assert "¥20 off · on orders of ¥100 or more" in mine
    assert "Hotpot week" in mine


def test_claiming_in_the_browser_needs_a_login_and_a_post(client):
    from django.urls import reverse

    campaign = CouponCampaignFactory()
    url = reverse("orders:coupon_claim", args=[campaign.pk])
    assert client.post(url).status_code == 302
    assert not Coupon.objects.exists()
    client.force_login(UserFactory())
    assert client.get(url).status_code == 405


def test_my_coupons_page_is_empty_with_a_way_to_find_deals_and_speaks_chinese(client):
    from django.urls import reverse

    client.force_login(UserFactory())
    empty = client.get(reverse("orders:coupons")).content.decode()
    assert "No coupons yet" in empty
    chinese = client.get(reverse("orders:coupons"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "我的优惠券" in chinese.content.decode()


def test_once_sold_out_a_crowds_late_claims_are_refused_before_signing_in():
    campaign = CouponCampaignFactory(quantity=1)
    assert claim(UserFactory(), campaign).status_code == 201
    assert claim(UserFactory(), campaign).json()["code"] == "sold_out"
    # Now known to be gone: even a request with no account hears so.
    late = claim(None, campaign)
    assert (late.status_code, late.json()["code"]) == (409, "sold_out")


# --- the coupon centre (领券中心) and campaign pages ----------------------------------


def test_the_coupon_centre_lists_what_can_be_claimed_largest_first(client):
    from django.urls import reverse

    CouponCampaignFactory(title="Small", value=Decimal("5"))
    CouponCampaignFactory(title="Big", value=Decimal("50"), quantity=10)
    CouponCampaignFactory(title="Welcome", grant_on_signup=True, claimable=False)
    CouponCampaignFactory(title="Paused", status="paused")
    body = client.get(reverse("orders:coupon_centre")).content.decode()
    assert body.index("Big") < body.index("Small")
    assert "Welcome" not in body
    assert "Paused" not in body
    assert "10 left" in body
    assert "Log in to claim" in body
    shopper = UserFactory()
    client.force_login(shopper)
    claim(shopper, CouponCampaign.objects.get(title="Big"))
    body = client.get(reverse("orders:coupon_centre")).content.decode()
    assert body.count('badge text-bg-success">Claimed') == 1


def test_the_coupon_centre_without_campaigns_says_so(client):
    from django.urls import reverse

    body = client.get(reverse("orders:coupon_centre")).content.decode()
    assert "No coupons to claim right now." in body


def test_a_campaign_page_shows_its_coupon_and_the_deals_it_takes(client):
    from django.urls import reverse

    category = CategoryFactory(slug="beauty", name_en="Beauty")
    nails = OfferFactory(title="Nails", category=category)
    hotpot = OfferFactory(title="Hotpot")
    campaign = CouponCampaignFactory(title="Beauty week", scope="category", scope_category=category)
    page = client.get(reverse("orders:campaign", args=[campaign.pk]))
    body = page.content.decode()
    assert "Beauty week" in body
    assert "Beauty deals" in body
    assert f"/deals/{nails.pk}/" in body
    assert f"/deals/{hotpot.pk}/" not in body
    assert "Log in to claim" in body


def test_a_campaign_over_still_has_its_page_but_no_claiming(client):
    from django.urls import reverse

    campaign = CouponCampaignFactory(title="Last week", status="stopped")
    body = client.get(reverse("orders:campaign", args=[campaign.pk])).content.decode()
    assert "This coupon can no longer be claimed." in body
    assert "Log in to claim" not in body


def test_granted_only_campaigns_have_no_page(client):
    from django.urls import reverse

    welcome = CouponCampaignFactory(grant_on_signup=True, claimable=False)
    assert client.get(reverse("orders:campaign", args=[welcome.pk])).status_code == 404
    assert client.get("/coupons/99999/").status_code == 404


def test_offers_of_a_campaign_follow_the_scope_rule_of_checkout():
    """The deals a campaign page lists are those its coupon discounts at
    checkout: one rule (orders.selectors.campaigns_applying), read both ways."""
    from offers.selectors import visible_offers
    from orders.selectors import campaigns_for_offer, offers_of_campaign

    merchant = MerchantFactory()
    chosen, other_of_merchant, elsewhere = (
        OfferFactory(merchant=merchant),
        OfferFactory(merchant=merchant),
        OfferFactory(),
    )
    campaigns = [
        CouponCampaignFactory(scope="platform"),
        CouponCampaignFactory(scope="merchant", scope_merchant=merchant),
        CouponCampaignFactory(scope="offers"),
        CouponCampaignFactory(scope="category", scope_category=chosen.category),
    ]
    campaigns[2].scope_offers.set([chosen])
    for campaign in campaigns:
        listed = set(offers_of_campaign(campaign, visible_offers()))
        for offer in (chosen, other_of_merchant, elsewhere):
            applies = CouponCampaign.objects.filter(campaigns_for_offer(offer), pk=campaign.pk)
            assert (offer in listed) == applies.exists(), (campaign.scope, offer)
