"""Consumer pages for discovery: home, lists, the offer page, merchant pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from merchants.models import Category, City, Merchant
from merchants.selectors import default_city
from reviews.selectors import reviews_for_merchant, reviews_for_offer

from . import selectors, services
from .models import Offer

PAGE_SIZE = 20


def current_city(request: HttpRequest) -> City | None:
    slug = request.session.get("city")
    city = City.objects.filter(slug=slug).first() if slug else None
    return city or default_city()


def home(request: HttpRequest) -> HttpResponse:
    city = current_city(request)
    context = selectors.home(city=city)
    context["city"] = city
    return render(request, "offers/home.html", context)


def choose_city(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    city = get_object_or_404(City, slug=slug)
    request.session["city"] = city.slug
    request.session["city_name"] = city.name
    return redirect("offers:home")


def offer_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    params = request.GET.copy()
    category = None
    if slug is not None:
        category = get_object_or_404(Category, slug=slug)
        params.setdefault("category", category.slug)
    city = current_city(request)
    offer_filter = selectors.offer_list(params=params, city=city)
    offers = offer_filter.qs if offer_filter.is_valid() else Offer.objects.none()
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "offers/list.html",
        {
            "filter": offer_filter,
            "page": page,
            "category": category,
            "city": city,
            "query": request.GET.get("q", ""),
            # On a phone the filters fold away unless some are in use.
            "filters_open": any(
                value for key, value in request.GET.items() if key not in ("q", "page")
            ),
        },
    )


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = selectors.offer_detail(offer_id=pk, user=request.user)  # type: ignore[arg-type]
    except Offer.DoesNotExist:
        raise Http404 from None
    services.offer_record_view(offer_id=offer.pk)
    reviews = list(reviews_for_offer(offer)[:20])
    return render(
        request,
        "offers/detail.html",
        {
            "offer": offer,
            "stores": list(offer.stores.all()),
            "images": list(offer.images.all()),
            "reviews": reviews,
            "can_buy": offer.is_live and offer.merchant.is_approved and not offer.is_sold_out,
        },
    )


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
