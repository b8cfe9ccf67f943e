"""Template filters for vouchers: a code as people read it (`7KQ4-9XMP-2RWB`)."""

from django import template

from orders.codes import format_code

register = template.Library()


@register.filter
def code(value: str) -> str:
    return format_code(value)
