"""Consumer pages for buying and using: checkout, orders, vouchers, reviews.

Checkout starts a payment and a used voucher takes a review, so these pages
live above the orders, payments and reviews apps.
"""

from decimal import Decimal

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.errors import DomainError
from o2o.http import parse_int
from o2o.qr import qr_svg
from o2o.templatetags.market import money
from offers.models import Offer
from offers.selectors import buyable, buyable_offers, coming_offers, visible_offers
from orders import selectors, services
from orders.forms import CheckoutForm, ReviewForm
from orders.models import Coupon, Order, Voucher
from payments.selectors import method_choices
from payments.services import method_refusal, payment_start
from reviews.services import review_create

from .coupon_views import spend_terms


def _max_quantity(offer: Offer, user: object) -> int:
    limit = settings.MAX_ORDER_QUANTITY
    if offer.stock_left is not None:
        limit = min(limit, offer.stock_left)
    if offer.limit_per_user is not None:
        bought = services.units_bought(user=user, offer=offer)  # type: ignore[arg-type]
        limit = min(limit, offer.limit_per_user - bought)
    return max(limit, 0)


COUPON_CODES = {"coupon_not_found", "used", "expired", "out_of_scope", "min_spend_not_met"}
PROMO_CODES = {"promo_code_not_found", "campaign_closed", "not_eligible", "already_claimed"}


def _coupon_choices(coupons: list[Coupon], *, subtotal: Decimal) -> list[tuple[str, str]]:
    """The coupon radio buttons, each saying what it takes off this order."""
    choices = []
    for coupon in coupons:
        campaign = coupon.campaign
        off = services.coupon_discount(campaign, subtotal)
        label = _("%(title)s: %(off)s off") % {
            "title": campaign.title,
            "off": money(off, campaign.currency),
        }
        if campaign.min_spend:
            label += " · " + spend_terms(campaign)
        label += " · " + _("until %(day)s") % {
            "day": date_format(coupon.valid_until, "SHORT_DATE_FORMAT")
        }
        choices.append((str(coupon.pk), label))
    return choices


@login_required
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    offer = (
        visible_offers().select_related("merchant").prefetch_related("stores").filter(pk=pk).first()
    )
    if offer is None:
        if coming_offers().filter(pk=pk).exists():  # a tab opened early: back to the countdown
            messages.info(request, _("This deal is not on sale yet: see when it starts."))
            return redirect("offers:detail", pk=pk)
        raise Http404
    max_quantity = _max_quantity(offer, request.user)
    coupons = list(selectors.coupons_usable_on(request.user, offer, now=timezone.now()))  # type: ignore[arg-type]
    quantity = parse_int(request.POST.get("quantity")) or 1
    subtotal = offer.price * max(quantity, 1)
    best_coupon = services.best_coupon(coupons, subtotal)
    best = str(best_coupon.pk) if best_coupon else ""
    chosen = next((c for c in coupons if str(c.pk) == (request.POST.get("coupon", best))), None)
    saving = services.coupon_saving(chosen.campaign, subtotal) if chosen else Decimal("0.00")
    choices = _coupon_choices(coupons, subtotal=subtotal)
    form = CheckoutForm(
        request.POST or None,
        max_quantity=max_quantity,
        coupons=choices,
        initial={"coupon": best},
    )
    refusal = method_refusal(request.POST.get("method"), offer.currency) if request.POST else None
    if refusal is not None:
        form.add_error(None, str(refusal))
    elif request.method == "POST" and form.is_valid():
        promo_code = form.cleaned_data["promo_code"].strip() or None
        try:
            order = services.order_create(
                user=request.user,  # type: ignore[arg-type]
                offer_id=offer.pk,
                quantity=form.cleaned_data["quantity"],
                coupon_id=None if promo_code else (form.cleaned_data["coupon"] or None),
                promo_code=promo_code,
            )
        except DomainError as err:
            if err.code in PROMO_CODES or (promo_code and err.code in COUPON_CODES):
                form.add_error("promo_code", str(err))
            elif err.code in COUPON_CODES:
                form.add_error("coupon", str(err))
            else:
                form.add_error("quantity", str(err))
        else:
            return _start_payment(request, order)
    return render(
        request,
        "orders/checkout.html",
        {
            "offer": offer,
            "form": form,
            "max_quantity": max_quantity,
            "coupons": coupons,
            "saving": saving,
            "total": subtotal - saving,
            # For checkout.js to show the saving as the quantity and coupon
            # change; the order itself is priced by the server.
            "coupon_terms": {
                str(c.pk): {
                    "kind": c.campaign.kind,
                    "value": str(c.campaign.value),
                    "cap": str(c.campaign.max_discount or ""),
                    "min": str(c.campaign.min_spend),
                }
                for c in coupons
            },
            "pay_methods": method_choices(offer.currency, request.POST.get("method")),
        },
        status=400 if form.errors else 200,
    )


def _start_payment(request: HttpRequest, order: Order) -> HttpResponseRedirect:
    try:
        _payment, result = payment_start(
            order_id=order.pk,
            user=request.user,  # type: ignore[arg-type]
            method=request.POST.get("method"),
            site_url=request.build_absolute_uri("/"),
        )
    except DomainError as err:
        messages.error(request, str(err))
        return redirect("orders:detail", pk=order.pk)
    if result.redirect_url:
        return redirect(result.redirect_url)
    return redirect("orders:detail", pk=order.pk)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    mine = selectors.orders_for_user(request.user)  # type: ignore[arg-type]
    # "Buy again" where the deal is still on sale and in stock.
    orders = mine.annotate(can_buy_again=buyable(OuterRef("offer_id")))[:100]
    return render(request, "orders/list.html", {"orders": orders})


def _own_order(request: HttpRequest, pk: int) -> Order:
    try:
        return selectors.order_for_user(user=request.user, order_id=pk)  # type: ignore[arg-type]
    except Order.DoesNotExist:
        raise Http404 from None


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _own_order(request, pk)
    vouchers = list(order.vouchers.select_related("review").order_by("number"))
    can_buy_again = not order.is_payable and buyable_offers().filter(pk=order.offer_id).exists()
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "vouchers": vouchers,
            "can_buy_again": can_buy_again,
            "pay_methods": method_choices(order.currency) if order.is_payable else [],
        },
    )


@login_required
@require_POST
def order_pay(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    return _start_payment(request, _own_order(request, pk))


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    order = _own_order(request, pk)
    try:
        services.order_cancel(order_id=order.pk, by=request.user)  # type: ignore[arg-type]
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.info(request, _("Your order is cancelled."))
    return redirect("orders:detail", pk=order.pk)


@login_required
def voucher_list(request: HttpRequest) -> HttpResponse:
    vouchers = list(selectors.vouchers_for_user(request.user))  # type: ignore[arg-type]
    groups = {
        "ready": [v for v in vouchers if v.status == Voucher.Status.ISSUED],
        "used": [v for v in vouchers if v.status == Voucher.Status.REDEEMED],
        "closed": [
            v for v in vouchers if v.status in (Voucher.Status.REFUNDED, Voucher.Status.EXPIRED)
        ],
    }
    for voucher in groups["ready"]:
        voucher.qr_svg = qr_svg(voucher.code, scale=4)  # type: ignore[attr-defined]
    return render(request, "orders/vouchers.html", {"groups": groups, "total": len(vouchers)})


def _own_voucher(request: HttpRequest, pk: int) -> Voucher:
    try:
        return selectors.voucher_for_user(user=request.user, voucher_id=pk)  # type: ignore[arg-type]
    except Voucher.DoesNotExist:
        raise Http404 from None


@login_required
def voucher_qr(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = _own_voucher(request, pk)
    svg = segno.make(voucher.code, error="m").svg_inline(scale=8)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def voucher_refund(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    voucher = _own_voucher(request, pk)
    try:
        services.voucher_refund(
            voucher_id=voucher.pk,
            by=request.user,  # type: ignore[arg-type]
            reason=services.RefundReason.CUSTOMER,
        )
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.success(
            request, _("Refund requested: %(amount)s goes back to you.") % {"amount": voucher.value}
        )
    return redirect("orders:vouchers")


@login_required
def voucher_review(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = _own_voucher(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_create(
                user=request.user,  # type: ignore[arg-type]
                voucher_id=voucher.pk,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except DomainError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Thank you! Your review is published."))
            return redirect("offers:detail", pk=voucher.offer_id)
    return render(
        request,
        "orders/review.html",
        {"voucher": voucher, "form": form},
        status=400 if form.errors else 200,
    )
