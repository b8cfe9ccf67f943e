"""Tags for what search engines and link previews read (storefront/seo.py,
storefront/jsonld.py): canonical and hreflang links, JSON-LD, the share box."""

from collections.abc import Sequence
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from merchants.models import Merchant, Store
from offers.models import Offer

from .. import jsonld, seo

register = template.Library()


def _request(context: template.Context) -> HttpRequest:
    return context["request"]


@register.simple_tag(takes_context=True)
def seo_links(context: template.Context, keep: str = "") -> SafeString:
    """<link rel="canonical"> and <link rel="alternate" hreflang> for each
    language and x-default. `keep`: the parameters that make the page what
    it is ("city"; "*" for every filter of a list); the rest are dropped."""
    request = _request(context)
    canonical = format_html(
        '<link rel="canonical" href="{}">', seo.canonical_url(request, keep=keep)
    )
    return canonical + format_html_join(
        "",
        '\n<link rel="alternate" hreflang="{}" href="{}">',
        seo.alternates(request, keep=keep),
    )


@register.simple_tag(takes_context=True)
def canonical_url(context: template.Context, keep: str = "") -> str:
    return seo.canonical_url(_request(context), keep=keep)


@register.filter
def path_without_lang(request: HttpRequest) -> str:
    """The request's path and query without `?lang=`: where the language form
    sends the visitor back to (a `lang` left there would override the choice)."""
    if not isinstance(request, HttpRequest):  # a page rendered without its request
        return "/"
    params = [
        (key, value)
        for key, values in request.GET.lists()
        if key != seo.LANG_PARAM
        for value in values
    ]
    return seo.join_query(escape_uri_path(request.path), params)


@register.inclusion_tag("partials/share.html", takes_context=True)
def share_box(context: template.Context, title: str) -> dict[str, Any]:
    """The share button: the page's address with the signed-in visitor's
    referral code. Render it only in the per-request part of a cached page."""
    return {"share_url": seo.share_url(_request(context)), "share_title": title}


@register.simple_tag(takes_context=True)
def offer_jsonld(context: template.Context, offer: Offer, stores: Sequence[Store]) -> SafeString:
    request = _request(context)
    # The cover only: the gallery's full-size photos are never sent to the
    # page (its strip shows small copies), and small copies are too small
    # for search results.
    pictures = [offer.image.url] if offer.image else []
    return jsonld.script_tag(
        jsonld.offer_jsonld(
            offer,
            stores=stores,
            images=[request.build_absolute_uri(url) for url in pictures],
            url=seo.canonical_url(request),
            merchant_url=request.build_absolute_uri(
                reverse("offers:merchant", args=[offer.merchant.slug])
            ),
        )
    )


@register.simple_tag(takes_context=True)
def merchant_jsonld(
    context: template.Context, merchant: Merchant, stores: Sequence[Store], offers: Sequence[Offer]
) -> SafeString:
    request = _request(context)
    image = next((offer.image.url for offer in offers if offer.image), None)
    return jsonld.script_tag(
        jsonld.merchant_jsonld(
            merchant,
            stores=stores,
            url=seo.canonical_url(request),
            image=request.build_absolute_uri(image) if image else None,
        )
    )


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """An address as a link preview needs it: with the scheme and host."""
    return _request(context).build_absolute_uri(path)
