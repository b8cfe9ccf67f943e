"""What happens to payments and refunds, announced for the apps above.

Sent inside the transaction that made the change; a receiver that starts
background work does so with o2o.tasks.enqueue (after commit).
"""

from django.dispatch import Signal

# The provider confirmed a refund: the money is on its way back. Sent with `refund`.
refund_succeeded = Signal()

# Refunds were recorded and are to be sent to their gateway. Sent with
# `refund_ids`. (payments.receivers starts the job: services cannot import
# the tasks, which import services.)
refunds_recorded = Signal()
