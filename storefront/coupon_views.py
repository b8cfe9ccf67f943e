"""Coupons in the browser: my coupons, claiming one (领券) from a deal page,
and inviting friends (the referral reward)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.referrals import invite_url
from o2o.errors import DomainError
from o2o.http import safe_next
from o2o.templatetags.market import money
from orders import selectors, services
from orders.models import CouponCampaign


def campaign_terms(campaign: CouponCampaign) -> str:
    """What a campaign's coupon takes off, as a shopper reads it."""
    if campaign.kind == CouponCampaign.Kind.PERCENT:
        text = _("%(n)s%% off") % {"n": f"{campaign.value.normalize():f}"}
        if campaign.max_discount is not None:
            text += " " + _("(up to %(amount)s)") % {
                "amount": money(campaign.max_discount, campaign.currency)
            }
    else:
        text = _("%(amount)s off") % {"amount": money(campaign.value, campaign.currency)}
    if campaign.min_spend:
        text += " · " + _("on orders of %(amount)s or more") % {
            "amount": money(campaign.min_spend, campaign.currency)
        }
    return text


@login_required
def coupon_list(request: HttpRequest) -> HttpResponse:
    coupons = list(selectors.coupons_for_user(request.user, now=timezone.now()))  # type: ignore[arg-type]
    for coupon in coupons:
        coupon.terms = campaign_terms(coupon.campaign)  # type: ignore[attr-defined]
    reward = selectors.referral_campaign(currency=settings.CURRENCY, now=timezone.now())
    context = {"coupons": coupons, "reward_terms": campaign_terms(reward) if reward else ""}
    return render(request, "orders/coupons.html", context)


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    """Invite friends: my link, what a friend and I each get, who came."""
    user = request.user
    reward = selectors.referral_campaign(currency=settings.CURRENCY, now=timezone.now())
    context = {
        "invite_url": invite_url(request, user),  # type: ignore[arg-type]
        "reward": reward,
        "reward_terms": campaign_terms(reward) if reward else "",
        "friends": selectors.friends_referred(user),  # type: ignore[arg-type]
        "counts": selectors.referral_counts(user),  # type: ignore[arg-type]
    }
    return render(request, "orders/invite.html", context)


@login_required
@require_POST
def coupon_claim(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """领券 from a deal page: back to it, saying what happened."""
    try:
        coupon = services.coupon_claim(user=request.user, campaign_id=pk)  # type: ignore[arg-type]
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.success(
            request,
            _("Coupon claimed: %(title)s. It is taken off at checkout.")
            % {"title": coupon.campaign.title},
        )
    return redirect(safe_next(request, "orders:coupons"))
