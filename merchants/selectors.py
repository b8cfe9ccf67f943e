"""Reads of places, merchants, stores and staff."""

import re

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from o2o.cache import softly

from .models import BusinessArea, Category, City, District, Membership, Merchant, Store


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


# --- Places ------------------------------------------------------------------
# Every page's header names the shopper's city and offers the others, so the
# cities are read from the cache (a handful of rows, each with its names in
# every language: `.name` still reads the request's language). Saving or
# deleting a city forgets them (merchants.apps); another process's copy lives
# at most CITIES_SECONDS.
CITIES_KEY = "places:cities"
CITIES_SECONDS = 300


def cities() -> list[City]:
    """Every city, in the order the switcher shows them."""
    found = softly(cache.get, CITIES_KEY)
    if found is None:
        found = list(City.objects.order_by("position", "slug"))
        softly(cache.set, CITIES_KEY, found, CITIES_SECONDS)
    return list(found)


def forget_cities(**kwargs: object) -> None:
    """A city changed: the next read asks the database (a post_save/post_delete receiver)."""
    softly(cache.delete, CITIES_KEY)


def city_by_slug(slug: object) -> City | None:
    """The city with this slug, or None (anything that is not one of the
    slugs, however long or odd, is simply not found: no query is made)."""
    if not isinstance(slug, str) or not slug:
        return None
    return next((city for city in cities() if city.slug == slug), None)


def default_city() -> City | None:
    """The city a visitor who chose none browses: the first one made."""
    return min(cities(), key=lambda city: city.pk, default=None)


def chosen_city(
    *, requested: object = None, remembered: object = None, user: User | None = None
) -> City | None:
    """The one rule for which city a request browses, first match wins:

    1. `requested`: the request's own choice (`?city=` on a page or the API),
       for that request only;
    2. `remembered`: the city chosen earlier in this session;
    3. the signed-in user's city (`User.city_slug`, kept across sessions);
    4. the default city.

    A slug that names no city (a stale link, a deleted city) is passed over.
    """
    user_city = getattr(user, "city_slug", None) if user and user.is_authenticated else None
    for slug in (requested, remembered, user_city):
        city = city_by_slug(slug)
        if city is not None:
            return city
    return default_city()


def districts_of(city: City) -> QuerySet[District]:
    return District.objects.filter(city=city).order_by("slug")


def business_areas_of(city: City) -> QuerySet[BusinessArea]:
    """The city's business areas (商圈), by district, with their district."""
    return (
        BusinessArea.objects.filter(city=city)
        .select_related("district")
        .order_by("district__slug", "slug")
    )


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def business_area(*, city: City, slug: object) -> BusinessArea | None:
    """The city's business area with this slug, or None (a value that cannot
    be a slug is not looked up at all)."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        return None
    return business_areas_of(city).filter(slug=slug).first()


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("position", "slug")
