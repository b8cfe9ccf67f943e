"""System checks: a site never takes payments it cannot take, nor lets
anyone "pay" on the development gateway without saying so.

Errors stop `manage.py check`, `check --deploy` and `migrate` (which the
release step and the compose file run before the site starts).
"""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .gateways import DEV, GATEWAYS, STRIPE, missing_settings

DEMO_HINT = (
    "Set the Stripe keys. For a demo where no real money moves, opt in with "
    "PAYMENTS_GATEWAY=dev (every page then says so)."
)


@register("payments")
def gateway_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    name = settings.PAYMENTS_GATEWAY
    if name not in GATEWAYS:
        return [
            Error(
                f"PAYMENTS_GATEWAY is {name!r}; it must be one of {', '.join(GATEWAYS)}.",
                id="payments.E001",
            )
        ]
    missing = missing_settings()
    if missing:
        return [
            Error(
                f"PAYMENTS_GATEWAY is {name!r} but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set: no payment could be taken.",
                hint=DEMO_HINT,
                id="payments.E002",
            )
        ]
    return []


@register("payments", deploy=True)
def gateway_deployable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    name = settings.PAYMENTS_GATEWAY
    if name == DEV:
        return [
            Warning(
                "The development payment gateway is live (PAYMENTS_GATEWAY=dev): orders are "
                "paid on a test page and no money moves. Every page and the API's pay answer "
                "say so.",
                hint="Only for a demo. A real deployment sets Stripe's keys and no "
                "PAYMENTS_GATEWAY (or PAYMENTS_GATEWAY=stripe).",
                id="payments.W001",
            )
        ]
    if name == STRIPE and not settings.STRIPE_WEBHOOK_SECRET:
        return [
            Warning(
                "STRIPE_WEBHOOK_SECRET is not set: every Stripe webhook is refused, so "
                "payments are settled only when the payer returns or by the reconciliation "
                "every two minutes, and refunds made in Stripe's dashboard are never recorded.",
                hint="Copy the endpoint's signing secret from Stripe's dashboard.",
                id="payments.W002",
            )
        ]
    return []
