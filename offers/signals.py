"""What happens to offers, announced for the apps above to react to.

Sent inside the transaction that made the change; a receiver that starts
background work does so with o2o.tasks.enqueue (after commit).
"""

from django.dispatch import Signal

# A merchant asked an admin to review an offer. Sent with `offer`.
offer_submitted = Signal()
# An admin approved or rejected an offer. Sent with `offer` and `outcome`
# ("approved" or "rejected").
offer_moderated = Signal()
