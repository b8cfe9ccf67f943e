"""Every write on payments and refunds.

No database lock is held while a gateway is called: the intent is written
and committed first, the gateway called, then the outcome recorded in a new
transaction (a payment's idempotency key ties the three together).

Locks follow the order of orders.services: the order before its payment
(a voucher's refund: the voucher, its order, then the payment), so two
captures of one order queue on the order row.
"""

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import Conflict, DomainError, NotFound
from o2o.http import parse_id
from o2o.models import check_transition
from o2o.money import from_minor, to_minor
from o2o.parsers import MAX_JSON_DEPTH, TOO_DEEP, nested_deeper_than
from orders.models import Order, Voucher
from orders.rules import PAID_STATUSES, unused_and_issued
from orders.services import RefundReason, order_mark_paid, voucher_refund

from . import ledger, signals
from .gateways import (
    DEV,
    STRIPE,
    GatewayError,
    StartResult,
    gateway_ready,
    get_gateway,
    is_test_mode,
    missing_settings,
    payer_of,
)
from .models import Payment, PaymentEvent, Refund, WebhookEvent

logger = logging.getLogger(__name__)


def _move(
    payment: Payment, to: str, *, kind: str, note: str = "", fields: tuple[str, ...] = ()
) -> None:
    """The one way a payment's status changes: a move Payment.TRANSITIONS
    allows, saved with `fields`, and written down as an event. The payment
    row must be locked."""
    check_transition(Payment, payment.status, to)
    PaymentEvent.objects.create(
        payment=payment, kind=kind, from_status=payment.status, to_status=to, note=note
    )
    payment.status = to
    payment.save(update_fields=["status", "updated_at", *fields])


def payment_refusal(order: Order) -> DomainError | None:
    """Why the order cannot be paid now, or None: the rule for every way to pay
    (opening an attempt, and the development gateway's capture)."""
    if order.status != Order.Status.PENDING_PAYMENT:
        return Conflict(f"order_{order.status}", _("This order cannot be paid any more."))
    if order.payment_deadline <= timezone.now():
        return Conflict(
            "payment_window_passed",
            _("The time to pay for this order has run out. Please order again."),
        )
    return None


# The wallets people in China pay with take yuan only (Stripe: Alipay and
# WeChat Pay for CNY); a card takes any currency the site sells in.
METHOD_CURRENCIES: dict[str, frozenset[str] | None] = {
    Payment.Method.CARD: None,
    Payment.Method.ALIPAY: frozenset({"CNY"}),
    Payment.Method.WECHAT_PAY: frozenset({"CNY"}),
}


def methods_for(currency: str) -> list[Payment.Method]:
    """The ways to pay an amount in `currency`, card first."""
    return [
        Payment.Method(method)
        for method, currencies in METHOD_CURRENCIES.items()
        if currencies is None or currency.upper() in currencies
    ]


def parse_method(value: object) -> Payment.Method | None:
    """The payer's choice of method (None when absent), or 400 invalid_payment_method."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in Payment.Method.values:
        raise DomainError(
            "invalid_payment_method",
            _("Choose how to pay: card, Alipay or WeChat Pay."),
        )
    return Payment.Method(value)


def method_refusal(value: object, currency: str) -> DomainError | None:
    """Why `value` cannot pay an amount in `currency` (checked before an order
    is placed), or None."""
    try:
        method = parse_method(value)
    except DomainError as err:
        return err
    return _method_refusal(method or Payment.Method.CARD, currency)


def _method_refusal(method: str, currency: str) -> DomainError | None:
    if method in methods_for(currency):
        return None
    return DomainError(
        "payment_method_unavailable",
        _("%(method)s is not available for payments in %(currency)s. Please pay by card.")
        % {"method": Payment.Method(method).label, "currency": currency},
    )


def payment_start(
    *, order_id: int, user: User, method: object = None, site_url: str = ""
) -> tuple[Payment, StartResult]:
    """Open a payment attempt for the user's unpaid order, by `method` (when
    absent: the open attempt's, else card). `site_url` ("https://host", from the request) makes the
    absolute address a redirect method returns the payer to."""
    asked = parse_method(method)
    if not gateway_ready():
        # payments.checks fails on this; a process started without running
        # the checks still takes no payment (and never falls back to "dev").
        logger.error(
            "payments: PAYMENTS_GATEWAY=%r cannot take payments (missing: %s)",
            settings.PAYMENTS_GATEWAY,
            ", ".join(missing_settings()) or "a known gateway",
        )
        raise DomainError(
            "payments_unavailable",
            _("Payments are not available right now. Please try again later."),
            status=503,
        )
    abandoned: Payment | None = None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, user_id=user.pk).first()
        if order is None:
            raise NotFound("order_not_found", _("Order not found."))
        refusal = payment_refusal(order)
        if refusal is not None:
            raise refusal
        gateway = get_gateway()
        payment = (
            Payment.objects.select_for_update()
            .filter(order=order, gateway=gateway.name, status=Payment.Status.PENDING)
            .first()
        )
        chosen = asked or (payment.method if payment else Payment.Method.CARD)
        refusal = _method_refusal(chosen, order.currency)
        if refusal is not None:
            raise refusal
        if payment is not None and payment.method != chosen:
            # The payer switched methods: the open attempt is closed here (and
            # at the provider after commit). Should the provider capture it
            # anyway, payment_succeeded takes it as a late capture, refunded
            # if the order was paid meanwhile.
            _move(
                payment,
                Payment.Status.CANCELED,
                kind=Payment.Status.CANCELED,
                note=f"payer switched to {chosen}",
            )
            abandoned = payment if payment.reference else None
            payment = None
        if payment is not None and payment.reference:
            return payment, gateway.resume(payment)
        if payment is None:
            payment = Payment.objects.create(
                order=order,
                gateway=gateway.name,
                method=chosen,
                amount=order.total,
                currency=order.currency,
            )
            PaymentEvent.objects.create(
                payment=payment,
                kind="created",
                to_status=payment.status,
                note=gateway.name,
            )
    # Outside the transaction: no lock is held while the provider answers. A
    # crashed earlier call is simply repeated; the provider dedupes by our key.
    if abandoned is not None:
        try:
            gateway.cancel(abandoned)
        except GatewayError:
            logger.warning("could not cancel abandoned payment %s", abandoned.pk)
    return_url = (
        site_url.rstrip("/") + reverse("payments:stripe_return", args=[payment.idempotency_key])
        if gateway.name == STRIPE
        else ""
    )
    try:
        result = gateway.start(payment, return_url=return_url)
    except GatewayError as err:
        payment_failed(payment_id=payment.pk, message=str(err))
        raise DomainError(
            "gateway_unavailable",
            _("The payment service is not answering. Please try again in a moment."),
            status=503,
        ) from err
    Payment.objects.filter(pk=payment.pk).update(
        reference=result.reference, client_secret=result.client_secret, action=result.action
    )
    payment.reference = result.reference
    payment.client_secret = result.client_secret
    payment.action = result.action
    return payment, result


def payment_succeeded(*, payment_id: int, payer: str = "") -> Payment:
    """The gateway reports a capture. Idempotent: a second report changes nothing.
    `payer`: who paid, as the provider tells it (RemoteStatus.payer).

    The order row is locked before the payment's, so two captures of one
    order (an old intent confirmed late, a webhook and a return at once)
    queue there: the first pays the order, the second finds it paid and is
    refunded in full. A capture for an order cancelled meanwhile is refunded
    in full too. Either way the consumer is told once the refund is done.
    """
    with transaction.atomic():
        order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).get()
        order = Order.objects.select_for_update().get(pk=order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.SUCCEEDED:
            return payment
        payment.order = order
        payment.succeeded_at = timezone.now()
        if payment.status == Payment.Status.PENDING:
            _move(payment, Payment.Status.SUCCEEDED, kind="captured", fields=("succeeded_at",))
        else:
            _move(
                payment,
                Payment.Status.SUCCEEDED,
                kind="late_capture",
                note=f"captured by the provider after it was reported {payment.status}",
                fields=("succeeded_at",),
            )
        ledger.book_capture(payment)
        if order.status in PAID_STATUSES:
            _refund_whole(payment, reason="duplicate_payment")
        elif order.status == Order.Status.CANCELLED:
            _refund_whole(payment, reason="order_cancelled")
        else:
            payment.order = order_mark_paid(
                order_id=order.pk, amount=payment.amount, currency=payment.currency, payer=payer
            )
        return payment


def payment_failed(*, payment_id: int, message: str = "", canceled: bool = False) -> Payment:
    """The payer's attempt failed (or the provider cancelled it); the order
    stays payable until its deadline. A report about an attempt no longer
    waiting (a late failure after a success, a second decline) changes nothing."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.PENDING:
            return payment
        payment.failure_message = message[:255]
        to = Payment.Status.CANCELED if canceled else Payment.Status.FAILED
        _move(payment, to, kind=to, note=message, fields=("failure_message",))
        return payment


def _dev_payment(payment_id: int, user: User) -> Payment:
    """A waiting or finished attempt of `user` on the development gateway, only
    while that gateway is the configured one (else nobody may use its page)."""
    payment = (
        Payment.objects.filter(pk=payment_id, gateway=DEV, order__user_id=user.pk).first()
        if is_test_mode()
        else None
    )
    if payment is None:
        raise NotFound("payment_not_found", _("Payment not found."))
    return payment


def payment_dev_capture(*, payment_id: int, user: User) -> Payment:
    """The development gateway's "pay" (its page's button, or the API's pay
    call): a capture where no money moves. Only for the payer's own attempt,
    still waiting, while its order can be paid (as for opening an attempt:
    not past the payment window)."""
    with transaction.atomic():
        payment = _dev_payment(payment_id, user)
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.SUCCEEDED:
            return payment  # pressed twice
        if payment.status != Payment.Status.PENDING:
            raise Conflict(
                f"payment_{payment.status}",
                _("This payment attempt was declined. Please pay again from the order."),
            )
        refusal = payment_refusal(order)
        if refusal is not None:
            raise refusal
        return payment_succeeded(payment_id=payment.pk)


def payment_dev_decline(*, payment_id: int, user: User, canceled: bool = False) -> Payment:
    """The development gateway's "decline" (a card refused) or "cancel" (the
    payer backs out on the Alipay or WeChat Pay page): the payer's own
    waiting attempt fails, or is cancelled."""
    payment = _dev_payment(payment_id, user)
    if payment.status != Payment.Status.PENDING:
        raise Conflict(f"payment_{payment.status}", _("This payment attempt is already closed."))
    return payment_failed(
        payment_id=payment.pk,
        message="cancelled on the test page" if canceled else "declined on the test page",
        canceled=canceled,
    )


def refundable_left(payment: Payment) -> Decimal:
    refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (refunded or Decimal("0"))


# A capture refunded whole by payment_succeeded paid for nothing: refunds of
# the order's vouchers come from the payment that paid it.
CAPTURE_REFUNDED = ("duplicate_payment", "order_cancelled")


def _paying() -> QuerySet[Payment]:
    return Payment.objects.filter(status=Payment.Status.SUCCEEDED).exclude(
        refunds__reason__in=CAPTURE_REFUNDED
    )


def _captured_payment(order_id: int) -> Payment:
    payment = _paying().select_for_update().filter(order_id=order_id).order_by("pk").first()
    if payment is None:
        raise Conflict("not_paid", _("This order has no captured payment to refund."))
    return payment


def _refund_whole(payment: Payment, *, reason: str) -> Refund:
    refund = Refund.objects.create(
        payment=payment, amount=payment.amount, currency=payment.currency, reason=reason
    )
    PaymentEvent.objects.create(
        payment=payment,
        kind="refunded",
        from_status=payment.status,
        to_status=payment.status,
        note=reason,
    )
    ledger.book_refund(refund)
    _enqueue([refund.pk])
    return refund


def refund_request(
    *, order: Order, voucher: Voucher, amount: Decimal, reason: str, reference: str = ""
) -> Refund:
    """Record a refund of one voucher; the gateway is called after commit.
    With a `reference`, the provider already refunded it (made outside the
    platform), so it is recorded as done and nothing is sent.

    Must run inside the caller's transaction (the voucher is already locked).
    """
    payment = _captured_payment(order.pk)
    if amount <= 0 or amount > refundable_left(payment):
        raise DomainError("refund_exceeds_payment", _("That is more than is left to refund."))
    refund = Refund.objects.create(
        payment=payment,
        voucher=voucher,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        reference=reference,
        status=Refund.Status.SUCCEEDED if reference else Refund.Status.PENDING,
    )
    ledger.book_refund(refund)
    if not reference:
        _enqueue([refund.pk])
    return refund


def refunds_request_bulk(*, vouchers: list[dict[str, Any]], reason: str) -> list[Refund]:
    """Refunds for a batch of expired vouchers (rows with pk, order_id, value)."""
    if not vouchers:
        return []
    payments = {
        p.order_id: p
        for p in _paying()
        .filter(order_id__any={v["order_id"] for v in vouchers})
        .select_related("order__offer")
        .order_by("-pk")
    }
    refunds = Refund.objects.bulk_create(
        [
            Refund(
                payment=payments[v["order_id"]],
                voucher_id=v["pk"],
                amount=v["value"],
                currency=payments[v["order_id"]].currency,
                reason=reason,
            )
            for v in vouchers
            if v["order_id"] in payments
        ]
    )
    ledger.book_refunds_bulk(refunds)
    _enqueue([r.pk for r in refunds if r.pk])
    return refunds


def _enqueue(refund_ids: list[int]) -> None:
    """The refunds are recorded; sending them to the gateway is a job's
    (payments.receivers starts it after commit: this module cannot import
    the tasks, which import it)."""
    if refund_ids:
        signals.refunds_recorded.send(sender=Refund, refund_ids=refund_ids)


def refund_execute(*, refund_id: int) -> Refund:
    """Send one pending refund to its gateway. Safe to retry: a refund already
    sent is not sent again, and the provider dedupes by our idempotency key."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or refund.reference:
        return refund
    reference, done = get_gateway(refund.payment.gateway).refund(refund)
    return refund_record(refund_id=refund.pk, reference=reference, done=done)


def refund_record(*, refund_id: int, reference: str, done: bool) -> Refund:
    """Record what the provider said about a refund (its id; done or pending)."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        refund.reference = refund.reference or reference
        fields = ["reference", "updated_at"]
        if done:
            refund.status = Refund.Status.SUCCEEDED
            fields.append("status")
        refund.save(update_fields=fields)
        if done:
            signals.refund_succeeded.send(sender=Refund, refund=refund)
        return refund


# --- reconciliation ---------------------------------------------------------------


def payment_refresh(*, payment_id: int) -> Payment:
    """Ask the provider how a waiting payment went, and record it.

    Used when the payer returns from the provider's form (so the order page
    shows the real state) and by the periodic reconciliation, so a lost
    webhook never leaves a paid consumer without vouchers.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING or not payment.reference:
        return payment
    remote = get_gateway(payment.gateway).status(payment)
    if remote.status == "succeeded":
        return payment_succeeded(payment_id=payment.pk, payer=remote.payer)
    if remote.status in ("failed", "canceled"):
        return payment_failed(
            payment_id=payment.pk,
            message=remote.message or remote.status,
            canceled=remote.status == "canceled",
        )
    return payment


def reconcile_pending_payments(*, older_than_seconds: int = 120, limit: int = 200) -> int:
    """Settle provider payments still waiting after their webhook should have come."""
    now = timezone.now()
    ids = list(
        Payment.objects.filter(
            status=Payment.Status.PENDING,
            created_at__lte=now - timedelta(seconds=older_than_seconds),
            created_at__gte=now - timedelta(days=3),
        )
        .exclude(gateway="dev")
        .exclude(reference="")
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    settled = 0
    for payment_id in ids:
        try:
            payment = payment_refresh(payment_id=payment_id)
        except GatewayError:
            logger.warning("reconciliation: provider unreachable for payment %s", payment_id)
            continue
        settled += payment.status != Payment.Status.PENDING
    return settled


# --- webhooks -----------------------------------------------------------------


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify a Stripe webhook and store its event once. Raises DomainError (400)
    for a forged, unsigned or malformed request, which then changes nothing."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret or not signature:
        raise DomainError("bad_signature", _("Missing or invalid signature."))
    if nested_deeper_than(payload):  # Stripe's parse (and ours) would recurse
        raise DomainError("invalid_json", TOO_DEEP % {"n": MAX_JSON_DEPTH})
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError):
        raise DomainError("bad_signature", _("Missing or invalid signature.")) from None
    body = json.loads(payload)
    try:
        with transaction.atomic():
            stored, _created = WebhookEvent.objects.get_or_create(
                gateway="stripe",
                event_id=event.id,
                defaults={"type": event.type, "payload": body},
            )
    except IntegrityError:  # the same event delivered twice at once
        stored = WebhookEvent.objects.get(gateway="stripe", event_id=event.id)
    return stored


def webhook_process(*, event_pk: int) -> WebhookEvent:
    """Apply a stored event. Idempotent: a processed event is not applied again;
    a failed one is recorded, and can be retried (by the provider or an admin)."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
            if event.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
                return event
            handler = WEBHOOK_HANDLERS.get(event.type)
            outcome = handler(event.payload["data"]["object"]) if handler else "unhandled type"
            event.status = (
                WebhookEvent.Status.PROCESSED if outcome is None else WebhookEvent.Status.IGNORED
            )
            event.error = outcome or ""
            event.attempts += 1
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "error", "attempts", "processed_at"])
            return event
    except Exception as err:
        WebhookEvent.objects.filter(pk=event_pk).update(
            status=WebhookEvent.Status.FAILED, error=repr(err)[:2000], attempts=F("attempts") + 1
        )
        raise


def _payment_for(intent: dict[str, Any]) -> Payment | None:
    """Our payment for a PaymentIntent: by its id; by our metadata only while
    the id is not saved yet (the event raced our own write)."""
    intent_id = intent.get("id") or ""
    payment = Payment.objects.filter(gateway="stripe", reference=intent_id).first()
    if payment is not None or not intent_id:
        return payment
    metadata = intent.get("metadata") or {}
    payment_id, order_id = parse_id(metadata.get("payment_id")), parse_id(metadata.get("order_id"))
    if payment_id is not None and order_id is not None:
        return Payment.objects.filter(
            gateway="stripe", reference="", pk=payment_id, order_id=order_id
        ).first()
    return None


def _on_intent_succeeded(intent: dict[str, Any]) -> str | None:
    payment = _payment_for(intent)
    if payment is None:
        return "no payment for this intent"
    if intent.get("amount") != to_minor(payment.amount, payment.currency):
        return "amount differs from the payment"
    payment_succeeded(payment_id=payment.pk, payer=_payer(payment, intent))
    return None


def _payer(payment: Payment, intent: dict[str, Any]) -> str:
    """Who paid: from the event's intent when it carries the details, else
    asked of the provider (best effort: a payment is never held up for it)."""
    if payment.status == Payment.Status.SUCCEEDED:
        return ""  # reported before: nothing more is recorded
    payer = payer_of(intent)
    if payer or not payment.reference:
        return payer
    try:
        return get_gateway(payment.gateway).status(payment).payer
    except GatewayError:
        logger.warning("could not ask who paid payment %s", payment.pk)
        return ""


def _on_intent_failed(intent: dict[str, Any]) -> str | None:
    payment = _payment_for(intent)
    if payment is None:
        return "no payment for this intent"
    error = intent.get("last_payment_error") or {}
    message = error.get("message") or intent.get("status") or "failed"
    payment_failed(
        payment_id=payment.pk, message=str(message), canceled=intent.get("status") == "canceled"
    )
    return None


def _on_charge_refunded(charge: dict[str, Any]) -> str | None:
    payment = Payment.objects.filter(
        gateway="stripe", reference=charge.get("payment_intent") or ""
    ).first()
    if payment is None:
        return "no payment for this charge"
    refunds = (charge.get("refunds") or {}).get("data") or []
    for remote in refunds:
        if remote.get("status") not in (None, "succeeded"):
            continue
        ours = Refund.objects.filter(payment=payment, reference=remote["id"]).first()
        refund_id = parse_id((remote.get("metadata") or {}).get("refund_id"))
        if ours is None and refund_id is not None:
            ours = Refund.objects.filter(payment=payment, pk=refund_id).first()
        if ours is not None:
            refund_record(refund_id=ours.pk, reference=remote["id"], done=True)
            continue
        if not Refund.objects.filter(payment=payment, reference=remote["id"]).exists():
            _record_outside_refund(payment, remote["id"], int(remote["amount"]))
    return None


def _record_outside_refund(payment: Payment, reference: str, minor: int) -> None:
    """A refund made in Stripe's dashboard: the unused vouchers it covers stop
    being usable (oldest first); any remainder is recorded against the payment."""
    remaining = from_minor(minor, payment.currency)
    unused = Voucher.objects.filter(unused_and_issued(), order_id=payment.order_id).order_by(
        "number"
    )
    for voucher in unused:
        if voucher.value > remaining:
            break
        voucher_refund(
            voucher_id=voucher.pk, by=None, reason=RefundReason.EXTERNAL, reference=reference
        )
        remaining -= voucher.value
    # The order before the payment, as everywhere (voucher_refund above locked both).
    Order.objects.select_for_update().filter(pk=payment.order_id).first()
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if 0 < remaining <= refundable_left(locked):
        refund = Refund.objects.create(
            payment=locked,
            amount=remaining,
            currency=locked.currency,
            reason="external",
            reference=reference,
            status=Refund.Status.SUCCEEDED,
        )
        ledger.book_refund(refund)


WEBHOOK_HANDLERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "payment_intent.canceled": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
}
