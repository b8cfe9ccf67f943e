"""The rankings (榜单) pages: the city's rankings at a glance, and one page
per ranking, narrowed by category and district. Computed by rankings.tasks;
read here with what the cards show in a fixed number of queries."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from merchants.models import City
from rankings import selectors
from rankings.forms import RankingFilterForm

from .offer_views import current_city

# Deals shown per ranking on the overview (a row of cards on a wide screen,
# two rows of two on a phone).
PREVIEW = 4


def _rankings_page(
    request: HttpRequest,
    template: str,
    kinds: tuple[str, ...],
    city: City | None,
    **context: Any,
) -> HttpResponse:
    """The page for the shopper's city and the filters asked for, with the
    rankings of `kinds` (at most `limit` deals each); 400 with the form's
    errors for filters that cannot be used."""
    limit = context.pop("limit", None)
    form = RankingFilterForm(request.GET, city=city)
    valid = form.is_valid()
    category = form.cleaned_data.get("category") if valid else None
    district = form.cleaned_data.get("district") if valid else None
    lists = []
    if city is not None and valid:
        lists = selectors.rankings(
            city=city, kinds=kinds, category=category, district=district, limit=limit
        )
    context.update(
        city=city,
        category=category,
        district=district,
        form=form,
        lists=lists,
        all_kinds=[(kind, selectors.label(kind)) for kind in selectors.KINDS],
        # The filters, kept in the links between the tabs.
        query=request.GET.urlencode() if valid else "",
        filters_open=bool(category or district or not valid),
    )
    return render(request, template, context, status=200 if valid else 400)


def rankings_home(request: HttpRequest) -> HttpResponse:
    city = current_city(request)
    title = _("Rankings in %(city)s") % {"city": city} if city else _("Rankings")
    return _rankings_page(
        request, "rankings/index.html", selectors.KINDS, city, title=title, limit=PREVIEW
    )


def ranking_detail(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in selectors.KINDS:
        raise Http404
    city = current_city(request)
    label = selectors.label(kind)
    title = _("%(ranking)s in %(city)s") % {"ranking": label, "city": city} if city else label
    return _rankings_page(request, "rankings/detail.html", (kind,), city, kind=kind, title=title)
