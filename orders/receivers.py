"""What orders do when something happens in the apps below."""

from typing import Any

from accounts import signals as accounts_signals
from o2o.tasks import enqueue

from . import signals, tasks
from .models import Order
from .services import reward_due
from .services.coupons import grant_welcome_coupons


def welcome(sender: Any, user: Any, **kwargs: Any) -> None:
    grant_welcome_coupons(user=user)


def reward_referral(sender: Any, order: Order, **kwargs: Any) -> None:
    # Decided after the payment commits, apart from it: the rules read
    # other accounts and the reward locks two customers and a campaign.
    if reward_due(order):
        enqueue(tasks.referral_reward, order.pk)


def connect() -> None:
    accounts_signals.user_registered.connect(welcome, dispatch_uid="orders-welcome-coupons")
    signals.order_paid.connect(reward_referral, dispatch_uid="orders-referral-reward")
