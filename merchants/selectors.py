"""Reads of merchants, stores and staff."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User

from .models import City, Membership, Merchant, Store


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user.pk)
        .select_related("merchant")
        .prefetch_related("stores")
        .order_by("merchant__name")
    )


def works_at(store: int | OuterRef) -> Q:
    """Where a member may act, as a filter on memberships: at `store` (an id,
    or an OuterRef to one) when it is a store of their merchant and they are
    assigned to it or to no store at all (an owner, or a cashier of every
    branch).

    The one statement of the rule for redeeming (through staff_at_store),
    undoing and the lists of redemptions.
    """
    # One filter() on `stores`: a single LEFT JOIN, where a member assigned
    # to no store has one row whose store is NULL.
    return Q(merchant__stores=store) & (Q(stores=None) | Q(stores=store))


def is_staff_of(user_id: int, merchant: OuterRef) -> Exists:
    """Whether the user is on the staff of `merchant` (an OuterRef to its
    id), as an expression of the outer query: the one statement of it for
    the staff checks (stores here, vouchers in orders' redemption rules)."""
    return Exists(Membership.objects.filter(user_id=user_id, merchant_id=merchant))


def staff_at_store(user_id: int) -> dict[str, Exists]:
    """Annotations of a Store queryset: whether the user is staff of the
    store's merchant (`is_member`) and may act at this store (`works_here`,
    by works_at). Judged by merchants.services.require_staff."""
    mine = Membership.objects.filter(user_id=user_id)
    return {
        "is_member": is_staff_of(user_id, OuterRef("merchant_id")),
        "works_here": Exists(mine.filter(works_at(OuterRef("pk")))),
    }


def stores_member_works_at(membership: Membership) -> QuerySet[Store]:
    """The stores (open or not) where `membership` may act, by works_at."""
    return Store.objects.filter(
        Exists(Membership.objects.filter(pk=membership.pk).filter(works_at(OuterRef("pk"))))
    )


def works_at_every_store(membership: Membership) -> bool:
    """Assigned to no store, so works_at lets the member act at every store
    of the merchant. (Reads `stores` as memberships_for_user prefetched it.)"""
    return not membership.stores.all()


def stores_for_member(membership: Membership) -> list[Store]:
    """The open stores a member may redeem at: the choices of the redeem form and the API's /me/."""
    return list(
        stores_member_works_at(membership).filter(is_active=True).select_related("district")
    )


def visible_merchants() -> QuerySet[Merchant]:
    return Merchant.objects.filter(status=Merchant.Status.APPROVED)


def top_rated_merchants(*, city: City | None, limit: int = 8) -> QuerySet[Merchant]:
    qs = visible_merchants().filter(rating_count__gt=0).select_related("category")
    if city is not None:
        qs = qs.filter(city=city)
    return qs.order_by("-rating", "-rating_count", "pk")[:limit]


def default_city() -> City | None:
    return City.objects.order_by("pk").first()
