"""Payments' reactions to what orders announce (orders.signals): the money
side of a voucher's use, undo, refund and expiry, booked in the same
transaction as the change. Connected in PaymentsConfig.ready()."""

from typing import Any

from o2o.tasks import enqueue
from orders import signals as orders_signals
from orders.models import Order, Redemption, Voucher
from orders.services import RefundReason

from . import ledger, services, signals, tasks


def book_use(sender: Any, *, redemption: Redemption, use_number: int, **kwargs: Any) -> None:
    ledger.book_redemption(redemption, use_number=use_number)


def book_undo(sender: Any, *, redemption: Redemption, **kwargs: Any) -> None:
    ledger.book_undo(redemption)


def refund_voucher(
    sender: Any, *, voucher: Voucher, order: Order, reason: str, reference: str, **kwargs: Any
) -> None:
    services.refund_request(
        order=order, voucher=voucher, amount=voucher.value, reason=reason, reference=reference
    )


def book_expiry(
    sender: Any, *, expired: list[int], refunded: list[dict[str, Any]], **kwargs: Any
) -> None:
    # What an expired, unrefunded voucher still held is earned by its merchant.
    ledger.book_expiries(expired)
    services.refunds_request_bulk(vouchers=refunded, reason=RefundReason.EXPIRY)


def send_refunds(sender: Any, *, refund_ids: list[int], **kwargs: Any) -> None:
    enqueue(tasks.execute_refunds, refund_ids)


def connect() -> None:
    signals.refunds_recorded.connect(send_refunds, dispatch_uid="payments-send-refunds")
    orders_signals.voucher_used.connect(book_use, dispatch_uid="payments-book-use")
    orders_signals.redemption_undone.connect(book_undo, dispatch_uid="payments-book-undo")
    orders_signals.voucher_refunded.connect(refund_voucher, dispatch_uid="payments-refund")
    orders_signals.vouchers_expired.connect(book_expiry, dispatch_uid="payments-book-expiry")
