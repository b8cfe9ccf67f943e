"""Consumer pages for discovery: home, lists, the offer page, merchant pages.

They show offers with their merchants' reviews, so they live above both apps.
"""

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merchants.models import Category, City
from merchants.selectors import business_areas_of, city_by_slug, visible_merchants
from o2o import pagecache
from o2o.errors import DomainError
from o2o.http import safe_next
from o2o.paging import OneQueryPaginator
from offers import geo, search, selectors, services
from offers.filters import OfferFilter
from offers.models import Offer
from orders import selectors as order_selectors
from reviews.selectors import reviews_for_merchant, reviews_for_offer

from .cities import current_city, remember_city
from .coupon_views import campaign_terms

PAGE_SIZE = 20


def _page(
    request: HttpRequest,
    page: str,
    template: str,
    build: Callable[[], dict[str, Any] | None],
    *,
    offer_id: int | None = None,
    per_user: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    cache: bool = True,
) -> HttpResponse:
    """The page from cached fragments, built (and kept) when missing or
    stale; 404 when `build` finds nothing to show. `per_user` adds what only
    this signed-in user sees (never cached), from the page's parts.

    An anonymous visitor with no messages waiting sees exactly what every
    other one does, except the CSRF token: their whole page is kept too, and
    served with their token put in its slot. Fragments are kept per city
    (the one current_city decides); `cache=False` builds the page for this
    request alone and keeps nothing. Parts with `fresh_until` (a timestamp)
    are rebuilt from then on, and never kept as a whole page; parts with
    `countdown_to` get this request's time left put in (_countdown).
    """
    anonymous = not request.user.is_authenticated and not len(messages.get_messages(request))
    now = timezone.now().timestamp()
    if cache:
        city = current_city(request)
        found = pagecache.lookup(
            request,
            page,
            offer_id=offer_id,
            whole_page=anonymous,
            city=city.slug if city else "",
        )
    else:
        found = pagecache.Lookup(None, [], None)
    if found.html is not None:
        return HttpResponse(found.html.replace(pagecache.CSRF_SLOT, get_token(request)))
    parts, cacheable = found.parts, cache
    if parts is not None and parts.get("fresh_until", now + 1) <= now:
        parts = None  # it changes at a moment of its own (a coming deal's start)
    if parts is None:
        parts = build()
        if parts is None:
            raise Http404
        # Previews of deals not on sale, shown to their staff, stay private;
        # so do refusals (a 400 for filters that cannot be used).
        cacheable = parts.pop("cacheable", True) and cache
        if cacheable:
            found.keep(parts)
    if "countdown_to" in parts:
        parts = {**parts, **_countdown(parts, now)}
    elif anonymous and cacheable and "fresh_until" not in parts:
        html = render_to_string(template, {**parts, "csrf_token": pagecache.CSRF_SLOT}, request)
        found.keep_page(html)
        return HttpResponse(html.replace(pagecache.CSRF_SLOT, get_token(request)))
    status = parts.pop("status", 200)
    if per_user is not None and request.user.is_authenticated:
        parts = {**parts, **per_user(parts)}
    return render(request, template, parts, status=status)


# A coming deal's page is kept with these slots, filled on each request with
# the time left to its start (`countdown_to`, a timestamp); the page is kept
# until then only (`fresh_until`), so its buy button shows at the start.
SECONDS_SLOT = "<!--countdown-seconds-->"
CLOCK_SLOT = "<!--countdown-clock-->"


def _countdown(parts: dict[str, Any], now: float) -> dict[str, Any]:
    left = max(0, int(parts["countdown_to"] - now))
    clock = f"{left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d}"
    return {
        name: parts[name].replace(SECONDS_SLOT, str(left)).replace(CLOCK_SLOT, clock)
        for name in ("body_top", "body_bottom")
    }


def home(request: HttpRequest) -> HttpResponse:
    def build() -> dict[str, Any]:
        city = current_city(request)
        context = selectors.home(city=city)
        context["city"] = city
        return {
            "title": _("Deals in %(city)s") % {"city": city.name} if city else _("Local deals"),
            "body": render_to_string("offers/_home_body.html", context, request),
        }

    return _page(request, "home", "offers/home.html", build)


@require_POST
def choose_city(request: HttpRequest) -> HttpResponseRedirect:
    """The header's city switcher: remember the city (session, and account
    when signed in) and go back to the page, without its own ?city=, which
    would otherwise win over the choice just made."""
    city = city_by_slug(request.POST.get("city"))
    if city is None:
        messages.error(request, _("There is no such city here; choose one from the list."))
    else:
        remember_city(request, city)
    back = urlsplit(safe_next(request, "offers:home"))
    query = [(k, v) for k, v in parse_qsl(back.query, keep_blank_values=True) if k != "city"]
    return redirect(urlunsplit(back._replace(query=urlencode(query))))


def _has_position(request: HttpRequest) -> bool:
    return bool(request.GET.get("lat") or request.GET.get("lng"))


# The filters whose values the list offers as choices: a few hundred forms.
CHOICES = ("category", "district", "sort")
# Where a search's words go in a kept form: every search with the same
# filters shares one form, and each request puts its own words (escaped) in.
SEARCH_SLOT = "search-words-slot-5e2a91"


def filter_form(offer_filter: OfferFilter, city: City | None) -> str:
    """The list's form of filters and sorts, kept per language, city and the
    values chosen (o2o.pagecache): the same few hundred forms serve every
    page, sort and search of every list. A form with errors is rendered for
    its request alone."""
    if not offer_filter.is_valid():
        return render_to_string("offers/_filter_form.html", {"filter": offer_filter})
    data = offer_filter.form.data
    words = data.get("q") or ""
    chosen = sorted(
        (name, data.getlist(name))
        for name in offer_filter.form.fields
        if name in data and name != "q"
    )
    raw = repr((get_language(), city.slug if city else "", bool(words), chosen)).encode()
    key = f"filterform:{hashlib.blake2b(raw, digest_size=16).hexdigest()}"
    version, kept = pagecache.fragments([key])
    html = kept.get(key)
    if html is None:
        shown = offer_filter
        if words:
            slotted = data.copy()
            slotted["q"] = SEARCH_SLOT
            shown = OfferFilter(slotted, queryset=offer_filter.queryset, city=city)
        html = render_to_string("offers/_filter_form.html", {"filter": shown})
        # A form holding typed numbers or a position lives as long as a page;
        # one of the list's own choices (category, district, sort) longer.
        typed = any(name not in CHOICES for name, _values in chosen)
        pagecache.keep_fragments(
            version, {key: html}, **({"seconds": settings.PAGE_CACHE_SECONDS} if typed else {})
        )
    return str(html).replace(SEARCH_SLOT, escape(words))


def offer_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    def build() -> dict[str, Any]:
        params = request.GET.copy()
        category = None
        if slug is not None:
            category = get_object_or_404(Category, slug=slug)
            params.setdefault("category", category.slug)
        city = current_city(request)
        offer_filter = selectors.offer_list(params=params, city=city)
        valid = offer_filter.is_valid()
        offers = offer_filter.qs if valid else Offer.objects.none()
        page = OneQueryPaginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.get("q", "")
        search_help = None
        if valid and query:
            found = page.paginator.count > 0
            search.record_search(request, query, found=found)
            if not found:
                search_help = search.empty_search_help(query, offers=offer_filter.queryset)
        context = {
            "filter": offer_filter,
            "filter_form": mark_safe(filter_form(offer_filter, city)),  # noqa: S308 (our template)
            "page": page,
            "category": category,
            "city": city,
            "query": query,
            "search_help": search_help,
            # On a phone the filters fold away unless some are in use (the
            # language and the city of a link are not filters).
            "filters_open": any(
                value
                for key, value in request.GET.items()
                if key not in ("q", "page", "lang", "city")
            ),
        }
        if category:
            title = category.name
        elif query:
            title = _("“%(query)s”") % {"query": query}
        else:
            title = _("All deals")
        parts: dict[str, Any] = {
            "title": title,
            "body": render_to_string("offers/_list_body.html", context, request),
        }
        if not valid:  # the form says which filter and why
            parts.update(status=400, cacheable=False)
        return parts

    # A list measured from a position (?lat=&lng=) is built for its request
    # alone: kept, every point a phone sends would be one more cache entry.
    return _page(request, "list", "offers/list.html", build, cache=not _has_position(request))


# The distances the nearby page offers, in km; the first look uses the default.
NEARBY_RADII = (1, 3, 5, 10, 20, 50)
NEARBY_RADIUS_KM = 5


def _km(radius: float) -> float | int:
    return int(radius) if radius == int(radius) else radius


def nearby(request: HttpRequest) -> HttpResponse:
    """Deals nearest first, around the visitor's position ("near me": the
    browser's, sent as ?lat=&lng= by static/o2o/nearby.js) or a business
    area of the city (?area=, a plain select that works without script),
    within a radius, with a map of their nearest stores.

    A position is not tied to the city browsed (the radius bounds it); the
    areas offered are the city's.
    """
    city = current_city(request)

    def build() -> dict[str, Any]:
        areas = list(business_areas_of(city)) if city else []
        params = request.GET.copy()
        errors: list[str] = []
        area = None
        if params.get("area"):  # a choice in the select wins over an old position
            area = next((a for a in areas if a.slug == params["area"]), None)
            if area is None:
                errors.append(_("There is no such business area here; choose one from the list."))
            else:
                params["lat"], params["lng"] = str(area.latitude), str(area.longitude)
        located = not errors and bool(params.get("lat") or params.get("lng"))
        params.setdefault("radius_km", str(NEARBY_RADIUS_KM))
        params["sort"] = "distance"
        offer_filter = selectors.offer_list(params=params, city=None)
        page = None
        point = None
        if located and offer_filter.is_valid():
            point = offer_filter.position
        elif located:
            fields = offer_filter.form.fields
            errors += [
                f"{fields[name].label}: {error}" if name in fields else str(error)
                for name, field_errors in offer_filter.form.errors.items()
                for error in field_errors
            ]
        radius = offer_filter.form.cleaned_data.get("radius_km") if point else None
        if point is not None:
            offers = geo.with_nearest_stores(offer_filter.qs, point, radius_km=radius)
            page = OneQueryPaginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
        if area is not None:
            title = _("Deals near %(place)s") % {"place": area.name}
        elif point is not None:
            title = _("Deals near you")
        else:
            title = _("Nearby")
        context = {
            "title": title,
            "areas": areas,
            "area": area,
            "point": point if area is None else None,  # the visitor's own, sent back
            "here": point,
            "here_label": area.name if area else "",
            "radius": _km(radius or NEARBY_RADIUS_KM),
            "can_widen": (radius or NEARBY_RADIUS_KM) < geo.MAX_RADIUS_KM,
            # A distance asked for in the address is offered too, as chosen.
            "radii": sorted({*NEARBY_RADII, _km(radius or NEARBY_RADIUS_KM)}),
            "page": page,
            "errors": errors,
            "city": city,
        }
        parts: dict[str, Any] = {
            "title": title,
            "body": render_to_string("offers/_nearby_body.html", context, request),
        }
        if errors:
            parts.update(status=400, cacheable=False)
        return parts

    # Around a business area the page is kept like any list (the city has a
    # few dozen areas). Around a visitor's own position it is built for that
    # request alone: every point a phone sends would be one more cache entry.
    return _page(request, "nearby", "offers/nearby.html", build, cache=not _has_position(request))


USER_ACTIONS = "<!--user-actions-->"
# At most this many coupon campaigns on a deal page.
CAMPAIGNS_SHOWN = 4


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    def build() -> dict[str, Any] | None:
        try:
            offer = selectors.offer_detail(offer_id=pk, user=request.user)  # type: ignore[arg-type]
        except Offer.DoesNotExist:
            return None
        # on_sale and coming: the two rules (offers.selectors), read with the offer.
        coming = bool(offer.coming)  # type: ignore[attr-defined]
        context = {
            "offer": offer,
            "stores": list(offer.stores.all()),
            "images": list(offer.images.all()),
            "reviews": list(reviews_for_offer(offer)[:20]),
            "can_buy": bool(offer.on_sale) and not offer.is_sold_out,  # type: ignore[attr-defined]
            "coming": coming,
        }
        if coming:  # the time left is put in on each request (_countdown)
            context["starts_in_seconds"] = mark_safe(SECONDS_SLOT)  # noqa: S308 (our constant)
            context["starts_in"] = mark_safe(CLOCK_SLOT)  # noqa: S308 (our constant)
        body = render_to_string("offers/_detail_body.html", context, request)
        top, bottom = body.split(USER_ACTIONS, 1)
        # 领券: the coupons this deal takes that can be claimed, kept with the
        # page (what is left may lag a minute; claiming is the judge).
        campaigns = (
            order_selectors.claimable_campaigns(now=timezone.now(), offer=offer)[:CAMPAIGNS_SHOWN]
            if offer.is_live
            else []
        )
        parts: dict[str, Any] = {
            "offer_id": offer.pk,
            "title": f"{offer.title} · {offer.merchant.name}",
            "description": render_to_string("offers/_detail_description.html", context, request),
            "head": render_to_string("offers/_detail_head.html", context, request),
            "body_top": top,
            "body_bottom": bottom,
            # A coming deal is reminded of, not saved (saving takes deals on sale).
            "can_favourite": offer.is_live and not coming,
            "coming": coming,
            "campaigns": [
                {
                    "id": c.pk,
                    "title": c.title,
                    "terms": campaign_terms(c),
                    "left": c.coupons_left,  # type: ignore[attr-defined]
                }
                for c in campaigns
            ],
            "cacheable": offer.merchant.is_approved
            and offer.status in (Offer.Status.LIVE, Offer.Status.ENDED),
        }
        if coming and offer.sale_starts_at is not None:  # coming: it has a start
            # Kept until the start, and never as a whole page: the countdown
            # is this request's, and at the start the buy button shows.
            start = offer.sale_starts_at.timestamp()
            parts.update(countdown_to=start, fresh_until=start)
        return parts

    def saved(parts: dict[str, Any]) -> dict[str, Any]:
        mine: dict[str, Any] = {}
        if parts.get("can_favourite"):
            mine["saved"] = selectors.is_saved(request.user, offer_id=pk)  # type: ignore[arg-type]
        if parts.get("coming"):
            mine["reminded"] = selectors.is_reminded(request.user, offer_id=pk)  # type: ignore[arg-type]
        if parts.get("campaigns"):
            mine["claimed"] = order_selectors.campaigns_held(
                request.user,  # type: ignore[arg-type]
                [c["id"] for c in parts["campaigns"]],
                now=timezone.now(),
            )
        return mine

    response = _page(request, "offer", "offers/detail.html", build, offer_id=pk, per_user=saved)
    services.offer_record_view(offer_id=pk)
    return response


def merchant_page(request: HttpRequest, slug: str) -> HttpResponse:
    merchant = get_object_or_404(visible_merchants().select_related("category", "city"), slug=slug)
    return render(
        request,
        "offers/merchant.html",
        {
            "merchant": merchant,
            "stores": list(merchant.stores.filter(is_active=True).select_related("district")),
            "offers": list(selectors.merchant_offers(merchant=merchant)),
            "reviews": list(reviews_for_merchant(merchant)[:20]),
            "saved": selectors.is_saved(request.user, merchant_id=merchant.pk),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def favourite(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """The deal page's button: save the deal, or (`remove`) unsave it."""
    if request.POST.get("remove"):
        services.favourite_unsave(user=request.user, offer_id=pk)  # type: ignore[arg-type]
        messages.info(request, _("Removed from your favourites."))
        return redirect("offers:detail", pk=pk)
    offer = get_object_or_404(selectors.visible_offers(), pk=pk)
    services.favourite_save(user=request.user, offer_id=offer.pk)  # type: ignore[arg-type]
    messages.success(request, _("Saved to your favourites."))
    return redirect("offers:detail", pk=offer.pk)


@login_required
@require_POST
def merchant_favourite(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    """The merchant page's button: save the merchant, or (`remove`) unsave it."""
    merchant = get_object_or_404(visible_merchants(), slug=slug)
    if request.POST.get("remove"):
        services.favourite_unsave(user=request.user, merchant_id=merchant.pk)  # type: ignore[arg-type]
        messages.info(request, _("Removed from your favourites."))
    else:
        services.favourite_save(user=request.user, merchant_id=merchant.pk)  # type: ignore[arg-type]
        messages.success(request, _("Saved to your favourites."))
    return redirect("offers:merchant", slug=merchant.slug)


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """A coming deal's "Remind me" button, or (`remove`) its "Cancel reminder"."""
    if request.POST.get("remove"):
        services.reminder_unset(user=request.user, offer_id=pk)  # type: ignore[arg-type]
        messages.info(request, _("We will not remind you of this deal."))
        return redirect("offers:detail", pk=pk)
    try:
        services.reminder_set(user=request.user, offer_id=pk)  # type: ignore[arg-type]
    except DomainError as err:
        if err.status == 404:
            raise Http404 from err
        messages.error(request, str(err))
    else:
        messages.success(
            request, _("We will tell you in your inbox and by e-mail when this deal goes on sale.")
        )
    return redirect("offers:detail", pk=pk)
