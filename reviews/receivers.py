"""Reviews' reactions to what orders announce. Connected in ReviewsConfig.ready()."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from o2o.errors import Conflict
from orders import signals as orders_signals
from orders.models import Redemption

from .models import Review


def refuse_undo_of_a_reviewed_visit(sender: Any, *, redemption: Redemption, **kwargs: Any) -> None:
    """A visit the customer has reviewed cannot be undone: the review would
    stand for a use that never happened."""
    if Review.objects.filter(voucher_id=redemption.voucher_id).exists():
        raise Conflict("already_reviewed", _("The customer has already reviewed this visit."))


def connect() -> None:
    orders_signals.redemption_undo_requested.connect(
        refuse_undo_of_a_reviewed_visit, dispatch_uid="reviews-undo-guard"
    )
