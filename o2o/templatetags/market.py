"""Template filters for money, ratings and query strings (voucher codes:
`orders.templatetags.vouchers`)."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


@register.filter
def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """¥198 for whole amounts, ¥198.50 otherwise."""
    if amount is None:
        return ""
    value = Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    symbol = SYMBOLS.get(currency or "CNY")
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.filter
def stars(rating: Decimal | float | None) -> str:
    """Five stars, filled to the nearest half, for display (aria-hidden)."""
    value = float(rating or 0)
    full = int(value)
    half = 1 if value - full >= 0.5 else 0
    return "★" * full + ("⯪" if half else "") + "☆" * (5 - full - half)


@register.simple_tag
def rating_badge(rating: Decimal, count: int) -> str:
    if not count:
        return format_html('<span class="text-muted small">{}</span>', "—")
    return format_html(
        '<span class="rating"><span aria-hidden="true" class="text-warning">★</span> '
        '<span class="fw-semibold">{}</span> <span class="text-muted small">({})</span></span>',
        f"{Decimal(rating):.1f}",
        count,
    )


@register.simple_tag(takes_context=True)
def query_transform(context: template.Context, **kwargs: object) -> str:
    """The current query string with some parameters replaced (pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
