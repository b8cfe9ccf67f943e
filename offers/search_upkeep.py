"""The search index kept current: whenever a deal, its merchant, its stores
(and which stores it has), its category, a district or a business area is
saved or deleted, the documents of the deals concerned are written again,
in the same transaction as the change (offers.search.index_offers), so the
next request finds the deal by its new words and no longer by its old ones.

Django's model signals catch every save, from the services and the admin
alike. Bulk writes that send none (QuerySet.update, bulk_create: the
counters, the benchmark's data) change nothing searched, or are followed by
`manage.py rebuild_search_index`.
"""

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from merchants.models import BusinessArea, Category, District, Merchant, Store

from . import search
from .models import Offer

# An offer saved with only other fields (its image, its view count) keeps its words.
OFFER_FIELDS = frozenset({"title", "summary", "category", "merchant", "status"})
MERCHANT_FIELDS = frozenset({"name", "status"})
STORE_FIELDS = frozenset({"district", "business_area", "is_active"})


def _touches(kwargs: dict[str, Any], fields: frozenset[str]) -> bool:
    if kwargs.get("raw"):  # loaddata: rebuild_search_index afterwards
        return False
    update_fields = kwargs.get("update_fields")
    return update_fields is None or bool(fields & set(update_fields))


def _ids(offers: Any) -> list[int]:
    return list(offers.values_list("pk", flat=True).distinct())


def offer_saved(sender: Any, instance: Offer, **kwargs: Any) -> None:
    if _touches(kwargs, OFFER_FIELDS):
        search.index_offers([instance.pk])


def offer_deleting(sender: Any, instance: Offer, **kwargs: Any) -> None:
    search.unindex_offers([instance.pk])


def stores_changed(sender: Any, instance: Model, action: str, reverse: bool, **kwargs: Any) -> None:
    """Offer.stores changed, from either side (offer.stores.set(...) or
    store.offers.add(...))."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            search.index_offers([instance.pk])
        return
    if action == "pre_clear":  # the offers are known only before they go
        instance._search_offer_ids = _ids(instance.offers.all())  # type: ignore[attr-defined]
    elif action in ("post_add", "post_remove"):
        search.index_offers(kwargs.get("pk_set") or ())
    elif action == "post_clear":
        search.index_offers(getattr(instance, "_search_offer_ids", ()))


def merchant_saved(sender: Any, instance: Merchant, **kwargs: Any) -> None:
    if not kwargs.get("created") and _touches(kwargs, MERCHANT_FIELDS):
        search.index_offers(_ids(Offer.objects.filter(merchant_id=instance.pk)))


def store_saved(sender: Any, instance: Store, **kwargs: Any) -> None:
    if not kwargs.get("created") and _touches(kwargs, STORE_FIELDS):
        search.index_offers(_ids(Offer.objects.filter(stores=instance.pk)))


def _remember_offers(instance: Model, offers: Any) -> None:
    instance._search_offer_ids = _ids(offers)  # type: ignore[attr-defined]


def store_deleting(sender: Any, instance: Store, **kwargs: Any) -> None:
    _remember_offers(instance, Offer.objects.filter(stores=instance.pk))


def place_saved(sender: Any, instance: Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    search.places_changed()
    if kwargs.get("created"):
        return  # no deal is there yet
    if isinstance(instance, Category):
        offers = Offer.objects.filter(category_id=instance.pk)
    elif isinstance(instance, District):
        offers = Offer.objects.filter(stores__district_id=instance.pk)
    else:
        offers = Offer.objects.filter(stores__business_area_id=instance.pk)
    search.index_offers(_ids(offers))


def area_deleting(sender: Any, instance: BusinessArea, **kwargs: Any) -> None:
    # Its stores' business_area is set to NULL by an UPDATE that sends no signal.
    _remember_offers(instance, Offer.objects.filter(stores__business_area_id=instance.pk))


def deleted(sender: Any, instance: Model, **kwargs: Any) -> None:
    if not isinstance(instance, Store):
        search.places_changed()
    search.index_offers(getattr(instance, "_search_offer_ids", ()))


def connect() -> None:
    def on(signal: Any, receiver: Any, model: type[Model], name: str) -> None:
        signal.connect(receiver, sender=model, dispatch_uid=f"search-{name}-{model.__name__}")

    on(post_save, offer_saved, Offer, "save")
    on(pre_delete, offer_deleting, Offer, "delete")
    on(m2m_changed, stores_changed, Offer.stores.through, "stores")
    on(post_save, merchant_saved, Merchant, "save")
    on(post_save, store_saved, Store, "save")
    on(pre_delete, store_deleting, Store, "deleting")
    on(post_delete, deleted, Store, "deleted")
    for model in (Category, District, BusinessArea):
        on(post_save, place_saved, model, "save")
        on(post_delete, deleted, model, "deleted")
    on(pre_delete, area_deleting, BusinessArea, "deleting")
