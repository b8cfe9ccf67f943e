"""What happens to reviews, announced for the apps above to react to.

Sent inside the transaction that made the change; a receiver that starts
background work does so with o2o.tasks.enqueue (after commit).
"""

from django.dispatch import Signal

# An admin hid a review (it was visible). Sent with `review`; its
# `moderation_reason` is what the reviewer is to be told.
review_hidden = Signal()
