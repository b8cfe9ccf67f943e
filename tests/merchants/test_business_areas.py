"""A store's business area (商圈) lies in the store's district."""

from decimal import Decimal

import pytest

from merchants import services
from merchants.models import BusinessArea
from o2o.errors import DomainError

from ..factories import DistrictFactory, MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _area(district, slug: str, en: str, zh: str) -> BusinessArea:
    return BusinessArea.objects.create(
        city=district.city,
        district=district,
        slug=slug,
        name_en=en,
        name_zh_hans=zh,
        latitude=Decimal("31.2236"),
        longitude=Decimal("121.4456"),
    )


@pytest.fixture
def places():
    jingan = DistrictFactory(slug="jingan", name="Jing'an")
    xuhui = DistrictFactory(slug="xuhui", name="Xuhui", city=jingan.city)
    return {
        "jingan": jingan,
        "xuhui": xuhui,
        "temple": _area(jingan, "jingan-temple", "Jing'an Temple", "静安寺"),
        "xujiahui": _area(xuhui, "xujiahui", "Xujiahui", "徐家汇"),
    }


def _fields(district, area):
    return {
        "name": "静安寺店",
        "district": district,
        "business_area": area,
        "address": "南京西路1618号",
        "latitude": Decimal("31.2240"),
        "longitude": Decimal("121.4460"),
    }


def test_a_new_store_keeps_its_business_area(places):
    store = StoreFactory()
    made = services.store_create(
        merchant=store.merchant, **_fields(places["jingan"], places["temple"])
    )
    made.refresh_from_db()
    assert made.business_area == places["temple"]


def test_a_business_area_of_another_district_is_refused(places):
    store = StoreFactory()
    with pytest.raises(DomainError) as refused:
        services.store_create(
            merchant=store.merchant, **_fields(places["jingan"], places["xujiahui"])
        )
    assert refused.value.code == "business_area_not_in_district"
    assert not store.merchant.stores.filter(name="静安寺店").exists()


def test_a_store_moved_to_another_district_leaves_its_business_area(places):
    owner = MembershipFactory()
    store = services.store_create(
        merchant=owner.merchant, **_fields(places["jingan"], places["temple"])
    )
    moved = services.store_update(store=store, by=owner.user, district=places["xuhui"])
    assert moved.district == places["xuhui"]
    assert moved.business_area is None
    again = services.store_update(store=moved, by=owner.user, business_area=places["xujiahui"])
    assert again.business_area == places["xujiahui"]
