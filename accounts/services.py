"""Every write on user accounts."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from o2o.errors import DomainError

from . import signals
from .models import User, UserNetwork, network_of


@transaction.atomic
def user_register(
    *, email: str, password: str, referrer: User | None = None, address: str = ""
) -> User:
    """A new consumer account. The password must already be validated.

    `referrer`: whose share link the visitor came through (accounts.referrals
    checked it is a real, active account); `address`: the client's address
    (o2o.http.client_ip), remembered as a network the account signed up from.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("email_taken", _("An account with this e-mail already exists."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, referred_by=referrer)
    except IntegrityError:
        raise DomainError("email_taken", _("An account with this e-mail already exists.")) from None
    user_seen_from(user=user, address=address, at_signup=True)
    signals.user_registered.send(sender=User, user=user)
    return user


def user_seen_from(
    *, user: User, address: str, at_signup: bool = False, now: datetime | None = None
) -> None:
    """Remember that `user` signed up or logged in from `address`'s network
    (one row per network, its last time kept). Nothing for no address."""
    network = network_of(address)
    if not network:
        return
    UserNetwork.objects.bulk_create(
        [
            UserNetwork(
                user=user, network=network, at_signup=at_signup, last_seen=now or timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "network"],
        update_fields=["last_seen"],
    )


@transaction.atomic
def user_set_city(*, user: User, city_slug: str) -> User:
    """Remember the city the user browses (a slug: the places sit above
    accounts), so that their next session starts there."""
    if user.city_slug != city_slug:
        user.city_slug = city_slug
        user.save(update_fields=["city_slug"])  # saved, so cached token users are dropped
    return user
