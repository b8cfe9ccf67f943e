"""Coupons in the browser: my coupons, claiming one (领券) from a deal page,
and inviting friends (the referral reward)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.referrals import invite_url
from o2o.errors import DomainError
from o2o.http import safe_next
from o2o.templatetags.market import money
from offers.selectors import offers_for_pages, visible_offers
from orders import selectors, services
from orders.models import CouponCampaign
from orders.selectors import offers_of_campaign

from .cities import current_city


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
        text += " · " + spend_terms(campaign)
    return text


def spend_terms(campaign: CouponCampaign) -> str:
    """A campaign's minimum spend, as a shopper reads it."""
    return _("on orders of %(amount)s or more") % {
        "amount": money(campaign.min_spend, campaign.currency)
    }


def applies_to(campaign: CouponCampaign) -> str:
    """What a campaign's coupons are for, as a shopper reads it."""
    if campaign.scope == CouponCampaign.Scope.MERCHANT and campaign.scope_merchant:
        return _("Deals of %(merchant)s") % {"merchant": campaign.scope_merchant.name}
    if campaign.scope == CouponCampaign.Scope.CATEGORY and campaign.scope_category:
        return _("%(category)s deals") % {"category": campaign.scope_category.name}
    if campaign.scope == CouponCampaign.Scope.OFFERS:
        return _("Chosen deals")
    return _("Every deal")


# The coupon centre shows this many campaigns, the largest first.
CENTRE_SHOWN = 60
# A campaign page shows this many of the deals its coupons take.
CAMPAIGN_DEALS_SHOWN = 12


def _described(campaigns: list[CouponCampaign], user: Any) -> list[CouponCampaign]:
    held = (
        selectors.campaigns_held(user, [c.pk for c in campaigns], now=timezone.now())
        if user.is_authenticated
        else set()
    )
    for campaign in campaigns:
        campaign.terms = campaign_terms(campaign)  # type: ignore[attr-defined]
        campaign.applies_to = applies_to(campaign)  # type: ignore[attr-defined]
        campaign.claimed = campaign.pk in held  # type: ignore[attr-defined]
    return campaigns


def coupon_centre(request: HttpRequest) -> HttpResponse:
    """领券中心: every campaign open for claiming, the largest first."""
    campaigns = selectors.claimable_campaigns(now=timezone.now()).select_related(
        "scope_merchant", "scope_category"
    )
    context = {"campaigns": _described(list(campaigns[:CENTRE_SHOWN]), request.user)}
    return render(request, "orders/coupon_centre.html", context)


def campaign_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One campaign, to share: its coupon, claiming it, and deals it takes
    (in the visitor's city). A campaign over or paused says so."""
    open_now = selectors.claimable_campaigns(now=timezone.now()).select_related(
        "scope_merchant", "scope_category"
    )
    campaign = open_now.filter(pk=pk).first()
    is_open = campaign is not None
    if campaign is None:
        campaign = get_object_or_404(
            CouponCampaign.objects.select_related("scope_merchant", "scope_category"),
            pk=pk,
            claimable=True,
        )
    deals = offers_of_campaign(campaign, visible_offers())
    city = current_city(request)
    if city is not None:
        deals = deals.filter(merchant__city=city)
    context = {
        "campaign": _described([campaign], request.user)[0],
        "is_open": is_open,
        "deals": list(
            offers_for_pages(deals).order_by("-sold_count", "-pk")[:CAMPAIGN_DEALS_SHOWN]
        ),
        "city": city,
    }
    return render(request, "orders/campaign.html", context)


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
