"""What orders do when something happens in the apps below."""

from typing import Any

from accounts import signals as accounts_signals

from .services.coupons import grant_welcome_coupons


def welcome(sender: Any, user: Any, **kwargs: Any) -> None:
    grant_welcome_coupons(user=user)


def connect() -> None:
    accounts_signals.user_registered.connect(welcome, dispatch_uid="orders-welcome-coupons")
