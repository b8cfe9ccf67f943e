"""Payment gateways behind one interface; orders never know which one ran.

One setting, PAYMENTS_GATEWAY, picks the gateway of new payments:

- "stripe": PaymentIntents for payments, Refunds for refunds, webhooks (and
  reconciliation) for outcomes; needs STRIPE_SECRET_KEY and
  STRIPE_PUBLISHABLE_KEY.
- "dev": the development gateway stands in for a provider. Its payment page
  lets the payer succeed or fail and its refunds succeed: no money moves, so
  it is for development and demos only (production settings never fall back
  to it; see payments.checks).
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from o2o.money import to_minor

from .models import Payment, Refund


@dataclass(frozen=True)
class StartResult:
    reference: str
    redirect_url: str = ""
    client_secret: str = ""
    # What the payer must do next (see Payment.action); saved on the payment.
    action: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteStatus:
    """What the provider says about a payment: succeeded, failed, canceled or pending."""

    status: str
    message: str = ""
    # Who paid, once succeeded: the provider's fingerprint of the card or the
    # Alipay / WeChat Pay account ("card:…"); "" when it does not say.
    payer: str = ""


def payer_of(intent: dict[str, Any]) -> str:
    """The fingerprint of who paid a PaymentIntent (expanded): from its
    charge's payment_method_details (Stripe gives one for cards, Alipay and
    WeChat Pay accounts), else from its payment method's (cards)."""
    charge = intent.get("latest_charge")
    holders = [
        charge.get("payment_method_details") if isinstance(charge, dict) else None,
        intent.get("payment_method"),
    ]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        kind = holder.get("type")
        details = holder.get(kind) if isinstance(kind, str) else None
        fingerprint = details.get("fingerprint") if isinstance(details, dict) else None
        if isinstance(fingerprint, str) and fingerprint:
            return f"{kind}:{fingerprint}"[:80]
    return ""


class GatewayError(Exception):
    """The provider could not be reached or refused the call; safe to retry later."""


class Gateway(Protocol):
    name: str

    def start(self, payment: Payment, *, return_url: str = "") -> StartResult:
        """Open the attempt at the provider; `return_url` (absolute) is where a
        redirect method (Alipay) sends the payer back."""
        ...

    def cancel(self, payment: Payment) -> None:
        """Close an attempt the payer abandoned for another method (best effort)."""
        ...

    def resume(self, payment: Payment) -> StartResult:
        """The same attempt again, without calling the provider."""
        ...

    def refund(self, refund: Refund) -> tuple[str, bool]:
        """Send the refund; returns the provider's id and whether it is already done."""
        ...

    def status(self, payment: Payment) -> RemoteStatus: ...


class DevGateway:
    name = "dev"

    def start(self, payment: Payment, *, return_url: str = "") -> StartResult:
        # One page per attempt, drawn as the method's provider would: a card
        # form, an "Alipay" confirmation, a WeChat Pay QR code.
        return StartResult(
            reference=f"dev_pi_{payment.idempotency_key.hex}",
            redirect_url=reverse("payments:dev_pay", args=[payment.idempotency_key]),
        )

    def cancel(self, payment: Payment) -> None:
        return None  # nothing is open anywhere else

    def resume(self, payment: Payment) -> StartResult:
        return self.start(payment)

    def refund(self, refund: Refund) -> tuple[str, bool]:
        return f"dev_re_{refund.pk}", True

    def status(self, payment: Payment) -> RemoteStatus:
        return RemoteStatus(status="pending")  # the dev page reports outcomes itself


@cache
def stripe_client(api_key: str, api_base: str) -> stripe.StripeClient:
    if api_base:
        return stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=2)
    return stripe.StripeClient(api_key, max_network_retries=2)


class StripeGateway:
    name = "stripe"

    @property
    def client(self) -> stripe.StripeClient:
        return stripe_client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)

    def _pay_page(self, payment: Payment) -> str:
        return reverse("payments:stripe_pay", args=[payment.idempotency_key])

    def start(self, payment: Payment, *, return_url: str = "") -> StartResult:
        params: dict[str, Any] = {
            "amount": to_minor(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "metadata": {
                "order_id": str(payment.order_id),
                "payment_id": str(payment.pk),
            },
        }
        if payment.method == Payment.Method.ALIPAY:
            # Confirmed at once: Stripe answers with Alipay's page to send the
            # payer to, and Alipay sends them back to return_url.
            params |= {
                "payment_method_types": ["alipay"],
                "payment_method_data": {"type": "alipay"},
                "confirm": True,
                "return_url": return_url,
            }
        elif payment.method == Payment.Method.WECHAT_PAY:
            # Confirmed at once: Stripe answers with a QR code the payer scans
            # with WeChat (on a desktop: client "web").
            params |= {
                "payment_method_types": ["wechat_pay"],
                "payment_method_data": {"type": "wechat_pay"},
                "payment_method_options": {"wechat_pay": {"client": "web"}},
                "confirm": True,
            }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                # One attempt, one key: a retried call never creates a second intent.
                options={"idempotency_key": f"payment-{payment.idempotency_key}"},
            )
        except stripe.StripeError as err:
            raise GatewayError(str(err)) from err
        action = self._action(intent)
        redirect_url = self._pay_page(payment)
        if payment.method == Payment.Method.ALIPAY:
            if not action.get("redirect_url"):
                raise GatewayError(f"no Alipay redirect for {intent.id} ({intent.status})")
            redirect_url = action["redirect_url"]
        elif payment.method == Payment.Method.WECHAT_PAY and not action.get("qr_data"):
            raise GatewayError(f"no WeChat Pay QR code for {intent.id} ({intent.status})")
        return StartResult(
            reference=intent.id,
            client_secret=intent.client_secret or "",
            redirect_url=redirect_url,
            action=action,
        )

    @staticmethod
    def _action(intent: stripe.PaymentIntent) -> dict[str, str]:
        """The payer's next step from the intent's next_action, kept as plain strings."""
        next_action = intent.to_dict().get("next_action") or {}
        redirect = next_action.get("redirect_to_url") or {}
        qr = next_action.get("wechat_pay_display_qr_code") or {}
        action = {
            "redirect_url": str(redirect.get("url") or ""),
            "qr_data": str(qr.get("data") or ""),
            "qr_image": str(qr.get("image_data_url") or ""),
            "hosted_url": str(qr.get("hosted_instructions_url") or ""),
        }
        if not action["qr_image"].startswith("data:image/"):
            action["qr_image"] = ""  # shown inline only: never an outside address
        return {key: value for key, value in action.items() if value}

    def cancel(self, payment: Payment) -> None:
        try:
            self.client.v1.payment_intents.cancel(payment.reference)
        except stripe.StripeError as err:
            raise GatewayError(str(err)) from err

    def resume(self, payment: Payment) -> StartResult:
        redirect_url = self._pay_page(payment)
        if payment.method == Payment.Method.ALIPAY and payment.action.get("redirect_url"):
            redirect_url = payment.action["redirect_url"]
        return StartResult(
            reference=payment.reference,
            client_secret=payment.client_secret,
            redirect_url=redirect_url,
            action=payment.action,
        )

    def refund(self, refund: Refund) -> tuple[str, bool]:
        payment = refund.payment
        try:
            result = self.client.v1.refunds.create(
                params={
                    "payment_intent": payment.reference,
                    "amount": to_minor(refund.amount, refund.currency),
                    "metadata": {"refund_id": str(refund.pk), "reason": refund.reason},
                },
                options={"idempotency_key": f"refund-{refund.pk}"},
            )
        except stripe.StripeError as err:
            raise GatewayError(str(err)) from err
        # Card refunds may stay "pending" a while; charge.refunded then settles them.
        return result.id, result.status == "succeeded"

    def status(self, payment: Payment) -> RemoteStatus:
        try:
            intent = self.client.v1.payment_intents.retrieve(
                payment.reference, params={"expand": ["latest_charge", "payment_method"]}
            )
        except stripe.StripeError as err:
            raise GatewayError(str(err)) from err
        if intent.status == "succeeded":
            return RemoteStatus(status="succeeded", payer=payer_of(intent.to_dict()))
        if intent.status == "canceled":
            return RemoteStatus(status="canceled")
        error = intent.last_payment_error
        if intent.status == "requires_payment_method" and error:
            return RemoteStatus(status="failed", message=str(error.message or ""))
        # requires_action: the payer is on Alipay's page or has the WeChat Pay
        # QR code (or 3-D Secure) in front of them; requires_payment_method
        # without an error: the card form is not sent yet; processing.
        return RemoteStatus(status="pending")


DEV = DevGateway.name
STRIPE = StripeGateway.name
GATEWAYS = (STRIPE, DEV)
# What each gateway needs before it can take a payment.
REQUIRED_SETTINGS = {STRIPE: ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"), DEV: ()}


# Shown on every page and in the API's pay answer while is_test_mode().
TEST_MODE_NOTICE = _("Test payments — no real money: nothing paid on this site is charged.")


def is_test_mode() -> bool:
    """New payments go to the development gateway: no real money moves."""
    return bool(settings.PAYMENTS_GATEWAY == DEV)


def missing_settings() -> list[str]:
    """The settings the configured gateway needs and lacks (empty: it can take payments)."""
    needed = REQUIRED_SETTINGS.get(settings.PAYMENTS_GATEWAY, ())
    return [name for name in needed if not getattr(settings, name, "")]


def gateway_ready() -> bool:
    return settings.PAYMENTS_GATEWAY in GATEWAYS and not missing_settings()


def get_gateway(name: str | None = None) -> Gateway:
    """The gateway a payment used (by name), or the configured one for new payments."""
    name = name or settings.PAYMENTS_GATEWAY
    if name == DEV:
        return DevGateway()
    if name == STRIPE:
        return StripeGateway()
    raise ImproperlyConfigured(f"Unknown payment gateway {name!r} (PAYMENTS_GATEWAY).")
