"""What the header needs on every page: unread count and the merchant link."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def header(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}

    def unread() -> int:
        return user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]

    def is_merchant_staff() -> bool:
        return user.memberships.exists()  # type: ignore[union-attr]

    # Lazy: evaluated only by templates that show them (one query each).
    return {
        "unread_count": SimpleLazyObject(unread),
        "is_merchant_staff": SimpleLazyObject(is_merchant_staff),
    }
