"""Every write on user accounts."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from o2o.errors import DomainError

from . import signals
from .models import User


@transaction.atomic
def user_register(*, email: str, password: str) -> User:
    """A new consumer account. The password must already be validated."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("email_taken", _("An account with this e-mail already exists."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError:
        raise DomainError("email_taken", _("An account with this e-mail already exists.")) from None
    signals.user_registered.send(sender=User, user=user)
    return user


@transaction.atomic
def user_set_city(*, user: User, city_slug: str) -> User:
    """Remember the city the user browses (a slug: the places sit above
    accounts), so that their next session starts there."""
    if user.city_slug != city_slug:
        user.city_slug = city_slug
        user.save(update_fields=["city_slug"])  # saved, so cached token users are dropped
    return user
