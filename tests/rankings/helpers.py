"""Deals with known uses and ratings, made through the services (buy, pay,
redeem at the store, review), for the rankings' tests."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from merchants.models import Membership
from offers.models import Offer
from orders.models import Redemption, Voucher
from orders.services import voucher_redeem
from reviews.models import Review
from reviews.services import review_create

from ..factories import UserFactory, make_cashier, make_paid_order


def cashier_of(offer: Offer) -> User:
    membership = Membership.objects.filter(
        merchant_id=offer.merchant_id, role=Membership.Role.CASHIER
    ).first()
    return membership.user if membership else make_cashier(offer.merchant)


def use(
    offer: Offer,
    buyer: User | None = None,
    *,
    vouchers: int = 1,
    days_ago: float = 0,
    store_id: int | None = None,
    ratings: list[int] | None = None,
) -> list[Voucher]:
    """`buyer` (a new customer by default) buys `vouchers` of the deal and uses
    them all at its first store (or `store_id`), `days_ago`; then reviews
    them with `ratings`, one per voucher, if given."""
    buyer = buyer or UserFactory()
    order = make_paid_order(buyer, offer, vouchers)
    store_id = store_id or offer.stores.order_by("pk").values_list("pk", flat=True)[0]
    used = list(order.vouchers.order_by("number"))
    cashier = cashier_of(offer)
    keys = [
        voucher_redeem(code=voucher.code, store_id=store_id, by=cashier).key for voucher in used
    ]
    if days_ago:
        Redemption.objects.filter(key__in=keys).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    for voucher, stars in zip(used, ratings or [], strict=False):
        review_create(user=buyer, voucher_id=voucher.pk, rating=stars, text="Verified visit")
    return used


def customers(offer: Offer, n: int, **kwargs: object) -> None:
    """n distinct customers each use one voucher of the deal."""
    for _ in range(n):
        use(offer, **kwargs)  # type: ignore[arg-type]


def reviews(offer: Offer, ratings: list[int]) -> None:
    """The ratings, by customers who used the deal (up to 50 vouchers an
    order). The vouchers are bought and used through the services; their
    reviews are written in bulk, as review_create would write them (it also
    moves the deal's rating, which rankings do not read): hundreds of
    reviews through the service take seconds."""
    for start in range(0, len(ratings), 50):
        batch = ratings[start : start + 50]
        vouchers = use(offer, vouchers=len(batch))
        Review.objects.bulk_create(
            Review(
                voucher=voucher,
                user_id=voucher.user_id,
                offer=offer,
                merchant_id=offer.merchant_id,
                rating=stars,
                text="Verified visit",
            )
            for voucher, stars in zip(vouchers, batch, strict=True)
        )
