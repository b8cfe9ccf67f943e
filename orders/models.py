"""Orders, the vouchers they issue and the redemptions of those vouchers."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Category, Merchant, Store
from o2o.models import ActorField, CurrencyField, MoneyField, StatusEvent, TimeStamped
from offers.models import Offer


class DiscountBy(models.TextChoices):
    PLATFORM = "platform", _("The platform")
    MERCHANT = "merchant", _("The merchant")


class Order(TimeStamped):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
        PAID = "paid", _("Paid")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {
        "pending_payment": {"paid", "cancelled"},
        "paid": {"completed"},
        "completed": {"paid"},  # a redemption undone within its window
        "cancelled": set(),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    # subtotal (unit price × quantity) − discount (a coupon's) = total, what is paid.
    subtotal = MoneyField(_("subtotal"))
    discount = MoneyField(_("discount"))
    # Who pays the discount: the platform (its coupons: a platform cost, the
    # merchant still earns the full price) or the merchant (its own coupons:
    # it earns what was paid). Empty without a discount.
    discount_by = models.CharField(
        _("discount paid by"), max_length=8, choices=DiscountBy.choices, blank=True
    )
    total = MoneyField(_("total"))
    currency = CurrencyField()
    # Neither indexed alone: orders are read by buyer or by deal; the partial
    # index below finds the unpaid ones whose time ran out.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    payment_deadline = models.DateTimeField(_("pay before"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Fixed when the order is paid, so later rate changes never reprice it.
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    # How many of its vouchers can still be used: set when they are issued,
    # counted down (and the order completed at zero) in the same UPDATE as
    # the voucher's use, refund or expiry. Concurrent changes of one order's
    # vouchers queue on its row and each sees the count the other left.
    vouchers_usable = models.PositiveSmallIntegerField(_("usable vouchers"), default=0)
    # Who paid, as the payment provider tells it: its fingerprint of the card,
    # Alipay or WeChat Pay account ("card:…"), or empty when not told. Read
    # by the referral rules: one card paying for two accounts is one person.
    payer = models.CharField(_("paid with"), max_length=80, blank=True, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["payment_deadline"],
                condition=Q(status="pending_payment"),
                name="order_unpaid_deadline",
            ),
            models.Index(fields=["payer"], condition=~Q(payer=""), name="order_payer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount__gte=0, total__gte=0, total=F("subtotal") - F("discount")),
                name="order_total_is_subtotal_less_discount",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            # A paid order has a voucher left to use; a completed one has none.
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(vouchers_usable__gt=0),
                name="paid_order_has_usable_vouchers",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(vouchers_usable=0),
                name="completed_order_has_no_usable_vouchers",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.offer} × {self.quantity}"

    @property
    def is_payable(self) -> bool:
        return self.status == self.Status.PENDING_PAYMENT


class OrderEvent(StatusEvent):
    """Audit row for every change of an order and its vouchers."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    by = ActorField()

    class Meta(StatusEvent.Meta):
        pass


class Voucher(TimeStamped):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Ready to use")
        REDEEMED = "redeemed", _("Used")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS: dict[str, set[str]] = {
        "issued": {"redeemed", "refunded", "expired"},
        "redeemed": {"issued"},  # an undone redemption
        "refunded": set(),
        "expired": set(),
    }

    # No index of its own: the (order, number) constraint's index leads with
    # the order and serves every lookup by order; one index fewer per write.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="vouchers", db_index=False
    )
    # Denormalised from the order for the hot reads (my vouchers, redemption).
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="vouchers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vouchers"
    )
    # The position of this voucher in its order: (order, number) is unique,
    # which is what stops a second issue of the same unit.
    number = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)  # not indexed
    # Not indexed alone: a handful of values over millions of rows. The
    # partial index below serves the one query that needs it (what expires).
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ISSUED
    )
    # What the customer paid for it (its share of the order's total): what a
    # refund gives back and what its uses earn.
    value = MoneyField(_("value"))
    # The platform's share of a platform coupon's discount on it, paid to the
    # merchant with each use's earning (payments.ledger).
    subsidy = MoneyField(_("platform subsidy"))
    currency = CurrencyField()
    uses_allowed = models.PositiveSmallIntegerField(default=1)
    uses_left = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField(_("expires"))
    redeemed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The expiry batches and the "expires in 3 days" reminders.
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(status="issued"),
                name="voucher_issued_expiry",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "number"], name="voucher_unique_per_order_unit"
            ),
            models.CheckConstraint(
                condition=Q(uses_left__lte=F("uses_allowed")), name="voucher_uses_within_allowance"
            ),
            # A refunded voucher was never used; a redeemed one has no use left.
            models.CheckConstraint(
                condition=~Q(status="refunded") | Q(uses_left=F("uses_allowed")),
                name="voucher_refunded_only_unused",
            ),
            models.CheckConstraint(
                condition=~Q(status="redeemed") | Q(uses_left=0),
                name="voucher_redeemed_has_no_uses_left",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def uses_done(self) -> int:
        return self.uses_allowed - self.uses_left


class VoucherEvent(StatusEvent):
    """A voucher's change of status, with both states: issued, used up,
    refunded, expired, and back to issued when a redemption is undone."""

    voucher = models.ForeignKey(
        Voucher, on_delete=models.CASCADE, related_name="events", db_constraint=False
    )
    by = ActorField()

    class Meta(StatusEvent.Meta):
        pass


class Redemption(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    # Names the redemption before the database has given it an id, so that
    # everything a redemption writes goes in one round trip: its ledger legs'
    # source and its inbox row's key. Nothing reads redemptions by it.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    # The store and the cashier are checked when written (the redemption
    # reads both under the voucher's lock) and kept by PROTECT in the ORM,
    # not by database keys: a busy store's redemptions all point at the same
    # two rows, and a key check per redemption share-locks them from every
    # till at once (PostgreSQL then builds a multixact per locker).
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="redemptions", db_constraint=False
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="redemptions_done",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions_undone",
        db_index=False,  # nothing reads redemptions by who undid them
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.voucher} @ {self.store}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class RedeemFailures(models.Model):
    """Wrong voucher codes of one staff member or store in one time window.

    Counted by orders/throttle.py and read by the redemption's first
    statement (with the staff check), so checking it costs no round trip.
    """

    scope = models.CharField(max_length=40)  # "staff:<user id>" or "store:<store id>"
    window = models.BigIntegerField()  # seconds since the epoch // the window's length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("wrong-code count")
        verbose_name_plural = _("wrong-code counts")
        constraints = [
            models.UniqueConstraint(fields=["scope", "window"], name="redeem_failures_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope} @ {self.window}: {self.count}"


# --- coupons (优惠券) and red packets (红包) ---------------------------------


class CouponCampaign(TimeStamped):
    """Coupons issued by the platform or by a merchant: what each takes off,
    on what, for whom, how many, and how long each coupon lasts.

    Coupons live beside orders because an order spends one and who may claim
    some (new users, a merchant's past buyers) is read from orders. A red
    packet is a coupon granted (welcome, referral, an admin) rather than
    claimed; a promo code is typed at checkout.
    """

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("Amount off")
        PERCENT = "percent", _("Percent off")

    class Scope(models.TextChoices):
        PLATFORM = "platform", _("Every deal")
        MERCHANT = "merchant", _("One merchant's deals")
        OFFERS = "offers", _("Chosen deals")
        CATEGORY = "category", _("A category")

    class Audience(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        NEW_USERS = "new_users", _("New customers (no paid order yet)")
        PAST_BUYERS = "past_buyers", _("The merchant's past buyers")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    TRANSITIONS: dict[str, set[str]] = {
        "active": {"paused", "stopped"},
        "paused": {"active", "stopped"},
        "stopped": set(),
    }

    title = models.CharField(_("title"), max_length=80)
    # The issuer pays the discount: None is the platform (a platform cost),
    # a merchant's campaign reduces that merchant's earnings.
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupon_campaigns",
        verbose_name=_("issued by merchant"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.AMOUNT)
    # Amount off (in `currency`), or percent off (1-100) capped by max_discount.
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    max_discount = MoneyField(_("largest discount"), null=True, blank=True, default=None)
    min_spend = MoneyField(_("minimum spend"))
    currency = CurrencyField()
    scope = models.CharField(
        _("applies to"), max_length=10, choices=Scope.choices, default=Scope.PLATFORM
    )
    scope_merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merchant it applies to"),
    )
    scope_offers = models.ManyToManyField(
        Offer, blank=True, related_name="+", verbose_name=_("deals it applies to")
    )
    scope_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category it applies to"),
    )
    audience = models.CharField(
        _("who may get it"), max_length=12, choices=Audience.choices, default=Audience.ANYONE
    )
    # Shown on deal and campaign pages to be claimed (领券); otherwise only
    # granted or typed as a promo code.
    claimable = models.BooleanField(_("claimable"), default=True)
    # The welcome red packet (新人红包): one granted to every new account.
    grant_on_signup = models.BooleanField(_("granted at sign-up"), default=False)
    # The referral reward: a coupon for the friend who signed up through a
    # share link and for the customer who shared it, at the friend's first
    # paid order. per_user_limit caps how many one customer earns.
    grant_on_referral = models.BooleanField(_("referral reward"), default=False)
    promo_code = models.CharField(
        _("promo code"), max_length=32, unique=True, null=True, blank=True
    )
    # Coupons can be got from starts_at to ends_at (open-ended without).
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    # Each coupon is valid between fixed dates (from valid_from, when set,
    # until valid_until), or for N days from getting it (from valid_from,
    # when that is later), whichever ends first.
    valid_from = models.DateTimeField(_("coupons usable from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("coupons valid until"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(
        _("coupons valid for (days)"), null=True, blank=True
    )
    quantity = models.PositiveIntegerField(_("coupons in all"), null=True, blank=True)
    # Counted by the claim's conditional UPDATE: never above `quantity`.
    issued_count = models.PositiveIntegerField(_("coupons issued"), default=0)
    per_user_limit = models.PositiveSmallIntegerField(_("per customer"), default=1)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("coupon campaign")
        verbose_name_plural = _("coupon campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(issued_count__lte=F("quantity")),
                name="coupon_campaign_never_over_issued",
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="coupon_campaign_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100),
                name="coupon_campaign_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=False) | Q(valid_days__isnull=False),
                name="coupon_campaign_has_validity",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lt=F("valid_until")),
                name="coupon_campaign_validity_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def left(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.issued_count, 0)


class Coupon(TimeStamped):
    """One customer's coupon of a campaign: available until used on an order
    or past its validity; a whole-order refund in time gives it back."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")
        # Taken back unused: the referral reward it was, for a first order
        # then refunded whole (orders.services.referrals).
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        CODE = "code", _("Promo code")
        WELCOME = "welcome", _("Welcome red packet")
        REFERRAL = "referral", _("Referral reward")
        ADMIN = "admin", _("Granted by us")

    campaign = models.ForeignKey(CouponCampaign, on_delete=models.PROTECT, related_name="coupons")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coupons"
    )
    source = models.CharField(_("got by"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    # Usable from valid_from (none: at once) until valid_until.
    valid_from = models.DateTimeField(_("usable from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"))
    # The order it discounts, while used.
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="coupon"
    )
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        indexes = [models.Index(fields=["user", "status", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.user_id}"


class ReferralReward(TimeStamped):
    """What a referred customer's first paid order earned: a coupon for them
    and one for their referrer, or why not. One per referred account, ever
    (the unique `referred`): decided once, at that first order."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Both rewarded")
        REFUSED = "refused", _("Not rewarded")
        # Granted, then the first order was refunded whole: the coupons not
        # used by then were withdrawn.
        WITHDRAWN = "withdrawn", _("Withdrawn: the first order was refunded")

    referred = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referral_reward",
        verbose_name=_("friend"),
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referral_rewards",
        verbose_name=_("invited by"),
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="referral_reward", verbose_name=_("order")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # Why not (a refusal code: same_person, same_network, same_payer,
    # no_campaign, sold_out, already_claimed, ...); empty when granted.
    reason = models.CharField(_("why not"), max_length=32, blank=True)
    friend_coupon = models.OneToOneField(
        Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_coupon = models.OneToOneField(
        Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("referral reward")
        verbose_name_plural = _("referral rewards")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="refused")
                | Q(friend_coupon__isnull=False, referrer_coupon__isnull=False, reason=""),
                name="referral_granted_has_both_coupons",
            ),
            models.CheckConstraint(
                condition=~Q(referred=F("referrer")), name="referral_not_to_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}: {self.outcome}"
