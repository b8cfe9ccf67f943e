"""What happens to merchants, announced for the apps above to react to.

Sent inside the transaction that made the change; a receiver that starts
background work does so with o2o.tasks.enqueue (after commit).
"""

from django.dispatch import Signal

# A business applied and waits for an admin. Sent with `merchant`.
merchant_applied = Signal()
