"""Referral rewards: a friend who signed up through a customer's share link
and pays a first order earns a coupon, and so does the customer who shared.

Decided once per referred account, ever (orders.ReferralReward's unique
`referred`), after the first paid order commits (orders.tasks), from what
the requests and the payment provider told us:

- same_person: the referrer's own account, or an alias of their mailbox;
- same_network: the friend signed up from a network the referrer signed up
  or logged in from, or from the one another friend they were rewarded for
  signed up from (o2o.http.client_ip, which a client cannot forge);
- same_payer: the first order was paid with a card or Alipay/WeChat Pay
  account the referrer paid with, or that paid another rewarded friend's
  first order (the provider's fingerprint, Order.payer);
- referrer_inactive: the referrer's account was closed;
- refunded: the first order was refunded whole before the decision.

A refused or unrewardable (no_campaign, sold_out, already_claimed: the
referrer reached the campaign's per-customer limit) first order is recorded
with why, and no later order is looked at again. Both coupons or neither.

A rewarded first order then refunded whole takes its reward back: the two
coupons not used by then are withdrawn (a friend who signs up, pays, is
rewarded and refunds earns nobody anything). A withdrawn reward still
counts for the rules above, so refunding cannot clear a network or a card.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserNetwork, mailbox_of
from o2o.errors import DomainError

from .. import signals
from ..models import Coupon, Order, ReferralReward, Voucher
from ..rules import PAID_STATUSES
from ..selectors import referral_campaign
from .coupons import coupon_grant

# Rewards given, and still counted by the rules when taken back.
REWARDED = (ReferralReward.Outcome.GRANTED, ReferralReward.Outcome.WITHDRAWN)


def reward_due(order: Order) -> bool:
    """Whether the order's buyer was referred and their reward is undecided
    (one indexed read; the task decides for real)."""
    return User.objects.filter(
        pk=order.user_id, referred_by__isnull=False, referral_reward__isnull=True
    ).exists()


def referral_refusal(*, friend: User, referrer: User, payer: str) -> str | None:
    """Why the friend's first order, paid by `payer`, earns no reward, or None."""
    if not referrer.is_active:
        return "referrer_inactive"
    if referrer.pk == friend.pk or mailbox_of(referrer.email) == mailbox_of(friend.email):
        return "same_person"
    signed_up_from = UserNetwork.objects.filter(user_id=friend.pk, at_signup=True).values("network")
    rewarded = ReferralReward.objects.filter(referrer_id=referrer.pk, outcome__in=REWARDED).values(
        "referred_id"
    )
    if (
        UserNetwork.objects.filter(user_id=referrer.pk, network__in=signed_up_from).exists()
        or UserNetwork.objects.filter(
            user_id__in=rewarded, at_signup=True, network__in=signed_up_from
        ).exists()
    ):
        return "same_network"
    if payer and (
        Order.objects.filter(user_id=referrer.pk, payer=payer, status__in=PAID_STATUSES).exists()
        or ReferralReward.objects.filter(outcome__in=REWARDED, order__payer=payer).exists()
    ):
        return "same_payer"
    return None


@transaction.atomic
def referral_reward(*, order_id: int, now: datetime | None = None) -> ReferralReward | None:
    """Reward the referral of the order's buyer if this is their first paid
    order and no rule refuses it; record the decision either way. Safe to
    repeat: a buyer already decided, or not referred, gets None."""
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id, status__in=PAID_STATUSES).first()
    if order is None:
        return None
    referrer_id = (
        User.objects.filter(pk=order.user_id).values_list("referred_by_id", flat=True).first()
    )
    if referrer_id is None:
        return None
    # Both customers' rows, in id order (as any two are locked): two first
    # orders paid at once queue here, and the second finds the first decided.
    users = {
        user.pk: user
        for user in User.objects.select_for_update()
        .filter(pk__in=[order.user_id, referrer_id])
        .order_by("pk")
    }
    if ReferralReward.objects.filter(referred_id=order.user_id).exists():
        return None
    friend, referrer = users[order.user_id], users[referrer_id]
    # The first order's row too (users before orders, as everywhere): a
    # refund of it waits, or is seen, so a reward is never given for an
    # order refunded whole before the decision.
    first_paid = (
        Order.objects.select_for_update()
        .filter(user_id=friend.pk, status__in=PAID_STATUSES)
        .order_by("paid_at", "pk")
        .first()
    )
    order = first_paid or order
    reason = referral_refusal(friend=friend, referrer=referrer, payer=order.payer)
    if reason is None and not order.vouchers.exclude(status=Voucher.Status.REFUNDED).exists():
        reason = "refunded"
    coupons: tuple[Coupon, Coupon] | None = None
    if reason is None:
        campaign = referral_campaign(currency=order.currency, now=now)
        if campaign is None:
            reason = "no_campaign"
        else:
            try:
                with transaction.atomic():
                    coupons = tuple(  # type: ignore[assignment]
                        coupon_grant(
                            user=user,
                            campaign_id=campaign.pk,
                            source=Coupon.Source.REFERRAL,
                            now=now,
                        )
                        for user in (friend, referrer)
                    )
            except DomainError as err:
                reason = err.code
    reward = ReferralReward.objects.create(
        referred=friend,
        referrer=referrer,
        order=order,
        outcome=ReferralReward.Outcome.REFUSED
        if coupons is None
        else ReferralReward.Outcome.GRANTED,
        reason=reason or "",
        friend_coupon=coupons[0] if coupons else None,
        referrer_coupon=coupons[1] if coupons else None,
    )
    if coupons:
        signals.referral_rewarded.send(sender=ReferralReward, reward=reward)
    return reward


def referral_reward_withdraw(*, order: Order) -> ReferralReward | None:
    """The order, a rewarded first order, was refunded whole: withdraw the
    reward's coupons not used yet (one already spent stays spent). Once,
    however often asked; the caller holds the order's row."""
    reward = (
        ReferralReward.objects.select_for_update()
        .filter(order_id=order.pk, outcome=ReferralReward.Outcome.GRANTED)
        .first()
    )
    if reward is None:
        return None
    Coupon.objects.filter(
        pk__in=[reward.friend_coupon_id, reward.referrer_coupon_id],
        status=Coupon.Status.AVAILABLE,
    ).update(status=Coupon.Status.WITHDRAWN)
    reward.outcome = ReferralReward.Outcome.WITHDRAWN
    reward.save(update_fields=["outcome", "updated_at"])
    return reward
