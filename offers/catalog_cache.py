"""Cached catalogue pages go stale when what they show changes (o2o.pagecache).

Signals catch every save, from the services and from the admin alike;
changes made with UPDATE (stock, ratings, cover images) bump the versions
in the services that make them. Reviews, shown on the same pages, are
connected by the reviews app (reviews.apps), which sits above this one.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from merchants.models import Category, City, District, Merchant, Store
from o2o import pagecache

from .models import Offer, OfferImage

SHOWN_ON_CATALOGUE_PAGES = (
    Offer,
    OfferImage,
    Merchant,
    Store,
    Category,
    City,
    District,
)


def catalog_changed(sender: Any, **kwargs: Any) -> None:
    """A receiver of post_save/post_delete: any model shown on the pages."""
    if kwargs.get("raw"):  # loaddata
        return
    pagecache.catalog_changed()


def connect(models: tuple[Any, ...] = SHOWN_ON_CATALOGUE_PAGES) -> None:
    for model in models:
        post_save.connect(catalog_changed, sender=model, dispatch_uid=f"pagecache-{model.__name__}")
        post_delete.connect(
            catalog_changed, sender=model, dispatch_uid=f"pagecache-del-{model.__name__}"
        )
    if Offer in models:
        m2m_changed.connect(
            catalog_changed, sender=Offer.stores.through, dispatch_uid="pagecache-stores"
        )
