"""Reads of merchants, stores and staff."""

from django.db.models import QuerySet

from accounts.models import User

from .models import City, Membership, Merchant, Store


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user.pk)
        .select_related("merchant")
        .prefetch_related("stores")
        .order_by("merchant__name")
    )


def stores_for_member(membership: Membership) -> list[Store]:
    """The stores a member may act at: their assigned ones, or all the merchant's."""
    assigned = list(membership.stores.all())
    if assigned:
        return assigned
    return list(membership.merchant.stores.filter(is_active=True).select_related("district"))


def visible_merchants() -> QuerySet[Merchant]:
    return Merchant.objects.filter(status=Merchant.Status.APPROVED)


def top_rated_merchants(*, city: City | None, limit: int = 8) -> QuerySet[Merchant]:
    qs = visible_merchants().filter(rating_count__gt=0).select_related("category")
    if city is not None:
        qs = qs.filter(city=city)
    return qs.order_by("-rating", "-rating_count", "pk")[:limit]


def default_city() -> City | None:
    return City.objects.order_by("pk").first()
