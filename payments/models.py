"""Payments and refunds as they move through a gateway."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from o2o.models import CurrencyField, MoneyField, StatusEvent, TimeStamped
from orders.models import Order, Voucher


class Payment(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Cancelled")

    class Method(models.TextChoices):
        """How the payer pays: a card, or one of the wallets people in China
        use (through Stripe's PaymentIntents, or mimicked by the dev gateway)."""

        CARD = "card", _("Card")
        ALIPAY = "alipay", _("Alipay")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")

    # Moved by payments.services only, through one helper that writes a
    # PaymentEvent for each move.
    TRANSITIONS: dict[str, set[str]] = {
        "pending": {"succeeded", "failed", "canceled"},
        # The provider captured an attempt we had marked failed or cancelled
        # (an old intent confirmed late): that money was really taken, so the
        # move is allowed, recorded as a late capture, and the capture
        # refunded if the order was paid or closed meanwhile.
        "failed": {"succeeded"},
        "canceled": {"succeeded"},
        "succeeded": set(),
    }

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=16)
    amount = MoneyField(_("amount"))
    currency = CurrencyField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # The provider's id for this attempt (PaymentIntent id, dev reference).
    reference = models.CharField(max_length=120, blank=True, db_index=True)
    # One attempt, one key: a retried "pay" never charges twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    failure_message = models.CharField(max_length=255, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # Stripe's client secret for this PaymentIntent: lets our page show the form.
    client_secret = models.CharField(max_length=255, blank=True, editable=False)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.CARD)
    # What the provider asks the payer to do next, kept so a retried "pay"
    # resumes the attempt without calling the provider: Alipay's redirect
    # (`redirect_url`), WeChat Pay's QR code (`qr_data`, `qr_image`, a
    # data: URL, and `hosted_url`).
    action = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "reference"],
                condition=~Q(reference=""),
                name="payment_unique_reference",
            ),
            # One open attempt per order: a double click or a retry resumes it
            # instead of opening a second charge.
            models.UniqueConstraint(
                fields=["order", "gateway"],
                condition=Q(status="pending"),
                name="payment_one_open_attempt_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.amount} {self.currency} ({self.status})"


class PaymentEvent(StatusEvent):
    """Audit row for every change of a payment: each status move, and the
    automatic refund of a capture the order could not take."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind}: {super().__str__()}"


class Refund(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=32)
    reference = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A voucher is refunded at most once.
            models.UniqueConstraint(
                fields=["voucher"],
                condition=Q(voucher__isnull=False) & ~Q(status="failed"),
                name="refund_once_per_voucher",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]


class WebhookEvent(models.Model):
    """Each provider event, stored once by its id before it is processed."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    gateway = models.CharField(max_length=16, default="stripe")
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class LedgerEntry(models.Model):
    """One leg of a money transfer. Append-only; the legs of a transfer sum to zero.

    Accounts: `gateway` (cash held at the provider), `unearned` (owed to
    consumers as unused vouchers), `merchant` (owed to a merchant),
    `commission` (the platform's revenue). Every total shown is a sum of these.
    """

    class Account(models.TextChoices):
        GATEWAY = "gateway", _("Cash at the payment provider")
        UNEARNED = "unearned", _("Unused vouchers")
        MERCHANT = "merchant", _("Payable to merchant")
        COMMISSION = "commission", _("Platform commission")
        # What the platform's coupons cost it: paid to merchants with each
        # earning of a voucher bought with one (a debit, like the gateway).
        COUPONS = "coupons", _("Platform coupons")

    transfer = models.UUIDField()
    kind = models.CharField(max_length=32)
    account = models.CharField(max_length=16, choices=Account.choices)
    amount = MoneyField(_("amount"))
    currency = CurrencyField()
    # These three references are checked when written (the ledger books rows
    # it has just read, under their locks) and kept by PROTECT in the ORM,
    # but not by database foreign keys: a night's expiry writes millions of
    # legs, and checking three keys per leg at commit cost a third of it.
    # Nothing deletes merchants, orders or vouchers that have money on them.
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    voucher = models.ForeignKey(
        Voucher,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    statement = models.ForeignKey(
        "SettlementStatement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,  # see the partial index below
    )
    # What caused it, so a cause is booked once (e.g. "capture:42",
    # "redemption:<its key>").
    # (The unique constraint below indexes it.)
    source = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["pk"]
        # Few indexes: expiry writes millions of these rows in a night.
        indexes = [
            # What the next statement of a merchant will settle.
            models.Index(
                fields=["merchant", "created_at"],
                condition=Q(account="merchant", statement__isnull=True),
                name="ledger_unsettled",
            ),
            # A statement's lines; most rows belong to none yet.
            models.Index(
                fields=["statement"],
                condition=Q(statement__isnull=False),
                name="ledger_by_statement",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "account"], name="ledger_source_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.account} {self.amount}"


class SettlementStatement(TimeStamped):
    """What the platform owes a merchant for one period, net of commission."""

    class Status(models.TextChoices):
        CLOSED = "closed", _("To pay")
        PAID = "paid", _("Paid")

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    currency = CurrencyField()
    # What customers paid for the uses on it; what the platform's coupons
    # added on top (the merchant earns the full price); the commission on
    # both; and the net: gross + platform coupons − commission.
    gross = MoneyField(_("gross"))
    platform_coupons = MoneyField(_("platform coupons"))
    commission = MoneyField(_("commission"))
    net = MoneyField(_("net payable"))
    vouchers = models.PositiveIntegerField(_("vouchers"), default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CLOSED)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")
        ordering = ["-period_end", "merchant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "period_start", "period_end"], name="statement_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.period_start}–{self.period_end}"
