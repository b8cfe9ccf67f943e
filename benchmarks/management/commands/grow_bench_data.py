"""Grow the demo data to benchmark size: 10,000 offers and 1,000,000 vouchers.

Rows are written in bulk (this is test data for benchmarks, not a business
flow); they respect the constraints the services keep. Run after seed_demo.
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from merchants.models import Merchant
from offers.models import Offer
from orders.codes import generate_code
from orders.models import Order, Voucher


class Command(BaseCommand):
    help = "Grow the data to benchmark size (idempotent: tops up to the targets)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offers", type=int, default=10_000)
        parser.add_argument("--vouchers", type=int, default=1_000_000)
        parser.add_argument("--expired", action="store_true", help="make the vouchers expired")

    def handle(self, *args: Any, offers: int, vouchers: int, expired: bool, **options: Any) -> None:
        rng = random.Random(7)
        merchants = list(Merchant.objects.filter(status="approved").prefetch_related("stores"))
        now = timezone.now()
        have = Offer.objects.count()
        created = []
        for start in range(have, offers, 2000):
            batch = []
            for i in range(start, min(start + 2000, offers)):
                merchant = merchants[i % len(merchants)]
                price = Decimal(rng.randrange(20, 500))
                batch.append(
                    Offer(
                        merchant=merchant,
                        category_id=merchant.category_id,
                        title=f"Benchmark deal {i}",
                        summary="A deal for the benchmarks",
                        price=price,
                        list_price=price + Decimal(rng.randrange(5, 200)),
                        status="live",
                        published_at=now - timedelta(minutes=i),
                        sold_count=rng.randrange(0, 500),
                        rating=Decimal("4.20"),
                        rating_count=rng.randrange(0, 50),
                        refund_on_expiry=False,
                    )
                )
            with transaction.atomic():
                made = Offer.objects.bulk_create(batch)
                through = Offer.stores.through
                through.objects.bulk_create(
                    [through(offer_id=o.pk, store_id=o.merchant.stores.all()[0].pk) for o in made]
                )
            created += made
        self.stdout.write(f"offers: {Offer.objects.count()}")

        buyer, _ = User.objects.get_or_create(email="bench-buyer@example.com")
        have = Voucher.objects.count()
        offer_ids = list(Offer.objects.filter(status="live").values_list("pk", "price")[:5000])
        expires = now - timedelta(days=1) if expired else now + timedelta(days=90)
        per_order = 10
        while have < vouchers:
            chunk = min(20_000, vouchers - have)
            with transaction.atomic():
                orders = Order.objects.bulk_create(
                    [
                        Order(
                            user=buyer,
                            offer_id=offer_ids[(have + n) % len(offer_ids)][0],
                            quantity=per_order,
                            unit_price=offer_ids[(have + n) % len(offer_ids)][1],
                            subtotal=offer_ids[(have + n) % len(offer_ids)][1] * per_order,
                            total=offer_ids[(have + n) % len(offer_ids)][1] * per_order,
                            status="paid",
                            payment_deadline=now,
                            paid_at=now,
                            commission_rate=Decimal("0.08"),
                            vouchers_usable=per_order,
                        )
                        for n in range(chunk // per_order)
                    ]
                )
                Voucher.objects.bulk_create(
                    [
                        Voucher(
                            order=order,
                            offer_id=order.offer_id,
                            user=buyer,
                            number=k + 1,
                            code=generate_code(),
                            value=order.unit_price,
                            expires_at=expires,
                        )
                        for order in orders
                        for k in range(per_order)
                    ],
                    batch_size=5000,
                )
            have += chunk
            self.stdout.write(f"vouchers: {have}")
