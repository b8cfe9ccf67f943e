"""Storefront's reactions to what happens elsewhere (connected in StorefrontConfig.ready)."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from accounts.services import user_set_city
from merchants.selectors import city_by_slug

from .cities import DECIDED, SESSION_KEY


def restore_city_at_login(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """django.contrib.auth's user_logged_in: a city chosen in this session
    before signing in becomes the account's; a session that chose none
    starts in the account's city."""
    if request is None or not hasattr(request, "session"):
        return
    chosen = city_by_slug(request.session.get(SESSION_KEY))
    if chosen is not None:
        user_set_city(user=user, city_slug=chosen.slug)
    elif city_by_slug(user.city_slug) is not None:
        request.session[SESSION_KEY] = user.city_slug
    if hasattr(request, DECIDED):  # decided before the user was known
        delattr(request, DECIDED)
