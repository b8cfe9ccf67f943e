"""Places, categories, merchants, their stores and their staff."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from o2o.models import TimeStamped

# The names of places and categories are the platform's, in both languages
# (merchants/translation.py: name_en and name_zh_hans, `name` reads the
# request's language); what merchants write (names, titles) is in theirs.


class City(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(unique=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField()
    # The district's centre, for "near me" without the browser's position.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0"))

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="district_unique_slug_per_city")
        ]

    def __str__(self) -> str:
        return self.name


class BusinessArea(models.Model):
    """A business area (商圈) inside a district, e.g. 静安寺 or 陆家嘴: where
    people say they are going, and a point to search "nearby" from."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="business_areas")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="business_areas")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField()
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")
        ordering = ["district_id", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="business_area_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(unique=True)
    icon = models.CharField(_("icon"), max_length=40, blank=True, help_text=_("Font Awesome name"))
    color = models.CharField(_("colour"), max_length=7, default="#e4572e")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class Merchant(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    TRANSITIONS: dict[str, set[str]] = {
        "pending": {"approved", "rejected"},
        "rejected": {"pending"},
        "approved": {"suspended"},
        "suspended": {"approved"},
    }

    name = models.CharField(_("business name"), max_length=120)
    slug = models.SlugField(unique=True, max_length=140)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="merchants", verbose_name=_("category")
    )
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="merchants")
    description = models.TextField(_("description"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    business_licence = models.CharField(_("business licence number"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Overrides the platform rate when set (0.08 = 8%)."),
    )
    # Rating aggregate, kept by reviews.services in the same transaction as
    # the review that changes it.
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class MerchantEvent(models.Model):
    """Audit row for every status change of a merchant."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Store(TimeStamped):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(_("store name"), max_length=120)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="stores", verbose_name=_("district")
    )
    business_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stores",
        verbose_name=_("business area"),
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["merchant_id", "name"]
        # "Nearby" first keeps the stores inside a box around the point.
        indexes = [models.Index(fields=["latitude", "longitude"], name="store_lat_lng")]

    def __str__(self) -> str:
        return f"{self.merchant.name} · {self.name}"


class Membership(TimeStamped):
    """A user's role at a merchant. Cashiers may be limited to some stores."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        CASHIER = "cashier", _("Cashier")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    stores = models.ManyToManyField(
        Store,
        blank=True,
        related_name="memberships",
        help_text=_("Stores this member works at; empty means all of the merchant's stores."),
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.merchant} ({self.role})"

    @property
    def can_manage(self) -> bool:
        """Owners and managers edit offers and reply to reviews; cashiers only redeem."""
        return self.role in (self.Role.OWNER, self.Role.MANAGER)
