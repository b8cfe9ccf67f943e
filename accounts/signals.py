"""What happens to accounts, announced for the apps above.

Sent inside the transaction of the change: a receiver's writes commit or
roll back with it.
"""

from django.dispatch import Signal

# A new consumer account was created (sign-up on the site or the API). Sent
# with `user`. Receivers: orders (the welcome red packet).
user_registered = Signal()
