"""schema.org structured data (JSON-LD) for the deal and merchant pages:
a deal is a `Product` with its `Offer`, a merchant a `LocalBusiness` (or a
more specific type by category). Built from the objects the page has loaded
already (no query of its own: the deal page's head is a cached fragment).

The block is data, not script: browsers never run `application/ld+json`,
so the Content-Security-Policy has nothing to allow. What merchants write
goes into it, so `<`, `>` and `&` are written as \\u escapes, as Django's
json_script does: a title holding `</script>` cannot end the element.
"""

import json
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from merchants.models import City, Merchant, Store
from offers.models import Offer

SCHEMA = "https://schema.org"

# The most specific schema.org type of a merchant, by its category's slug;
# others are plain LocalBusiness.
BUSINESS_TYPES = {
    "hotpot": "Restaurant",
    "western": "Restaurant",
    "restaurant": "Restaurant",
    "food": "Restaurant",
    "coffee": "CafeOrCoffeeShop",
    "beauty": "BeautySalon",
    "hair": "HairSalon",
    "spa": "DaySpa",
    "fitness": "ExerciseGym",
    "cinema": "MovieTheater",
    "carwash": "AutoWash",
    "laundry": "DryCleaningOrLaundry",
}

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script_tag(data: dict[str, Any]) -> SafeString:
    """`<script type="application/ld+json">` holding `data`, safe to put in HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        SafeString(text.translate(_ESCAPES)),
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _rating(count: int, value: Decimal) -> dict[str, Any] | None:
    if not count:
        return None
    return {
        "@type": "AggregateRating",
        "ratingValue": f"{value:.1f}",
        "ratingCount": count,
        "bestRating": 5,
        "worstRating": 1,
    }


def _address(store: Store, city: City) -> dict[str, Any]:
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "streetAddress": store.address,
        "addressLocality": city.name,
    }
    if Store.district.is_cached(store):  # loaded with the store on both pages
        address["addressRegion"] = store.district.name
    return address


def _place(store: Store, city: City) -> dict[str, Any]:
    return {"@type": "Place", "name": store.name, "address": _address(store, city)}


def availability(offer: Offer, *, now: datetime | None = None) -> str:
    """The offer's schema.org ItemAvailability, as its page says it."""
    now = now or timezone.now()
    if offer.status == Offer.Status.ENDED or (offer.sale_ends_at and offer.sale_ends_at <= now):
        state = "Discontinued"
    elif offer.is_sold_out:
        state = "SoldOut"
    elif not (offer.is_live and offer.merchant.is_approved):
        state = "OutOfStock"  # paused or waiting: seen only in a staff preview
    elif offer.sale_starts_at and offer.sale_starts_at > now:
        state = "PreSale"
    else:
        state = "InStock"
    return f"{SCHEMA}/{state}"


def offer_jsonld(
    offer: Offer,
    *,
    stores: Sequence[Store],
    images: Sequence[str],
    url: str,
    merchant_url: str,
) -> dict[str, Any]:
    """A deal as a schema.org Product sold through one Offer. `images` are
    absolute addresses; `stores` the ones the voucher is usable at."""
    merchant = offer.merchant
    sale: dict[str, Any] = {
        "@type": "Offer",
        "url": url,
        "price": _money(offer.price),
        "priceCurrency": offer.currency,
        "availability": availability(offer),
        "seller": {"@type": "Organization", "name": merchant.name, "url": merchant_url},
    }
    valid_from = offer.sale_starts_at or offer.published_at
    if valid_from:
        sale["validFrom"] = valid_from.isoformat()
    if offer.sale_ends_at:
        sale["priceValidUntil"] = timezone.localdate(offer.sale_ends_at).isoformat()
    if offer.stock_left is not None:
        sale["inventoryLevel"] = {"@type": "QuantitativeValue", "value": offer.stock_left}
    if stores:
        sale["availableAtOrFrom"] = [_place(store, merchant.city) for store in stores]
    product: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": offer.title,
        "description": offer.summary or offer.description[:500] or offer.title,
        "sku": str(offer.pk),
        "url": url,
        "category": offer.category.name,
        "brand": {"@type": "Brand", "name": merchant.name},
        "offers": sale,
    }
    if images:
        product["image"] = list(images)
    rating = _rating(offer.rating_count, offer.rating)
    if rating:
        product["aggregateRating"] = rating
    return product


def merchant_jsonld(
    merchant: Merchant,
    *,
    stores: Sequence[Store],
    url: str,
    image: str | None = None,
) -> dict[str, Any]:
    """A merchant as a schema.org LocalBusiness at its main store (the first
    open one): address, position, telephone and opening hours from there;
    an Organization while it has no open store."""
    main = stores[0] if stores else None
    business: dict[str, Any] = {
        "@context": SCHEMA,
        # Without an open store there is no place to describe: an Organization.
        "@type": BUSINESS_TYPES.get(merchant.category.slug, "LocalBusiness")
        if main
        else "Organization",
        "name": merchant.name,
        "url": url,
    }
    if merchant.description:
        business["description"] = merchant.description[:500]
    if image:
        business["image"] = image
    telephone = merchant.phone or (main.phone if main else "")
    if telephone:
        business["telephone"] = telephone
    if main is not None:
        business["address"] = _address(main, merchant.city)
        business["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(main.latitude),
            "longitude": float(main.longitude),
        }
        hours = opening_hours(main.hours)
        if hours:
            business["openingHoursSpecification"] = hours
    rating = _rating(merchant.rating_count, merchant.rating)
    if rating:
        business["aggregateRating"] = rating
    return business


# --- opening hours -------------------------------------------------------------

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_DAY = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_ZH_DAY = r"(?:周|星期|礼拜)[一二三四五六日天七]"
_DAY = f"(?:{_EN_DAY}|{_ZH_DAY})"
_TO = r"\s*(?:[-–—~～至到]|to)\s*"
_TIME = r"(\d{1,2})\s*[:：.]\s*(\d{2})"
_TOKEN = re.compile(
    "|".join(
        (
            rf"(?P<times>{_TIME}{_TO}{_TIME})",
            r"(?P<allday>24\s*(?:hours|hrs|h|小时)|24/7|全天|open 24 hours)",
            r"(?P<everyday>daily|every\s*day|everyday|每天|每日|天天|全周)",
            rf"(?P<days>{_DAY}(?:{_TO}{_DAY})?)",
            r"(?P<sep>[\s,，、;；/&:：]+|and|open|营业)",
        )
    ),
    re.IGNORECASE,
)
_ZH_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}


def _day_index(word: str) -> int:
    word = word.strip().lower()
    if word[-1] in _ZH_INDEX and not word.isascii():
        return _ZH_INDEX[word[-1]]
    return [day[:3].lower() for day in _DAYS].index(word[:3])


def _day_range(text: str) -> list[int]:
    ends = re.split(_TO, text, maxsplit=1, flags=re.IGNORECASE)
    first = _day_index(ends[0])
    last = _day_index(ends[1]) if len(ends) > 1 else first
    span = (last - first) % 7
    return [(first + i) % 7 for i in range(span + 1)]


def _clock(hours: str, minutes: str, *, closing: bool) -> str | None:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not closing)):
        return None
    return "23:59" if h == 24 else f"{h:02d}:{m:02d}"


def opening_hours(text: str) -> list[dict[str, Any]] | None:
    """A store's hours as schema.org OpeningHoursSpecification, from the
    forms people write: "10:00–22:00", "10:00-14:00, 17:00-22:00",
    "Mon–Fri 10:00–22:00; Sat–Sun 09:00–23:00", "周一至周五 10:00-22:00",
    "24 hours". None when any part of it is not understood (structured
    data that is wrong is worse than none). Closing before opening means
    past midnight, as schema.org reads it."""
    text = (text or "").strip()
    if not text or len(text) > 200:
        return None
    groups: list[tuple[tuple[int, ...], str, str]] = []
    days: list[int] | None = None
    days_used = False
    position = 0
    for token in _TOKEN.finditer(text):
        if token.start() != position:
            return None  # something between the tokens we do not read
        position = token.end()
        kind = token.lastgroup
        if kind == "days" or kind == "everyday":
            new = _day_range(token.group("days")) if kind == "days" else list(range(7))
            # "Mon, Wed 10:00-..." lists days; days after hours start a new group.
            days = new if days is None or days_used else sorted({*days, *new})
            days_used = False
        elif kind in ("times", "allday"):
            if kind == "allday":
                opens, closes = "00:00", "23:59"
            else:
                h1, m1, h2, m2 = (token.group(i) for i in range(2, 6))
                opens_at = _clock(h1, m1, closing=False)
                closes_at = _clock(h2, m2, closing=True)
                if opens_at is None or closes_at is None or opens_at == closes_at:
                    return None
                opens, closes = opens_at, closes_at
            groups.append((tuple(days if days is not None else range(7)), opens, closes))
            days_used = True
    if position != len(text) or not groups or (days is not None and not days_used):
        return None
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"{SCHEMA}/{_DAYS[day]}" for day in day_list],
            "opens": opens,
            "closes": closes,
        }
        for day_list, opens, closes in groups
    ]
