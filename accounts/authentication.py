"""API token authentication with the token's user kept in the cache.

Point-of-sale devices and apps send a token with every request; reading the
token and user rows each time was most of the cost of a cheap request (a
sold-out answer, a redemption). The entry lives a minute and is dropped when
the token is deleted (logout, rotation) or the user is saved (deactivated,
password changed), so a revoked token stops working at once.
"""

import functools
import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from o2o import rawsql
from o2o.cache import softly

SECONDS = 60


def _key(token_key: str) -> str:
    return "authtoken:" + hashlib.sha256(token_key.encode()).hexdigest()[:32]


@functools.cache
def _user_by_token() -> tuple[str, tuple[Any, ...]]:
    """The statement reading a token's user (every column), and its fields.

    Prepared, so that a crowd of buyers not cached yet (a flash deal's) does
    not each pay the ORM for building the query: that took three times as
    long as running it."""
    fields = tuple(get_user_model()._meta.concrete_fields)
    columns = ", ".join(f"u.{f.column}" for f in fields)
    sql = (
        f"SELECT {columns} FROM {Token._meta.db_table} t "  # noqa: S608 (names from the models)
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id WHERE t.key = %(key)s"
    )
    return sql, fields


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user = softly(cache.get, _key(key))
        if user is None:  # not cached, or no cache: read the rows
            sql, fields = _user_by_token()
            row = rawsql.fetch_one(sql, {"key": key}, fields)
            if row is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            user = rawsql.instance(
                get_user_model(), {f.attname: v for f, v in zip(fields, row, strict=True)}
            )
            softly(cache.set, _key(key), user, SECONDS)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, key


def forget(token_key: str) -> None:
    softly(cache.delete, _key(token_key))  # without a cache it expires within SECONDS


def _token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    forget(instance.key)


def _user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
        forget(key)


def connect() -> None:
    from django.contrib.auth import get_user_model

    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="authtoken-cache-token")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="authtoken-cache-user")
