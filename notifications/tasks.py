"""Notification tasks: take ids, reload rows, notify once per key."""

from celery import shared_task
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from merchants.models import Membership, Merchant
from offers.models import Offer
from orders.models import Order, ReferralReward
from payments.models import Refund
from reviews.models import Review

from . import services
from .services import notify

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def notify_order_paid(order_id: int) -> None:

    order = Order.objects.select_related("offer", "user").filter(pk=order_id).first()
    if order is None or order.paid_at is None:
        return
    notify(
        user=order.user,
        kind="order_paid",
        key=f"order_paid:{order.pk}",
        title=_("Your vouchers for %(offer)s are ready") % {"offer": order.offer.title},
        body=_("Order #%(id)s is paid: %(n)s voucher(s) are waiting in My vouchers.")
        % {"id": order.pk, "n": order.quantity},
        url=reverse("orders:vouchers"),
    )


@shared_task(**RETRY)
def notify_refunded(refund_id: int) -> None:

    refund = (
        Refund.objects.select_related("payment__order__user", "payment__order__offer")
        .filter(pk=refund_id)
        .first()
    )
    if refund is None or refund.status != Refund.Status.SUCCEEDED:
        return
    order = refund.payment.order
    if refund.reason == "duplicate_payment":
        body = _(
            "Order #%(id)s for %(offer)s was paid twice, so we refunded the second payment in full."
        ) % {"id": order.pk, "offer": order.offer.title}
    elif refund.reason == "order_cancelled":
        body = _(
            "Your payment for %(offer)s arrived after the order was closed, so we refunded it "
            "in full."
        ) % {"offer": order.offer.title}
    else:
        body = _("Your refund for %(offer)s is on its way back to you.") % {
            "offer": order.offer.title
        }
    notify(
        user=order.user,
        kind="refund_done",
        key=f"refund_done:{refund.pk}",
        title=_("Refund of %(amount)s %(currency)s done")
        % {"amount": refund.amount, "currency": refund.currency},
        body=body,
        url=reverse("orders:detail", args=[order.pk]),
    )


@shared_task(**RETRY)
def notify_offer_moderated(offer_id: int, outcome: str) -> None:

    offer = Offer.objects.select_related("merchant").filter(pk=offer_id).first()
    if offer is None:
        return
    owners = User.objects.filter(
        memberships__merchant=offer.merchant,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.MANAGER],
    )
    count = offer.events.filter(to_status=offer.status).count()
    for user in owners:
        if outcome == "approved":
            title = _("Your deal “%(title)s” is live") % {"title": offer.title}
            body = ""
        else:
            title = _("Your deal “%(title)s” needs changes") % {"title": offer.title}
            body = offer.status_reason
        notify(
            user=user,
            kind=f"offer_{outcome}",
            key=f"offer_{outcome}:{offer.pk}:{count}:{user.pk}",
            title=title,
            body=body,
            url=reverse("merchants:offer_edit", args=[offer.pk]),
        )


@shared_task(**RETRY)
def notify_review_hidden(review_id: int) -> None:
    """Tell a reviewer that moderation hid their review, and why (once per hiding)."""

    review = Review.objects.select_related("offer", "user").filter(pk=review_id).first()
    if review is None or review.status != Review.Status.HIDDEN:
        return  # restored before we got to it: nothing to tell
    notify(
        user=review.user,
        kind="review_hidden",
        # A review hidden, restored and hidden again is a second notice.
        key=f"review_hidden:{review.pk}:{review.updated_at.isoformat()}",
        title=_("Your review of %(offer)s was hidden") % {"offer": review.offer.title},
        body=_("Moderation's reason: %(reason)s") % {"reason": review.moderation_reason},
    )


@shared_task(**RETRY)
def notify_admins_moderation() -> None:
    """Tell admins what waits in the moderation queue (once per item and submission)."""

    admins = list(User.objects.filter(Q(is_staff=True), is_active=True))
    waiting = [
        (f"merchant:{m.pk}", _("New merchant to review: %(name)s") % {"name": m.name})
        for m in Merchant.objects.filter(status=Merchant.Status.PENDING).order_by("pk")[:50]
    ] + [
        (
            f"offer:{o.pk}:{o.updated_at.timestamp():.0f}",
            _("Deal to review: %(title)s") % {"title": o.title},
        )
        for o in Offer.objects.filter(status=Offer.Status.PENDING_REVIEW).order_by("pk")[:50]
    ]
    for item, title in waiting:
        for admin in admins:
            notify(
                user=admin,
                kind="moderation_pending",
                key=f"moderation_{item}:{admin.pk}",
                title=title,
                url=reverse("moderation:queue"),
                email=False,
            )


@shared_task(acks_late=True)
def notify_expiring_vouchers() -> int:
    return services.notify_expiring_vouchers()


@shared_task(acks_late=True)
def send_review_reminders() -> int:
    return services.send_review_reminders()


@shared_task(acks_late=True)
def send_daily_summaries() -> int:
    return services.send_daily_summaries()


@shared_task(**RETRY)
def notify_saved_offer_on_sale(offer_id: int) -> int:
    """A deal went live: tell who saved it (once each)."""
    return services.notify_saved_offer_on_sale(offer_id=offer_id)


@shared_task(acks_late=True)
def notify_saved_offers() -> int:
    """Saved deals gone on sale or about to end (beat: notify-saved-offers)."""
    return services.notify_saved_offers()


@shared_task(acks_late=True)
def send_sale_reminders() -> int:
    """Coming deals gone on sale, to who pressed "Remind me" (beat: send-sale-reminders)."""
    return services.send_sale_reminders()


@shared_task(**RETRY)
def notify_referral_rewarded(reward_id: int) -> None:
    """Both customers hear of their coupon: the one who invited, and the friend."""
    reward = (
        ReferralReward.objects.select_related(
            "referrer", "referred", "referrer_coupon__campaign", "friend_coupon__campaign"
        )
        .filter(pk=reward_id, outcome=ReferralReward.Outcome.GRANTED)
        .first()
    )
    if reward is None:
        return
    coupons_url = reverse("orders:coupons")
    notify(
        user=reward.referrer,
        kind="referral_rewarded",
        key=f"referral_rewarded:{reward.pk}:referrer",
        title=_("Your friend made their first order: a coupon for you"),
        body=_("%(friend)s joined through your invitation. Your coupon: %(title)s.")
        % {
            "friend": reward.referred.public_name,
            "title": reward.referrer_coupon.campaign.title,  # type: ignore[union-attr]
        },
        url=coupons_url,
    )
    notify(
        user=reward.referred,
        kind="referral_rewarded",
        key=f"referral_rewarded:{reward.pk}:friend",
        title=_("A coupon for your first order"),
        body=_("Thanks for joining through %(friend)s's invitation. Your coupon: %(title)s.")
        % {
            "friend": reward.referrer.public_name,
            "title": reward.friend_coupon.campaign.title,  # type: ignore[union-attr]
        },
        url=coupons_url,
    )
