"""Merchant applications and the merchant lifecycle."""

from decimal import Decimal

import pytest

from merchants import services
from merchants.models import Membership, Merchant, MerchantEvent
from o2o.errors import Conflict, DomainError
from offers.selectors import visible_offers

from ..factories import CategoryFactory, CityFactory, DistrictFactory, OfferFactory

pytestmark = pytest.mark.django_db


def apply(user, **overrides):
    city = CityFactory()
    fields = {
        "user": user,
        "name": "Noodle House",
        "category": CategoryFactory(),
        "city": city,
        "store_name": "People's Square",
        "district": DistrictFactory(city=city),
        "address": "2 Fuzhou Road",
        "latitude": Decimal("31.23"),
        "longitude": Decimal("121.47"),
    }
    fields.update(overrides)
    return services.merchant_apply(**fields)


def test_applying_makes_a_pending_merchant_with_its_first_store_and_owner(consumer):
    merchant = apply(consumer)
    assert merchant.status == Merchant.Status.PENDING
    assert merchant.stores.count() == 1
    membership = Membership.objects.get(user=consumer)
    assert membership.role == Membership.Role.OWNER
    assert MerchantEvent.objects.filter(merchant=merchant).count() == 1


def test_one_owner_cannot_apply_twice(consumer):
    apply(consumer)
    with pytest.raises(DomainError) as err:
        apply(consumer, name="Second")
    assert err.value.code == "already_merchant"


def test_approve_reject_suspend_reinstate(consumer, admin_user):
    merchant = apply(consumer)
    with pytest.raises(DomainError):
        services.merchant_reject(merchant=merchant, by=admin_user, reason="")
    services.merchant_approve(merchant=merchant, by=admin_user)
    with pytest.raises(Conflict):
        services.merchant_approve(merchant=merchant, by=admin_user)
    services.merchant_suspend(merchant=merchant, by=admin_user, reason="Complaints")
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUSPENDED
    assert merchant.status_reason == "Complaints"
    services.merchant_reinstate(merchant=merchant, by=admin_user)
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED


def test_suspended_merchants_offers_disappear(offer, admin_user):
    services.merchant_suspend(merchant=offer.merchant, by=admin_user, reason="Fraud")
    assert not visible_offers().filter(pk=offer.pk).exists()
    services.merchant_reinstate(merchant=offer.merchant, by=admin_user)
    assert visible_offers().filter(pk=offer.pk).exists()


def test_rejected_merchant_sees_the_reason(consumer, admin_user):
    merchant = apply(consumer)
    services.merchant_reject(merchant=merchant, by=admin_user, reason="Licence unreadable")
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.REJECTED
    assert merchant.status_reason == "Licence unreadable"


def test_second_offer_is_unaffected_by_first(offer):
    second = OfferFactory(merchant=offer.merchant)
    assert visible_offers().filter(merchant=offer.merchant).count() == 2
    assert second.merchant == offer.merchant
