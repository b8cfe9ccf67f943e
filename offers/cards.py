"""Deal cards: how every list shows a deal (home, lists, nearby, merchant
pages, rankings, favourites), rendered once per deal and language and kept.

A card is kept under the catalogue's version (o2o.pagecache: any change to a
deal, merchant, store, category or review) with the values of the deal's own
row it shows (title, price, stock, sales, rating...), so a purchase or a new
rating re-renders that one card and nothing else. A page of twenty cards is
one round trip to the cache; only the missing cards need their merchant,
category and stores, fetched for them alone, and their template rendered.

The distance to the visitor ("850 m") is the one part that differs between
requests: a slot in the kept card, filled on each request.
"""

from collections.abc import Sequence

from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from merchants.models import Store
from o2o import pagecache

from .models import Offer

TEMPLATE = "partials/offer_card.html"
DISTANCE_TEMPLATE = "partials/offer_distance.html"
DISTANCE_SLOT = "<!--distance-->"

# The deal's own columns a card shows: a change to any of them is a new card.
SHOWN = (
    "title",
    "image",
    "image_card",
    "price",
    "list_price",
    "currency",
    "stock",
    "stock_left",
    "sold_count",
    "rating",
    "rating_count",
    "merchant_id",
    "category_id",
)

# What a card shows of other rows, fetched for the cards not kept.
RELATED = (
    "merchant",
    "category",
    Prefetch("stores", queryset=Store.objects.select_related("district").order_by("pk")),
)


def _shown(offer: Offer) -> tuple[str, ...]:
    return tuple(str(getattr(offer, name)) for name in SHOWN)


def _distance(offer: Offer, card: str) -> SafeString:
    metres = getattr(offer, "distance_m", None)
    shown = "" if metres is None else get_template(DISTANCE_TEMPLATE).render({"metres": metres})
    return mark_safe(card.replace(DISTANCE_SLOT, shown, 1))  # noqa: S308 (our own templates)


def cards(offers: Sequence[Offer]) -> list[SafeString]:
    """The cards of `offers`, in their order, in the active language."""
    if not offers:
        return []
    language = get_language() or ""
    keys = [f"card:{language}:{offer.pk}" for offer in offers]
    version, kept = pagecache.fragments(keys)
    html: dict[str, str] = {}
    missing: list[tuple[str, Offer]] = []
    for key, offer in zip(keys, offers, strict=True):
        entry = kept.get(key)
        if entry is not None and entry[0] == _shown(offer):
            html[key] = entry[1]
        else:
            missing.append((key, offer))
    if missing:
        prefetch_related_objects([offer for _, offer in missing], *RELATED)
        template = get_template(TEMPLATE)
        fresh = {}
        for key, offer in missing:
            html[key] = template.render({"offer": offer, "distance": DISTANCE_SLOT})
            fresh[key] = (_shown(offer), html[key])
        pagecache.keep_fragments(version, fresh)
    return [_distance(offer, html[key]) for key, offer in zip(keys, offers, strict=True)]
