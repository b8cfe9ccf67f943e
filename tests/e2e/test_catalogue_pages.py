"""Every catalogue page, in English and in Chinese, on a phone: no request to
any other host (the maps included: no tiles without MAP_TILES_URL), axe finds
nothing serious, and no Content-Security-Policy violation (the fixture)."""

from decimal import Decimal

import pytest

from merchants.models import BusinessArea
from rankings.services import rankings_compute

from ..factories import DistrictFactory, OfferFactory, StoreFactory, UserFactory, make_paid_order
from ..rankings.helpers import customers, use
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(settings):
    settings.MAP_LEAFLET = True
    settings.MAP_TILES_URL = ""
    district = DistrictFactory(name_en="Jing'an", name_zh_hans="静安")
    area = BusinessArea.objects.create(
        city=district.city,
        district=district,
        name_en="Jing'an Temple",
        name_zh_hans="静安寺",
        slug="jingan-temple",
        latitude=Decimal("31.2235"),
        longitude=Decimal("121.4453"),
    )
    hotpot = OfferFactory(title="小龙坎火锅双人套餐", summary="麻辣锅底，8 道菜")
    spa = OfferFactory(title="Spa afternoon", summary="Ninety minutes")
    for offer in (hotpot, spa):
        store = StoreFactory(
            merchant=offer.merchant,
            district=district,
            business_area=area,
            latitude=Decimal("31.2241"),
            longitude=Decimal("121.4460"),
            hours="10:00–22:00",
        )
        offer.stores.set([store])
    customers(hotpot, 3)
    use(spa, ratings=[5])
    shopper = UserFactory(email="pages@e2e.example")
    make_paid_order(shopper, hotpot)
    rankings_compute()
    return {"hotpot": hotpot, "spa": spa, "area": area, "shopper": shopper}


def test_catalogue_pages_in_both_languages_stay_on_this_site_and_are_accessible(visitor, catalogue):
    hotpot = catalogue["hotpot"]
    pages = [
        "/",
        "/deals/",
        "/deals/?q=静安火锅",
        "/deals/?q=nothing-matches-this",
        f"/c/{hotpot.category.slug}/",
        f"/deals/{hotpot.pk}/",
        f"/m/{hotpot.merchant.slug}/",
        f"/nearby/?area={catalogue['area'].slug}",
        "/rankings/",
        "/rankings/best_rated/",
    ]
    person = visitor("catalogue")
    for lang in ("en", "zh-hans"):
        for path in pages:
            joiner = "&" if "?" in path else "?"
            person.go(f"{path}{joiner}lang={lang}")
            assert person.page.locator("h1").count() >= 1, path
            person.check_accessibility(f"{path} ({lang})")
    log_in(person, catalogue["shopper"].email)
    for path in ("/me/favourites/", "/orders/", f"/deals/{hotpot.pk}/"):
        person.go(path)
        person.check_accessibility(f"{path} (signed in)")
    assert person.foreign == []
    assert person.accessibility == []
