"""What accounts do when Django logs someone in."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from o2o.http import client_ip

from . import services


def seen_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        services.user_seen_from(user=user, address=client_ip(request))


def connect() -> None:
    user_logged_in.connect(seen_at_login, dispatch_uid="accounts-seen-at-login")
