"""Deal cards in templates (offers.cards): `{% offer_grid offers %}` for
a grid of them, `{% offer_card offer %}` for one."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from offers.cards import cards
from offers.models import Offer

register = template.Library()


@register.inclusion_tag("partials/offer_grid.html")
def offer_grid(offers: Iterable[Offer]) -> dict[str, Any]:
    return {"cards": cards(list(offers))}


@register.simple_tag
def offer_card(offer: Offer) -> SafeString:
    return cards([offer])[0]
