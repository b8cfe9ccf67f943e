"""Values every page template needs, from settings alone (the shopper's city
comes from `storefront.context_processors`: o2o imports no app)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CURRENCY": settings.CURRENCY,
        "STRIPE_JS_URL": settings.STRIPE_JS_URL,
    }
