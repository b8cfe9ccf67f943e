"""Payment gateways behind one interface; orders never know which one ran.

The development gateway stands in for a provider when no Stripe key is set:
its payment page lets the payer succeed or fail, and its refunds succeed.
"""

from dataclasses import dataclass
from typing import Protocol

from django.urls import reverse

from .models import Payment, Refund


@dataclass(frozen=True)
class StartResult:
    reference: str
    redirect_url: str = ""
    client_secret: str = ""


class Gateway(Protocol):
    name: str

    def start(self, payment: Payment) -> StartResult: ...

    def refund(self, refund: Refund) -> str: ...


class DevGateway:
    name = "dev"

    def start(self, payment: Payment) -> StartResult:
        return StartResult(
            reference=f"dev_pi_{payment.idempotency_key.hex}",
            redirect_url=reverse("payments:dev_pay", args=[payment.idempotency_key]),
        )

    def refund(self, refund: Refund) -> str:
        return f"dev_re_{refund.pk}"


def get_gateway(name: str | None = None) -> Gateway:
    # Stripe joins here (issue #4); until then every payment uses the dev gateway.
    return DevGateway()
