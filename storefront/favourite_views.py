"""My favourites: the deals and merchants a shopper saved, each removable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.errors import DomainError
from o2o.http import refusal_page
from offers import selectors, services


@login_required
def favourites(request: HttpRequest) -> HttpResponse:
    saved = list(selectors.favourites_for_user(request.user))  # type: ignore[arg-type]
    return render(
        request,
        "offers/favourites.html",
        {
            "deals": [f for f in saved if f.offer_id is not None],
            "merchants": [f for f in saved if f.merchant_id is not None],
        },
    )


@login_required
@require_POST
def favourite_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.favourite_remove(user=request.user, favourite_id=pk)  # type: ignore[arg-type]
    except DomainError as err:  # not one of yours (or removed already)
        return refusal_page(request, err, back="offers:favourites")
    messages.info(request, _("Removed from your favourites."))
    return redirect("offers:favourites")
