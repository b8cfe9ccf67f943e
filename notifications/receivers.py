"""Notifications' reactions to what the apps below announce. Telling people
never blocks the change: e-mails and inbox rows that can wait are written
by tasks enqueued after commit; the redemption's inbox row is written at
once (the consumer is at the till). Connected in NotificationsConfig.ready()."""

from typing import Any

from merchants import signals as merchants_signals
from o2o.tasks import enqueue
from offers import signals as offers_signals
from orders import signals as orders_signals
from orders.models import Order, Redemption
from payments import signals as payments_signals
from payments.models import Refund
from reviews import signals as reviews_signals
from reviews.models import Review

from . import services, tasks


def moderation_waiting(sender: Any, **kwargs: Any) -> None:
    enqueue(tasks.notify_admins_moderation)


def offer_moderated(sender: Any, *, offer: Any, outcome: str, **kwargs: Any) -> None:
    enqueue(tasks.notify_offer_moderated, offer.pk, outcome)
    if outcome == "approved":  # live: who saved it hears (the job catches a later sale start)
        enqueue(tasks.notify_saved_offer_on_sale, offer.pk)


def order_paid(sender: Any, *, order: Order, **kwargs: Any) -> None:
    enqueue(tasks.notify_order_paid, order.pk)


def referral_rewarded(sender: Any, *, reward: Any, **kwargs: Any) -> None:
    enqueue(tasks.notify_referral_rewarded, reward.pk)


def voucher_used(sender: Any, *, redemption: Redemption, store_name: str, **kwargs: Any) -> None:
    services.notify_redeemed(redemption=redemption, store_name=store_name)


def refund_succeeded(sender: Any, *, refund: Refund, **kwargs: Any) -> None:
    enqueue(tasks.notify_refunded, refund.pk)


def review_hidden(sender: Any, *, review: Review, **kwargs: Any) -> None:
    enqueue(tasks.notify_review_hidden, review.pk)


def connect() -> None:
    merchants_signals.merchant_applied.connect(moderation_waiting, dispatch_uid="n-merchant")
    offers_signals.offer_submitted.connect(moderation_waiting, dispatch_uid="n-offer-submitted")
    offers_signals.offer_moderated.connect(offer_moderated, dispatch_uid="n-offer-moderated")
    orders_signals.order_paid.connect(order_paid, dispatch_uid="n-order-paid")
    orders_signals.voucher_used.connect(voucher_used, dispatch_uid="n-voucher-used")
    orders_signals.referral_rewarded.connect(referral_rewarded, dispatch_uid="n-referral")
    payments_signals.refund_succeeded.connect(refund_succeeded, dispatch_uid="n-refunded")
    reviews_signals.review_hidden.connect(review_hidden, dispatch_uid="n-review-hidden")
