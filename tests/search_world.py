"""A small Shanghai for the search tests: districts, a business area and
categories named in both languages, and deals written in English or Chinese."""

from decimal import Decimal
from types import SimpleNamespace

from merchants.models import BusinessArea, Membership

from .factories import (
    CategoryFactory,
    CityFactory,
    DistrictFactory,
    MembershipFactory,
    MerchantFactory,
    OfferFactory,
    StoreFactory,
)


def make_world():
    city = CityFactory()
    jingan = DistrictFactory(city=city, name="Jing'an", name_zh_hans="静安", slug="jingan")
    xuhui = DistrictFactory(city=city, name="Xuhui", name_zh_hans="徐汇", slug="xuhui")
    temple = BusinessArea.objects.create(
        city=city,
        district=jingan,
        name="Jing'an Temple",
        name_zh_hans="静安寺",
        slug="jingan-temple",
        latitude=Decimal("31.223"),
        longitude=Decimal("121.446"),
    )
    hotpot = CategoryFactory(name="Hotpot", name_zh_hans="火锅", slug="hotpot")
    spa = CategoryFactory(name="Spa and massage", name_zh_hans="按摩", slug="spa")
    noodles = CategoryFactory(name="Noodles", name_zh_hans="面馆", slug="noodles")
    return SimpleNamespace(
        city=city,
        jingan=jingan,
        xuhui=xuhui,
        temple=temple,
        hotpot=hotpot,
        spa=spa,
        noodles=noodles,
    )


def deal(title, *, category, district, area=None, merchant=None, **fields):
    """A live deal usable at one store of its merchant, in `district` (and `area`)."""
    named = {"name": merchant} if merchant else {}
    seller = MerchantFactory(category=category, **named)
    store = StoreFactory(merchant=seller, district=district, business_area=area)
    return OfferFactory(merchant=seller, category=category, title=title, stores=[store], **fields)


def owner_of(offer):
    return MembershipFactory(merchant=offer.merchant, role=Membership.Role.OWNER).user
