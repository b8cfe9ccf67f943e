"""Test data factories. Orders and vouchers are made through the services,
so tests start from states the product itself can reach."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from merchants.models import Category, City, District, Membership, Merchant, Store
from offers.models import Offer
from orders.models import Order, Voucher

PASSWORD = "test-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = "Shanghai"
    slug = "shanghai"
    latitude = Decimal("31.230400")
    longitude = Decimal("121.473700")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("city", "slug")

    city = factory.SubFactory(CityFactory)
    name = "Jing'an"
    slug = "jingan"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = "Food"
    slug = "food"


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")
    category = factory.SubFactory(CategoryFactory)
    city = factory.SubFactory(CityFactory)
    status = Merchant.Status.APPROVED


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    district = factory.SubFactory(DistrictFactory)
    address = "1 Nanjing West Road"
    latitude = Decimal("31.230000")
    longitude = Decimal("121.470000")
    phone = "021-5555-0000"
    hours = "10:00–22:00"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


class OfferFactory(factory.django.DjangoModelFactory):
    """A live offer usable at one store of its merchant."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    category = factory.SelfAttribute("merchant.category")
    title = factory.Sequence(lambda n: f"Hotpot set for two #{n}")
    summary = "Two people, eight dishes"
    includes = "Beef\nLamb\nVegetables"
    price = Decimal("198.00")
    list_price = Decimal("268.00")
    stock = None
    stock_left = factory.LazyAttribute(lambda o: o.stock)
    status = Offer.Status.LIVE
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if not create:
            return
        if extracted is None:
            extracted = [StoreFactory(merchant=self.merchant)]
        self.stores.set(extracted)


def make_order(user: User, offer: Offer, quantity: int = 1) -> Order:
    from orders.services import order_create

    return order_create(user=user, offer_id=offer.pk, quantity=quantity)


def pay(order: Order) -> Order:
    from payments.services import payment_start, payment_succeeded

    payment, _result = payment_start(order_id=order.pk, user=order.user)
    payment_succeeded(payment_id=payment.pk)
    order.refresh_from_db()
    return order


def make_paid_order(user: User, offer: Offer, quantity: int = 1) -> Order:
    return pay(make_order(user, offer, quantity))


def make_cashier(merchant: Merchant) -> User:
    """A new user on the merchant's staff as a cashier."""
    return MembershipFactory(merchant=merchant, role=Membership.Role.CASHIER).user


def make_voucher(user: User | None = None, offer: Offer | None = None) -> Voucher:
    """One issued voucher of a paid order."""
    user = user or UserFactory()
    offer = offer or OfferFactory()
    order = make_paid_order(user, offer, 1)
    return order.vouchers.get()


class CouponCampaignFactory(factory.django.DjangoModelFactory):
    """A platform campaign: ¥20 off any deal, one each, valid 7 days from getting it."""

    class Meta:
        model = "orders.CouponCampaign"

    title = factory.Sequence(lambda n: f"¥20 off #{n}")
    kind = "amount"
    value = Decimal("20.00")
    valid_days = 7
