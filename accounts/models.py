"""The user model: people sign in with their e-mail address."""

import ipaddress
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


# Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    # The city the user last chose (its slug: accounts sits below the places).
    city_slug = models.SlugField(_("city"), blank=True)
    # Carried by the links the user shares (?ref=), so a friend's sign-up can
    # be credited to them.
    referral_code = models.CharField(
        _("referral code"), max_length=12, unique=True, default=new_referral_code, editable=False
    )
    # Whose share link the user signed up through (set once, at sign-up).
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="referred",
        verbose_name=_("invited by"),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def public_name(self) -> str:
        """How the user appears on reviews: a name, or a masked e-mail."""
        if self.display_name:
            return self.display_name
        local = self.email.split("@", 1)[0]
        return f"{local[:2]}***"


# Mail services that deliver a.b+anything@ to ab@: one mailbox, one person.
DOTLESS_MAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_of(email: str) -> str:
    """The mailbox an address delivers to, so that aliases of one (name+tag@,
    and n.a.m.e@ where dots do not count) compare equal."""
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_MAIL_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_MAIL_DOMAINS[domain]
    return f"{local}@{domain}"


def network_of(address: str) -> str:
    """The network an address stands for, as one person's connection: an IPv4
    address itself; an IPv6 address's /64 (what one home or phone is given,
    and within which it may pick any address). "" for no valid address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class UserNetwork(models.Model):
    """A network a user signed up or logged in from (o2o.http.client_ip, which
    a client cannot forge): what tells one person's second account, as far as
    the requests tell it (the referral rules, orders.services.referrals)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="networks")
    network = models.CharField(_("network"), max_length=43)
    at_signup = models.BooleanField(_("signed up from it"), default=False)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("network used")
        verbose_name_plural = _("networks used")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="user_network_once")
        ]
        indexes = [models.Index(fields=["network"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.network}"
