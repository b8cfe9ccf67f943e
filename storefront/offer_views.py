"""Consumer pages for discovery: home, lists, the offer page, merchant pages.

They show offers with their merchants' reviews, so they live above both apps.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merchants.models import Category, City, Merchant
from merchants.selectors import default_city
from o2o import pagecache
from offers import search, selectors, services
from offers.models import Offer
from reviews.selectors import reviews_for_merchant, reviews_for_offer

PAGE_SIZE = 20


def current_city(request: HttpRequest) -> City | None:
    slug = request.session.get("city")
    city = City.objects.filter(slug=slug).first() if slug else None
    return city or default_city()


def _page(
    request: HttpRequest,
    page: str,
    template: str,
    build: Callable[[], dict[str, Any] | None],
    *,
    offer_id: int | None = None,
) -> HttpResponse:
    """The page from cached fragments, built (and kept) when missing or
    stale; 404 when `build` finds nothing to show.

    An anonymous visitor with no messages waiting sees exactly what every
    other one does, except the CSRF token: their whole page is kept too, and
    served with their token put in its slot.
    """
    anonymous = not request.user.is_authenticated and not len(messages.get_messages(request))
    found = pagecache.lookup(request, page, offer_id=offer_id, whole_page=anonymous)
    if found.html is not None:
        return HttpResponse(found.html.replace(pagecache.CSRF_SLOT, get_token(request)))
    parts, cacheable = found.parts, True
    if parts is None:
        parts = build()
        if parts is None:
            raise Http404
        # Previews of deals not on sale, shown to their staff, stay private;
        # so do refusals (a 400 for filters that cannot be used).
        cacheable = parts.pop("cacheable", True)
        if cacheable:
            found.keep(parts)
    if anonymous and cacheable:
        html = render_to_string(template, {**parts, "csrf_token": pagecache.CSRF_SLOT}, request)
        found.keep_page(html)
        return HttpResponse(html.replace(pagecache.CSRF_SLOT, get_token(request)))
    status = parts.pop("status", 200)
    return render(request, template, parts, status=status)


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


def choose_city(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    city = get_object_or_404(City, slug=slug)
    request.session["city"] = city.slug
    request.session["city_name"] = city.name
    return redirect("offers:home")


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
        page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.get("q", "")
        search_help = None
        if valid and query:
            found = page.paginator.count > 0
            search.record_search(request, query, found=found)
            if not found:
                search_help = search.empty_search_help(query, offers=offer_filter.queryset)
        context = {
            "filter": offer_filter,
            "page": page,
            "category": category,
            "city": city,
            "query": query,
            "search_help": search_help,
            # On a phone the filters fold away unless some are in use.
            "filters_open": any(
                value for key, value in request.GET.items() if key not in ("q", "page")
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

    return _page(request, "list", "offers/list.html", build)


USER_ACTIONS = "<!--user-actions-->"


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    def build() -> dict[str, Any] | None:
        try:
            offer = selectors.offer_detail(offer_id=pk, user=request.user)  # type: ignore[arg-type]
        except Offer.DoesNotExist:
            return None
        context = {
            "offer": offer,
            "stores": list(offer.stores.all()),
            "images": list(offer.images.all()),
            "reviews": list(reviews_for_offer(offer)[:20]),
            "can_buy": offer.is_live and offer.merchant.is_approved and not offer.is_sold_out,
        }
        body = render_to_string("offers/_detail_body.html", context, request)
        top, bottom = body.split(USER_ACTIONS, 1)
        return {
            "offer_id": offer.pk,
            "title": f"{offer.title} · {offer.merchant.name}",
            "description": render_to_string("offers/_detail_description.html", context, request),
            "head": render_to_string("offers/_detail_head.html", context, request),
            "body_top": top,
            "body_bottom": bottom,
            "can_favourite": offer.is_live,
            "cacheable": offer.merchant.is_approved
            and offer.status in (Offer.Status.LIVE, Offer.Status.ENDED),
        }

    response = _page(request, "offer", "offers/detail.html", build, offer_id=pk)
    services.offer_record_view(offer_id=pk)
    return response


def merchant_page(request: HttpRequest, slug: str) -> HttpResponse:
    merchant = get_object_or_404(
        Merchant.objects.select_related("category", "city"),
        slug=slug,
        status=Merchant.Status.APPROVED,
    )
    return render(
        request,
        "offers/merchant.html",
        {
            "merchant": merchant,
            "stores": list(merchant.stores.filter(is_active=True).select_related("district")),
            "offers": list(selectors.merchant_offers(merchant=merchant)),
            "reviews": list(reviews_for_merchant(merchant)[:20]),
        },
    )


@login_required
@require_POST
def favourite(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    offer = get_object_or_404(selectors.visible_offers(), pk=pk)
    services.favourite_toggle(user=request.user, offer=offer)  # type: ignore[arg-type]
    return redirect("offers:detail", pk=offer.pk)
