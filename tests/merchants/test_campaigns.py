"""Merchants' own coupon campaigns in the dashboard: started, paused and
stopped by owners and managers, with what each did."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.models import CouponCampaign

from ..factories import OfferFactory, UserFactory, make_cashier, pay

pytestmark = pytest.mark.django_db


def start(client, **fields):
    data = {
        "title": "Hotpot regulars",
        "kind": "amount",
        "value": "20",
        "min_spend": "100",
        "audience": "anyone",
        "valid_days": "7",
        "quantity": "50",
        "per_user_limit": "1",
        **fields,
    }
    return client.post(reverse("merchants:campaign_new"), data)


def test_an_owner_starts_a_campaign_shoppers_claim_and_spend_and_sees_what_it_did(
    client, owner, offer
):
    client.force_login(owner)
    assert client.get(reverse("merchants:campaign_new")).status_code == 200
    assert start(client).status_code == 302
    campaign = CouponCampaign.objects.get()
    assert campaign.merchant == offer.merchant
    assert campaign.scope == "merchant"
    assert campaign.scope_merchant == offer.merchant
    shopper = UserFactory()
    coupon = services.coupon_claim(user=shopper, campaign_id=campaign.pk)
    paid = pay(
        services.order_create(user=shopper, offer_id=offer.pk, quantity=1, coupon_id=coupon.pk)
    )
    assert paid.discount_by == "merchant"
    page = client.get(reverse("merchants:campaigns")).content.decode()
    assert "Hotpot regulars" in page
    assert "1 / 50" in page  # claimed
    assert "¥178" in page  # revenue with it
    assert "¥20" in page  # its cost
    client.post(reverse("merchants:campaign_pause", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    client.post(reverse("merchants:campaign_stop", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "stopped"


def test_a_campaign_on_chosen_deals_takes_only_the_merchants_own(client, owner, offer):
    client.force_login(owner)
    theirs = OfferFactory()
    refused = start(client, offers=[theirs.pk])
    assert refused.status_code == 400
    assert not CouponCampaign.objects.exists()
    assert start(client, offers=[offer.pk]).status_code == 302
    campaign = CouponCampaign.objects.get()
    assert campaign.scope == "offers"
    assert list(campaign.scope_offers.all()) == [offer]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "percent", "value": "150"}, "value"),
        ({"value": "0"}, "value"),
        ({"value": "1e9"}, "value"),
        ({"valid_days": "0"}, "valid_days"),
        ({"quantity": "-1"}, "quantity"),
        ({"audience": "new_users"}, "audience"),
        ({"per_user_limit": "١"}, None),  # another script's digit: refused or read as 1
    ],
)
def test_bad_campaigns_are_refused_with_the_reason(client, owner, offer, fields, field):
    client.force_login(owner)
    response = start(client, **fields)
    if field is None:
        assert response.status_code in (302, 400)
        return
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not CouponCampaign.objects.exists()


def test_cashiers_and_other_merchants_cannot_touch_a_campaign(client, owner, offer):
    client.force_login(owner)
    start(client)
    campaign = CouponCampaign.objects.get()
    client.force_login(make_cashier(offer.merchant))
    assert client.get(reverse("merchants:campaigns")).status_code == 403
    assert client.post(reverse("merchants:campaign_stop", args=[campaign.pk])).status_code == 403
    stranger_owner = UserFactory()
    from ..factories import MembershipFactory

    MembershipFactory(user=stranger_owner, role="owner")
    client.force_login(stranger_owner)
    assert client.post(reverse("merchants:campaign_stop", args=[campaign.pk])).status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == "active"
    assert Decimal(campaign.value) == Decimal("20")


def test_a_merchant_gives_fixed_dates_instead_of_days(client, owner, offer):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(owner)
    first = timezone.localdate() + timedelta(days=3)
    last = first + timedelta(days=2)
    response = start(
        client, valid_days="", valid_from=first.isoformat(), valid_until=last.isoformat()
    )
    assert response.status_code == 302
    campaign = CouponCampaign.objects.get()
    assert campaign.valid_days is None
    assert timezone.localtime(campaign.valid_from).date() == first
    assert timezone.localtime(campaign.valid_until).date() == last  # the whole last day
    assert timezone.localtime(campaign.valid_until).hour == 23


@pytest.mark.parametrize(
    "fields",
    [
        {"valid_days": ""},  # neither days nor dates
        {"valid_days": "", "valid_until": "2020-01-01"},  # over before it starts
        {"valid_days": "", "valid_from": "2031-02-01", "valid_until": "2031-01-01"},
        {"valid_until": "not a date"},
    ],
)
def test_validity_that_cannot_be_is_refused(client, owner, offer, fields):
    client.force_login(owner)
    response = start(client, **fields)
    assert response.status_code == 400
    assert not CouponCampaign.objects.exists()
