"""Offers (shown as "deals"), their images, events and favourites; search's index."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Category, Merchant, Store
from o2o.images import BoundedImageField
from o2o.models import CurrencyField, MoneyField, TimeStamped

from .fulltext import DocumentVector, FtsField


class Offer(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        LIVE = "live", _("Live")
        PAUSED = "paused", _("Paused")
        REJECTED = "rejected", _("Rejected")
        ENDED = "ended", _("Ended")

    TRANSITIONS: dict[str, set[str]] = {
        "draft": {"pending_review"},
        "rejected": {"pending_review"},
        "pending_review": {"live", "rejected", "draft"},
        "live": {"paused", "ended", "pending_review"},
        "paused": {"live", "ended", "pending_review"},
        "ended": set(),
    }

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="offers")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="offers", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    includes = models.TextField(
        _("what is included"), blank=True, help_text=_("One item per line.")
    )
    fine_print = models.TextField(_("fine print"), blank=True)
    image = BoundedImageField(
        _("cover image"), upload_to="offers/", blank=True, small_copy=("image_card", 800)
    )
    # The cover as deal cards and thumbnails show it (400 × 300 at twice the
    # pixel density), made from each new cover; empty for covers stored before.
    image_card = models.ImageField(upload_to="offers/cards/", blank=True, editable=False)

    price = MoneyField(_("price"))
    list_price = MoneyField(_("list price"))
    currency = CurrencyField()

    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Leave empty for unlimited.")
    )
    # Units neither sold nor reserved by an unpaid order; decremented with a
    # conditional UPDATE so concurrent buyers can never oversell.
    stock_left = models.PositiveIntegerField(null=True, blank=True, editable=False)
    limit_per_user = models.PositiveSmallIntegerField(
        _("limit per customer"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    sale_starts_at = models.DateTimeField(_("sale starts"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("sale ends"), null=True, blank=True)
    validity_days = models.PositiveSmallIntegerField(
        _("voucher valid for (days)"), default=90, help_text=_("Counted from the day of payment.")
    )
    uses_per_voucher = models.PositiveSmallIntegerField(_("uses per voucher"), default=1)
    stores = models.ManyToManyField(
        Store, related_name="offers", verbose_name=_("usable at stores")
    )
    booking_required = models.BooleanField(_("booking required"), default=False)
    usable_days = models.CharField(
        _("usable days"), max_length=80, blank=True, help_text=_("e.g. Mon–Fri")
    )
    usable_hours = models.CharField(
        _("usable hours"), max_length=80, blank=True, help_text=_("e.g. 11:00–21:00")
    )
    refundable = models.BooleanField(_("refund any time before use"), default=True)
    refund_on_expiry = models.BooleanField(_("refund automatically on expiry"), default=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )

    # Counters: changed only with F() expressions by services.
    view_count = models.PositiveIntegerField(default=0)
    sold_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "category"], name="offer_status_category")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0),
                name="offer_price_positive",
                violation_error_message=_("The price must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=F("price")),
                name="offer_list_price_not_below_price",
                violation_error_message=_("The list price cannot be below the price."),
            ),
            models.CheckConstraint(
                condition=Q(stock_left__isnull=True) | Q(stock_left__lte=F("stock")),
                name="offer_stock_left_within_stock",
            ),
            models.CheckConstraint(
                condition=Q(uses_per_voucher__gte=1), name="offer_uses_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def saving(self) -> Decimal:
        return self.list_price - self.price

    @property
    def discount_percent(self) -> int:
        if not self.list_price:
            return 0
        return int((self.saving / self.list_price * 100).quantize(Decimal("1")))

    @property
    def included_items(self) -> list[str]:
        return [line.strip() for line in self.includes.splitlines() if line.strip()]

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def is_sold_out(self) -> bool:
        return self.stock_left is not None and self.stock_left <= 0

    @property
    def card_image_url(self) -> str:
        """The cover's URL for cards: its small copy, or the cover itself when
        it was stored before small copies were made."""
        return (self.image_card or self.image).url


class OfferImage(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="images")
    image = BoundedImageField(_("image"), upload_to="offers/", small_copy=("thumb", 320))
    # What the deal page's strip of photos shows (120 × 90 at twice the density and more).
    thumb = models.ImageField(upload_to="offers/thumbs/", blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.offer_id} #{self.position}"

    @property
    def thumb_url(self) -> str:
        return (self.thumb or self.image).url


class OfferEvent(models.Model):
    """Audit row for every status change of an offer."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
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


class Favourite(models.Model):
    """A deal or a merchant the user saved (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="favourites", null=True, blank=True
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="favourites", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "offer"], name="favourite_unique", condition=Q(offer__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["user", "merchant"],
                name="favourite_merchant_unique",
                condition=Q(merchant__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(offer__isnull=False, merchant__isnull=True)
                | Q(offer__isnull=True, merchant__isnull=False),
                name="favourite_offer_or_merchant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.offer_id or self.merchant_id}"


# -- search (offers.search; the vendor-specific SQL in offers.fulltext) -------


class SearchDocument(models.Model):
    """What search finds a deal by: its words, cut and normalised once when
    the deal, its merchant, stores, category or places change (offers.search).
    Only deals a shopper may see have one (live, of an approved merchant);
    the search still runs inside visible_offers() for the sale window.

    PostgreSQL matches `vector`, generated from the three columns; SQLite
    matches its FTS5 table (SearchFts), kept from them by triggers.
    """

    offer = models.OneToOneField(
        Offer, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # The deal's title and its merchant's name (and the pinyin of their
    # Chinese words): what counts most.
    title_words = models.TextField(blank=True)
    # Summary, category, district and business area, in both languages (and
    # the pinyin of their Chinese words).
    body_words = models.TextField(blank=True)
    # The initials of the Chinese words above, and each character alone.
    extra_words = models.TextField(blank=True)
    vector = models.GeneratedField(
        expression=DocumentVector("title_words", "body_words", "extra_words"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title_words


class SearchFts(models.Model):
    """SQLite only: the FTS5 table over SearchDocument (migration 0004),
    joined to offers on its offer_id column by offers.fulltext. `text` is
    the hidden column named after the table, which MATCH is asked of."""

    offer = models.OneToOneField(
        Offer,
        primary_key=True,
        db_column="offer_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_fts",
    )
    text = FtsField(db_column="offers_searchfts")

    class Meta:
        managed = False
        db_table = "offers_searchfts"

    def __str__(self) -> str:
        return str(self.pk)


class SearchTerm(models.Model):
    """A word of the visible deals that a misspelling can be corrected to
    (Latin words, and the pinyin of Chinese words), with how to show it and
    how many deals say it. PostgreSQL finds the nearest by trigrams."""

    word = models.CharField(max_length=64, primary_key=True)
    display = models.CharField(max_length=64)
    documents = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.word


class SearchQuery(models.Model):
    """How often a search that found deals was made (offers.search.record_search):
    the empty list's "popular searches" and the suggestions' `query` kind."""

    text = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_searched_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-count"], name="searchquery_count")]

    def __str__(self) -> str:
        return self.text


class Reminder(models.Model):
    """A consumer asked to be told when a coming deal goes on sale ("Remind
    me"): one row per user and deal (the constraint decides, so two presses
    at once keep one); `sent_at` is set once they were told."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sale_reminders"
    )
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="reminders")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "offer"], name="reminder_unique"),
        ]
        indexes = [
            # The periodic job reads the reminders not sent yet, by deal.
            models.Index(
                fields=["offer"], name="reminder_unsent", condition=Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ⏰ {self.offer_id}"
