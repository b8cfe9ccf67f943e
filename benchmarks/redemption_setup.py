"""Vouchers for the redemption benchmark: one store, one cashier with an API
token, and N fresh vouchers of a deal sold there (written in bulk, like
grow_bench_data). Prints "STORE TOKEN" and writes one code per line to PATH.

Run by benchmarks/run.sh: python benchmarks/redemption_setup.py PATH [N]
"""

import os
import random
import sys
from datetime import timedelta
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from merchants.models import Membership, Merchant  # noqa: E402
from offers.models import Offer  # noqa: E402
from orders.codes import generate_code  # noqa: E402
from orders.models import Order, Voucher  # noqa: E402

PER_ORDER = 10


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    merchant = Merchant.objects.filter(status="approved", stores__isnull=False).first()
    store = merchant.stores.first()
    cashier, _ = User.objects.get_or_create(email="bench-cashier@example.com")
    Membership.objects.get_or_create(
        user=cashier, merchant=merchant, defaults={"role": Membership.Role.CASHIER}
    )
    token, _ = Token.objects.get_or_create(user=cashier)
    buyer, _ = User.objects.get_or_create(email="bench-buyer@example.com")
    offer = Offer.objects.create(
        merchant=merchant,
        category_id=merchant.category_id,
        title=f"Redemption benchmark {random.randrange(10**6)}",
        price=Decimal("50.00"),
        list_price=Decimal("80.00"),
        status="live",
    )
    offer.stores.set([store])
    now = timezone.now()
    codes = []
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            [
                Order(
                    user=buyer,
                    offer=offer,
                    quantity=PER_ORDER,
                    unit_price=offer.price,
                    subtotal=offer.price * PER_ORDER,
                    total=offer.price * PER_ORDER,
                    status="paid",
                    payment_deadline=now,
                    paid_at=now,
                    commission_rate=Decimal("0.08"),
                    vouchers_usable=PER_ORDER,
                )
                for _ in range(count // PER_ORDER)
            ]
        )
        vouchers = [
            Voucher(
                order=order,
                offer=offer,
                user=buyer,
                number=k + 1,
                code=generate_code(),
                value=offer.price,
                expires_at=now + timedelta(days=90),
            )
            for order in orders
            for k in range(PER_ORDER)
        ]
        Voucher.objects.bulk_create(vouchers, batch_size=5000)
        codes = [v.code for v in vouchers]
    random.shuffle(codes)
    with open(path, "w") as out:
        out.write("\n".join(codes) + "\n")
    print(store.pk, token.key)


if __name__ == "__main__":
    main()
