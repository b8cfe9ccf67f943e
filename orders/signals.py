"""What happens to orders and vouchers, announced for the apps above.

Each is sent inside the transaction of the change, so a receiver's writes
(the ledger's legs, a refund, an inbox row) commit or roll back with it,
and a receiver may refuse the change by raising a DomainError. Background
work is started with o2o.tasks.enqueue (after commit).

Receivers: payments (money: the ledger and refunds), reviews (whether an
undo is still allowed), notifications (telling people).
"""

from django.dispatch import Signal

# An order was paid: its vouchers are issued. Sent with `order`.
order_paid = Signal()

# One use of a voucher was consumed at a store. Sent with `redemption` (its
# `voucher` as the use left it, with `order` and `offer` loaded), `use_number`
# (1 for the first use) and `store_name`. The redemption's writes are sent
# together, so its id is not known yet: name it by `redemption.key`.
voucher_used = Signal()

# A staff member asks to undo a redemption; a receiver refuses by raising a
# DomainError (reviews: the visit was reviewed). Sent with `redemption`.
redemption_undo_requested = Signal()

# A redemption was undone: its use given back. Sent with `redemption`.
redemption_undone = Signal()

# An unused voucher was refunded (the money is to go back). Sent with
# `voucher`, `order` (locked), `reason` and `reference` (set when the
# provider already refunded it, outside the platform).
voucher_refunded = Signal()

# A batch of vouchers ran out of time. Sent with `expired` (ids of vouchers
# now expired: what they still held is earned by the merchant) and
# `refunded` (rows {pk, order_id, value} of vouchers refunded on expiry).
vouchers_expired = Signal()

# A referred customer's first paid order earned both customers a coupon.
# Sent with `reward` (orders.ReferralReward, granted).
referral_rewarded = Signal()
