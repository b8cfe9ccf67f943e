"""schemathesis against the whole app: every answer of every API operation,
to valid and to invalid requests, is one its OpenAPI schema documents
(status, content type, body), and none is a server error."""

from decimal import Decimal, InvalidOperation

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from merchants.models import Membership
from offers.services import favourite_save
from orders.models import CouponCampaign
from orders.services import (
    RefundReason,
    order_cancel,
    redemption_undo,
    voucher_redeem,
    voucher_refund,
)
from rankings.services import rankings_compute
from reviews.services import review_create

from ..factories import (
    CouponCampaignFactory,
    MembershipFactory,
    OfferFactory,
    UserFactory,
    make_order,
    make_paid_order,
)
from .openapi import documented_codes

pytestmark = pytest.mark.django_db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

# Per operation and mode (valid, invalid requests): about 400 requests in all,
# 15 to 30 seconds. The same examples every run, so that a failure is a
# change's, not the dice's; widen by hand with derandomize=False.
EXAMPLES = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def beyond_64_bits(value) -> bool:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return False
    return number.is_finite() and abs(number) >= 2**63


def known_server_error(case) -> bool:
    """Inputs that answer 500 today, left out until their fix lands: ids
    beyond 64 bits in POST /orders/ `offer` and GET /offers/?merchant=
    (OverflowError on SQLite), fixed by the input-parsing fix of the same
    issue, which gives every id a client sends one parser and a 4xx. (Deeply
    nested JSON bodies, fixed there too by a depth-limited parser, are not
    generated here.)"""
    if case.operation.label == "POST /api/v1/orders/" and isinstance(case.body, dict):
        return beyond_64_bits(case.body.get("offer"))
    if case.operation.label == "GET /api/v1/offers/" and case.query:
        return beyond_64_bits(case.query.get("merchant"))
    return False


@pytest.fixture
def world(consumer, offer, store):
    """A consumer who bought, and also works as a cashier at the deal's
    merchant, with an order and a voucher in each state a rule looks at;
    their ids by the path word or body field that names them."""
    MembershipFactory(user=consumer, merchant=offer.merchant, role=Membership.Role.CASHIER)
    limited = OfferFactory(stock=3, limit_per_user=2, refundable=False)
    sold_out = OfferFactory(stock=1)
    make_order(UserFactory(), sold_out, 1)
    paid = make_paid_order(consumer, offer, 4)
    reviewed, used, undone, unused = paid.vouchers.order_by("pk")
    redemptions = [
        voucher_redeem(code=voucher.code, store_id=store.pk, by=consumer)
        for voucher in (reviewed, used, undone)
    ]
    redemption_undo(redemption_id=redemptions[2].pk, by=consumer)
    review_create(user=consumer, voucher_id=reviewed.pk, rating=5, text="Good")
    refunded = make_paid_order(consumer, offer, 1).vouchers.get()
    voucher_refund(voucher_id=refunded.pk, by=consumer, reason=RefundReason.CUSTOMER)
    cancelled = make_order(consumer, offer, 1)
    order_cancel(order_id=cancelled.pk, by=consumer)
    unpaid = make_order(consumer, limited, 1)
    # A customer's visit, so that the rankings have something to rank.
    visit = make_paid_order(UserFactory(), offer, 1).vouchers.get()
    voucher_redeem(code=visit.code, store_id=store.pk, by=consumer)
    review_create(user=visit.user, voucher_id=visit.pk, rating=4, text="Fine")
    rankings_compute()
    favourites = [
        favourite_save(user=consumer, offer_id=offer.pk)[0],
        favourite_save(user=consumer, merchant_id=offer.merchant_id)[0],
        favourite_save(user=UserFactory(), offer_id=offer.pk)[0],  # someone else's
    ]
    vouchers = [reviewed, used, undone, unused, refunded]
    campaigns = [
        CouponCampaignFactory(quantity=5),
        CouponCampaignFactory(quantity=1, issued_count=1),  # sold out
        CouponCampaignFactory(audience=CouponCampaign.Audience.NEW_USERS),  # not for a buyer
        CouponCampaignFactory(status=CouponCampaign.Status.PAUSED),
    ]
    ids = {
        "offers": [offer.pk, limited.pk, sold_out.pk],
        "orders": [paid.pk, unpaid.pk, cancelled.pk],
        "vouchers": [voucher.pk for voucher in vouchers],
        "redemptions": [redemption.pk for redemption in redemptions],
        "store": [store.pk],
        "code": [voucher.code for voucher in vouchers],
        "quantity": [1, 2],
        "rating": [1, 5],
        "favourites": [favourite.pk for favourite in favourites],
        "merchant": [offer.merchant_id],
        "coupon-campaigns": [campaign.pk for campaign in campaigns],
    }
    ids |= {"offer": ids["offers"], "voucher": ids["vouchers"]}
    return Token.objects.create(user=consumer).key, ids


def aim(case, ids, data):
    """Point some of a generated case's ids at objects that exist: random
    ids would all be answered "not found" before any other rule is reached."""
    if "id" in (case.path_parameters or {}) and data.draw(st.booleans()):
        resource = case.operation.path.split("/")[3]  # /api/v1/<resource>/{id}/...
        case.path_parameters["id"] = data.draw(st.sampled_from(ids[resource]))
    if isinstance(case.body, dict):
        for field in sorted(case.body.keys() & ids.keys()):
            if data.draw(st.booleans()):
                case.body[field] = data.draw(st.sampled_from(ids[field]))


@pytest.fixture
def app():
    """The WSGI app, which keeps the database connection, and with it the
    test's transaction, from one request to the next (Django's test client
    does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def check(case, headers):
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if response.status_code >= 400:  # and its code is one listed for that status
        documented = case.operation.definition.raw["responses"][str(response.status_code)]
        code = response.json()["code"]
        assert code in documented_codes(documented), (response.status_code, code)


class _Undo(Exception):
    """Rolls an example's writes back: each example starts from the same world."""


def test_every_answer_is_one_the_schema_documents(app, world):
    token, ids = world
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    headers = {"Authorization": f"Token {token}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode), data=st.data())
            @EXAMPLES
            def call(case, data):
                aim(case, ids, data)
                assume(not known_server_error(case))
                try:
                    with transaction.atomic():
                        check(case, headers)
                        raise _Undo
                except _Undo:
                    pass
                finally:
                    cache.clear()  # throttles, sold-out hints

            try:
                call()
            except Unsatisfiable:
                # Nothing invalid to send: no parameters and no body (`me`).
                assert mode == GenerationMode.NEGATIVE, operation.label
            except (Exception, FailureGroup) as failure:  # all reported together below
                notes = "\n".join(getattr(failure, "__notes__", ()))  # the falsifying example
                failures.append(f"{operation.label} ({mode.value}): {failure}\n{notes}")
    assert operations >= 18
    assert not failures, "\n\n".join(failures)
