"""The merchant dashboard: apply, offers, redeem, orders, redemptions, reviews.

Views compose selectors of several apps (a page shows what it needs), which
is why the dashboard sits above them all; every write goes through a service
that checks the user's membership and role.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from merchants import services
from merchants.forms import ApplyForm, RedeemForm, ReplyForm, StoreForm
from merchants.models import Membership, Merchant, Store
from merchants.selectors import memberships_for_user, stores_for_member, works_at_every_store
from o2o.errors import DomainError, NotFound
from o2o.http import parse_id, refusal_page, safe_next
from offers import services as offer_services
from offers.models import Offer
from orders import selectors as order_selectors
from orders import services as order_services
from orders.codes import format_code
from orders.throttle import record_redeem_failure
from payments.models import SettlementStatement
from payments.selectors import merchant_balance, statements_for_merchant
from payments.settlement import statement_csv as render_csv
from reviews import selectors as review_selectors
from reviews import services as review_services

from . import selectors as dashboard_selectors
from .forms import CampaignForm, OfferForm

SESSION_MERCHANT = "merchant_id"
SESSION_STORE = "redeem_store_id"


def _current_membership(request: HttpRequest) -> Membership | None:
    memberships = list(memberships_for_user(request.user))  # type: ignore[arg-type]
    if not memberships:
        return None
    chosen = request.session.get(SESSION_MERCHANT)
    for membership in memberships:
        if membership.merchant_id == chosen:
            return membership
    return memberships[0]


def staff_required(*, manage: bool = False, every_store: bool = False) -> Callable:  # type: ignore[type-arg]
    """Pages for merchant staff; `manage` pages for owners and managers only;
    `every_store` pages (the whole merchant's money, every store's voucher
    uses) for members not limited to some stores."""

    def decorator(view: Callable) -> Callable:  # type: ignore[type-arg]
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = _current_membership(request)
            if membership is None:
                return redirect("merchants:apply")
            limited = every_store and not works_at_every_store(membership)
            if (manage and not membership.can_manage) or limited:
                return render(
                    request,
                    "merchants/forbidden.html",
                    {
                        "membership": membership,
                        "merchant": membership.merchant,
                        "limited_to_stores": limited,
                    },
                    status=403,
                )
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return {
        "membership": membership,
        "merchant": membership.merchant,
        "works_at_every_store": works_at_every_store(membership),
        "memberships": memberships_for_user(request.user),  # type: ignore[arg-type]
        **extra,
    }


def _form_page(request: HttpRequest, template: str, form: Any, **extra: Any) -> HttpResponse:
    """A dashboard form page; 400 when it is shown again with errors."""
    return render(
        request, template, _ctx(request, form=form, **extra), status=400 if form.errors else 200
    )


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    return render(
        request,
        "merchants/dashboard.html",
        _ctx(
            request,
            summary=dashboard_selectors.merchant_summary(merchant),
            funnel=list(dashboard_selectors.offer_funnel(merchant)),
            section="dashboard",
        ),
    )


@login_required
@require_POST
def switch_merchant(request: HttpRequest) -> HttpResponse:
    merchant_id = parse_id(request.POST.get("merchant"))
    mine = memberships_for_user(request.user)  # type: ignore[arg-type]
    if merchant_id is None or not mine.filter(merchant_id=merchant_id).exists():
        return refusal_page(
            request,
            NotFound("merchant_not_found", _("You are not on the staff of this business.")),
            back="merchants:dashboard",
        )
    request.session[SESSION_MERCHANT] = merchant_id
    request.session.pop(SESSION_STORE, None)
    return redirect("merchants:dashboard")


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    owned = (
        Merchant.objects.filter(
            memberships__user=request.user,  # type: ignore[misc]
            memberships__role=Membership.Role.OWNER,
        )
        .order_by("-pk")
        .first()
    )
    if owned is not None:
        return render(request, "merchants/application.html", {"merchant": owned})
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merchant_apply(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            messages.success(
                request, _("Thank you! We review applications within one working day.")
            )
            return redirect("merchants:apply")
    return render(
        request, "merchants/apply.html", {"form": form}, status=400 if form.errors else 200
    )


# --- offers -------------------------------------------------------------------


def _own_offer(request: HttpRequest, pk: int) -> Offer:
    offer = Offer.objects.filter(pk=pk, merchant=request.membership.merchant).first()  # type: ignore[attr-defined]
    if offer is None:
        raise Http404
    return offer


@staff_required(manage=True)
def offer_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    offers = list(dashboard_selectors.offer_funnel(merchant))
    return render(request, "merchants/offers.html", _ctx(request, offers=offers, section="offers"))


def _offer_fields(form: OfferForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("stores", None)
    data.pop("gallery", None)
    if not data.get("image"):
        data.pop("image", None)
    return data


@staff_required(manage=True)
def offer_new(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    form = OfferForm(request.POST or None, request.FILES or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_services.offer_create(
                merchant=merchant,
                by=request.user,  # type: ignore[arg-type]
                stores=list(form.cleaned_data["stores"]),
                images=form.cleaned_data["gallery"],
                **_offer_fields(form),
            )
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect("merchants:offer_edit", pk=offer.pk)
    return _form_page(request, "merchants/offer_form.html", form, offer=None, section="offers")


@staff_required(manage=True)
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _own_offer(request, pk)
    form = OfferForm(
        request.POST or None, request.FILES or None, instance=offer, merchant=offer.merchant
    )
    if request.method == "POST" and form.is_valid():
        was_live = offer.status in (Offer.Status.LIVE, Offer.Status.PAUSED)
        try:
            offer = offer_services.offer_update(
                offer=Offer.objects.get(pk=offer.pk),
                by=request.user,  # type: ignore[arg-type]
                stores=list(form.cleaned_data["stores"]),
                images=form.cleaned_data["gallery"],
                **_offer_fields(form),
            )
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            if was_live:
                messages.warning(
                    request, _("Saved. The deal is back in review and off sale until approved.")
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("merchants:offer_edit", pk=offer.pk)
    return _form_page(request, "merchants/offer_form.html", form, offer=offer, section="offers")


def _offer_action(action: Callable[..., Offer], done: Any) -> Callable:  # type: ignore[type-arg]
    @staff_required(manage=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponseRedirect:
        offer = _own_offer(request, pk)
        try:
            action(offer=offer, by=request.user)
        except DomainError as err:
            messages.error(request, str(err))
        else:
            messages.success(request, done)
        return redirect(safe_next(request, "merchants:offers"))

    return view


offer_submit = _offer_action(offer_services.offer_submit, gettext_lazy("Submitted for review."))
offer_pause = _offer_action(
    offer_services.offer_pause, gettext_lazy("Paused: the deal is off sale.")
)
offer_resume = _offer_action(
    offer_services.offer_resume, gettext_lazy("Resumed: the deal is on sale.")
)


# --- redeem -------------------------------------------------------------------


@staff_required()
def redeem(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    stores = stores_for_member(membership)
    remembered = request.session.get(SESSION_STORE)
    if remembered not in {store.pk for store in stores}:
        remembered = stores[0].pk if stores else None
    initial = {"store": remembered}
    form = RedeemForm(request.POST or None, initial=initial, stores=stores)
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        store = form.cleaned_data["store"]
        request.session[SESSION_STORE] = store.pk
        try:
            redemption = order_services.voucher_redeem(
                code=form.cleaned_data["code"],
                store_id=store.pk,
                by=request.user,  # type: ignore[arg-type]
            )
        except DomainError as err:
            record_redeem_failure(by=request.user, store_id=store.pk, code=err.code)  # type: ignore[arg-type]
            result = {"ok": False, "code": err.code, "message": str(err)}
            status = err.status
        else:
            voucher = redemption.voucher
            result = {"ok": True, "redemption": redemption, "voucher": voucher}
            form = RedeemForm(initial={"store": store.pk}, stores=stores)
    elif request.method == "POST":
        status = 400  # the form says what is missing or wrong
    return render(
        request,
        "merchants/redeem.html",
        _ctx(
            request,
            form=form,
            result=result,
            section="redeem",
            recent=order_selectors.redemptions_for_member(membership)[:5],
        ),
        status=status,
    )


@staff_required()
@require_POST
def redemption_undo(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    try:
        redemption = order_services.redemption_undo(redemption_id=pk, by=request.user)  # type: ignore[arg-type]
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.success(
            request,
            _("Undone: voucher %(code)s can be used again.")
            % {"code": format_code(redemption.voucher.code)},
        )
    return redirect(safe_next(request, "merchants:redeem"))


# --- lists --------------------------------------------------------------------


@staff_required()
def order_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    page = Paginator(order_selectors.orders_for_merchant(merchant), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "merchants/orders.html", _ctx(request, page=page, section="orders"))


@staff_required()
def redemption_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    page = Paginator(order_selectors.redemptions_for_member(membership), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "merchants/redemptions.html",
        _ctx(request, page=page, section="redemptions", now=timezone.now()),
    )


@staff_required()
def review_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    page = Paginator(review_selectors.reviews_for_merchant(merchant), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "merchants/reviews.html",
        _ctx(request, page=page, section="reviews", reply_form=ReplyForm()),
    )


@staff_required(manage=True)
@require_POST
def review_reply(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply first."))
        return redirect("merchants:reviews")
    try:
        review_services.review_reply(review_id=pk, by=request.user, text=form.cleaned_data["text"])  # type: ignore[arg-type]
    except DomainError as err:
        if err.status == 404 or err.code == "not_your_merchant":
            raise Http404 from None
        messages.error(request, str(err))
    else:
        messages.success(request, _("Reply published."))
    return redirect("merchants:reviews")


# --- stores -------------------------------------------------------------------


@staff_required(manage=True)
def store_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    stores = list(merchant.stores.select_related("district").order_by("name"))
    return render(request, "merchants/stores.html", _ctx(request, stores=stores, section="stores"))


@staff_required(manage=True)
def store_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    store = None
    if pk is not None:
        store = Store.objects.filter(pk=pk, merchant=merchant).first()
        if store is None:
            raise Http404
    form = StoreForm(request.POST or None, instance=store, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            if store is None:
                services.store_create(merchant=merchant, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            else:
                services.store_update(store=store, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Store saved."))
            return redirect("merchants:stores")
    return _form_page(request, "merchants/store_form.html", form, store=store, section="stores")


# --- settlement ---------------------------------------------------------------


@staff_required(manage=True, every_store=True)
def statement_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    return render(
        request,
        "merchants/statements.html",
        _ctx(
            request,
            statements=statements_for_merchant(merchant),
            balance=merchant_balance(merchant),
            section="statements",
        ),
    )


@staff_required(manage=True, every_store=True)
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    statement = SettlementStatement.objects.filter(pk=pk, merchant=merchant).first()
    if statement is None:
        raise Http404
    response = HttpResponse(render_csv(statement), content_type="text/csv; charset=utf-8")
    name = f"statement-{merchant.slug}-{statement.period_start}-{statement.period_end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- coupon campaigns -------------------------------------------------------------


@staff_required(manage=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    campaigns = list(order_selectors.campaigns_of_merchant(merchant))
    return render(
        request,
        "merchants/campaigns.html",
        _ctx(request, campaigns=campaigns, section="campaigns"),
    )


@staff_required(manage=True)
def campaign_new(request: HttpRequest) -> HttpResponse:
    merchant = request.membership.merchant  # type: ignore[attr-defined]
    form = CampaignForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        offers = list(fields.pop("offers"))
        try:
            order_services.campaign_create(
                merchant=merchant,
                by=request.user,  # type: ignore[arg-type]
                offers=offers,
                **fields,
            )
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Campaign started: shoppers can claim it on your deals."))
            return redirect("merchants:campaigns")
    return _form_page(request, "merchants/campaign_form.html", form, section="campaigns")


def _campaign_action(status: str, done: Any) -> Callable:  # type: ignore[type-arg]
    @staff_required(manage=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponseRedirect:
        merchant = request.membership.merchant  # type: ignore[attr-defined]
        if not order_selectors.campaigns_of_merchant(merchant).filter(pk=pk).exists():
            raise Http404
        try:
            order_services.campaign_set_status(
                campaign_id=pk,
                status=status,
                by=request.user,  # type: ignore[arg-type]
            )
        except DomainError as err:
            messages.error(request, str(err))
        else:
            messages.success(request, done)
        return redirect("merchants:campaigns")

    return view


campaign_pause = _campaign_action("paused", gettext_lazy("Paused: no one can claim it now."))
campaign_resume = _campaign_action("active", gettext_lazy("Resumed: it can be claimed again."))
campaign_stop = _campaign_action(
    "stopped", gettext_lazy("Stopped for good. Coupons already claimed stay usable.")
)
