"""Coupon claiming (领券): 1,000 customers at once claim a campaign with 100
coupons, through the API on gunicorn (driven by wrk, as the flash deal is);
beside it, pgbench's single-row update on the same PostgreSQL.

Run by benchmarks/run.sh with the server already up: python benchmarks/coupon_claim.py URL
"""

import os
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flash_deal
from rest_framework.authtoken.models import Token

from accounts.models import User
from orders.models import Coupon, CouponCampaign

CLAIMERS, COUPONS = 1000, 100


def setup(claimers: int = CLAIMERS, coupons: int = COUPONS) -> tuple[int, list[str]]:
    campaign = CouponCampaign.objects.create(
        title="Coupon claim benchmark", value=Decimal("10"), valid_days=7, quantity=coupons
    )
    users = User.objects.bulk_create(
        [User(email=f"claim-{campaign.pk}-{i}@example.com") for i in range(claimers)]
    )
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    return campaign.pk, [t.key for t in tokens]


def main() -> None:
    url = sys.argv[1]
    path = "/api/v1/coupon-campaigns/{}/claim/"
    warm_id, warm = setup(claimers=200, coupons=20)  # unmeasured, as the flash deal's
    flash_deal.crowd(url, warm_id, warm, path.format(warm_id))
    campaign_id, tokens = setup()
    got = flash_deal.crowd(url, campaign_id, tokens, path.format(campaign_id))
    campaign = CouponCampaign.objects.get(pk=campaign_id)
    issued = Coupon.objects.filter(campaign_id=campaign_id).count()
    over = max(0, issued - COUPONS) + max(0, campaign.issued_count - COUPONS)
    rate = CLAIMERS / got["seconds"]
    offer_id, _tokens = flash_deal.setup(buyers=0, stock=1)
    tps = flash_deal.pgbench_rate(offer_id)
    print(
        f"  coupon claim {CLAIMERS} claimers in {got['seconds']:.2f} s: {rate:,.0f} claims/s, "
        f"{got['sold']:.0f} got one, {got['sold_out']:.0f} sold_out, other {got['other']:.0f}, "
        f"errors {got['errors']:.0f}; issued {issued} of {COUPONS}, over-issued {over}; "
        f"p50 {got['p50_ms']:.0f} ms, p99 {got['p99_ms']:.0f} ms"
    )
    share = rate / tps
    ok = over == 0 and issued == COUPONS and share >= 0.3 and got["answered"] == CLAIMERS
    ok = ok and not got["errors"]
    print(
        f"  pgbench      {tps:,.0f} single-row updates/s → {share:.0%} of it "
        f"→ {'PASS' if ok else 'FAIL'} (0 over issue, ≥ 30 %)"
    )


if __name__ == "__main__":
    main()
